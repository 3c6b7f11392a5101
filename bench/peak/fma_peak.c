// The machine's FMA ceiling: FMAs per second on N threads, 12 independent accumulators, no memory traffic.
// Built and run by bench/fma-peak.sh; the GEMM table compares against it. Usage: fma_peak THREADS [256|512]
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define ITERS 200000000L
#define ACC 12
static void* run256(void* out){
  __m256 a[ACC]; __m256 m=_mm256_set1_ps(0.999999f), c=_mm256_set1_ps(1e-7f);
  for(int i=0;i<ACC;i++) a[i]=_mm256_set1_ps((float)i);
  for(long it=0; it<ITERS; it++){
    for(int i=0;i<ACC;i++) a[i]=_mm256_fmadd_ps(a[i],m,c);
  }
  float s=0; float tmp[8]; for(int i=0;i<ACC;i++){_mm256_storeu_ps(tmp,a[i]); s+=tmp[0];}
  *(float*)out=s; return NULL;
}
#ifdef __AVX512F__
static void* run512(void* out){
  __m512 a[ACC]; __m512 m=_mm512_set1_ps(0.999999f), c=_mm512_set1_ps(1e-7f);
  for(int i=0;i<ACC;i++) a[i]=_mm512_set1_ps((float)i);
  for(long it=0; it<ITERS; it++){
    for(int i=0;i<ACC;i++) a[i]=_mm512_fmadd_ps(a[i],m,c);
  }
  float s=0; float tmp[16]; for(int i=0;i<ACC;i++){_mm512_storeu_ps(tmp,a[i]); s+=tmp[0];}
  *(float*)out=s; return NULL;
}
#endif
int main(int argc,char**argv){
  int n=atoi(argv[1]); int width=argc>2?atoi(argv[2]):256; pthread_t th[8]; float out[8];
  void* (*run)(void*)=run256;
#ifdef __AVX512F__
  if(width==512) run=run512;
#else
  if(width==512){ printf("%d threads, Vector512: not available on this CPU\n", n); return 0; }
#endif
  double t0=now();
  for(int i=0;i<n;i++) pthread_create(&th[i],NULL,run,&out[i]);
  for(int i=0;i<n;i++) pthread_join(th[i],NULL);
  double t=now()-t0;
  double flops=(double)n*ITERS*ACC*(width/32)*2;
  printf("%d threads, Vector%d: %.1f GFLOP/s total (%.1f per thread), %.2f s\n", n, width, flops/t/1e9, flops/t/1e9/n, t);
  return 0;
}
