// The machine's FMA ceiling: Vector256 FMAs per second on N threads, 10 independent accumulators, no memory traffic.
// Built and run by bench/fma-peak.sh; the GEMM table compares against it.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define ITERS 200000000L
static void* run(void* out){
  __m256 a[10]; __m256 m=_mm256_set1_ps(0.999999f), c=_mm256_set1_ps(1e-7f);
  for(int i=0;i<10;i++) a[i]=_mm256_set1_ps((float)i);
  for(long it=0; it<ITERS; it++){
    for(int i=0;i<10;i++) a[i]=_mm256_fmadd_ps(a[i],m,c);
  }
  float s=0; float tmp[8]; for(int i=0;i<10;i++){_mm256_storeu_ps(tmp,a[i]); s+=tmp[0];}
  *(float*)out=s; return NULL;
}
int main(int argc,char**argv){
  int n=atoi(argv[1]); pthread_t th[8]; float out[8];
  double t0=now();
  for(int i=0;i<n;i++) pthread_create(&th[i],NULL,run,&out[i]);
  for(int i=0;i<n;i++) pthread_join(th[i],NULL);
  double t=now()-t0;
  double flops=(double)n*ITERS*10*8*2;
  printf("%d threads: %.1f GFLOP/s total (%.1f per thread), %.2f s\n", n, flops/t/1e9, flops/t/1e9/n, t);
  return 0;
}
