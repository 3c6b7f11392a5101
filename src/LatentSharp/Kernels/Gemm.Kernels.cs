using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentSharp.Kernels;

internal static unsafe partial class Gemm
{
    // Largest pack blocks any kernel needs: MC*KC for A, KC*NC for B.
    private const int MaxPackAFloats = 144 * 256, MaxPackBFloats = 256 * 2048;

    /// <summary>
    /// A register-blocked micro-kernel: C[0:MR, 0:NR] = act(alpha * sum_p a[p*MR + r] * b[p*NR + j] (+ beta * C) (+ bias[j])),
    /// reading kc steps of a packed A micro-panel and a packed B micro-panel, act max(·, 0) when relu. C is read only
    /// when beta != 0. The store rounds alpha*sum, beta*c and the bias's addition separately (no FMA) so that
    /// <see cref="StoreEdge"/> followed by <see cref="Finish"/> matches it bit for bit; the bias and ReLU are applied in
    /// registers, as a pass over the just-stored tile would wait on every line it reads back.
    /// </summary>
    private interface IMicroKernel
    {
        static abstract int MR { get; }
        static abstract int NR { get; }
        static abstract int KC { get; }
        static abstract int MC { get; }
        static abstract int NC { get; }
        static abstract void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, float* bias, bool relu);

        /// <summary>
        /// The plain sums (alpha 1, beta 0) of the first <paramref name="rows"/> rows and <paramref name="cols"/> columns
        /// of the tile into c, for the last row or column panel of C. A kernel may compute more than asked (up to MR x NR):
        /// c must have room for a whole tile. Each sum is the one <see cref="Run"/> computes, to the bit.
        /// </summary>
        static abstract void RunEdge(int rows, int cols, int kc, float* a, float* b, float* c, int ldc);
    }

    /// <summary>
    /// Asks for the C tile's cache lines before the k loop, so that the store at its end (which reads C in every K slice
    /// after the first) does not wait on memory: the tile's rows are ldc apart, a pattern the hardware prefetcher misses.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, int ldc, int rows, int cols)
    {
        if (!Sse.IsSupported) return;
        for (int r = 0; r < rows; r++)
        {
            float* row = c + r * (nint)ldc;
            for (int j = 0; j < cols; j += 16) Sse.Prefetch0(row + j);
            Sse.Prefetch0(row + cols - 1);   // the last line, when the row does not start on a line boundary
        }
    }

    /// <summary>8 rows x 32 columns: 16 zmm accumulators, 2 B loads and a broadcast per k.</summary>
    private struct Kernel8x32 : IMicroKernel
    {
        public static int MR => 8;
        public static int NR => 32;
        public static int KC => 256;
        public static int MC => 128;
        public static int NC => 2048;

        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, float* bias, bool relu)
        {
            Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
            PrefetchTile(c, ldc, MR, NR);
            for (int p = 0; p < kc; p++, a += MR, b += NR)
            {
                Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
                Vector512<float> x = Vector512.Create(a[0]);
                c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
                c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
                x = Vector512.Create(a[1]);
                c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
                c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
                x = Vector512.Create(a[2]);
                c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
                c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
                x = Vector512.Create(a[3]);
                c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
                c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
                x = Vector512.Create(a[4]);
                c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
                c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
                x = Vector512.Create(a[5]);
                c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
                c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
                x = Vector512.Create(a[6]);
                c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
                c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
                x = Vector512.Create(a[7]);
                c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
                c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            }
            Vector512<float> va = Vector512.Create(alpha);
            Store(c, c00, c01, va, beta, bias, relu);
            Store(c + 1 * (nint)ldc, c10, c11, va, beta, bias, relu);
            Store(c + 2 * (nint)ldc, c20, c21, va, beta, bias, relu);
            Store(c + 3 * (nint)ldc, c30, c31, va, beta, bias, relu);
            Store(c + 4 * (nint)ldc, c40, c41, va, beta, bias, relu);
            Store(c + 5 * (nint)ldc, c50, c51, va, beta, bias, relu);
            Store(c + 6 * (nint)ldc, c60, c61, va, beta, bias, relu);
            Store(c + 7 * (nint)ldc, c70, c71, va, beta, bias, relu);
        }

        // N = 400 or 784 ends in a panel of 16 columns: a full tile there would cost a 26th or 50th of the product.
        public static void RunEdge(int rows, int cols, int kc, float* a, float* b, float* c, int ldc)
        {
            if (cols <= 16) Cols16(kc, a, b, c, ldc);
            else Run(kc, a, b, c, ldc, 1f, 0f, null, false);
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static void Cols16(int kc, float* a, float* b, float* c, int ldc)
        {
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
            for (int p = 0; p < kc; p++, a += MR, b += NR)
            {
                Vector512<float> b0 = Vector512.Load(b);
                c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
                c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
                c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
                c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
                c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
                c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
                c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
            }
            c0.Store(c); c1.Store(c + ldc); c2.Store(c + 2 * ldc); c3.Store(c + 3 * ldc);
            c4.Store(c + 4 * ldc); c5.Store(c + 5 * ldc); c6.Store(c + 6 * ldc); c7.Store(c + 7 * ldc);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* c, Vector512<float> s0, Vector512<float> s1, Vector512<float> alpha, float beta, float* bias, bool relu)
        {
            Vector512<float> v0 = alpha * s0, v1 = alpha * s1;
            if (beta != 0f)
            {
                Vector512<float> vb = Vector512.Create(beta);
                v0 += vb * Vector512.Load(c);
                v1 += vb * Vector512.Load(c + 16);
            }
            if (bias is not null)
            {
                v0 += Vector512.Load(bias);
                v1 += Vector512.Load(bias + 16);
            }
            if (relu)
            {
                v0 = Vector512.Max(v0, Vector512<float>.Zero);
                v1 = Vector512.Max(v1, Vector512<float>.Zero);
            }
            v0.Store(c);
            v1.Store(c + 16);
        }
    }

    /// <summary>6 rows x 16 columns: 12 ymm accumulators, 2 B loads and a broadcast per k (15 of 16 registers).</summary>
    private struct Kernel6x16 : IMicroKernel
    {
        public static int MR => 6;
        public static int NR => 16;
        public static int KC => 256;
        public static int MC => 144;
        public static int NC => 2048;

        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        public static void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, float* bias, bool relu)
        {
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            PrefetchTile(c, ldc, MR, NR);
            for (int p = 0; p < kc; p++, a += MR, b += NR)
            {
                Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
                Vector256<float> x = Vector256.Create(a[0]);
                c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
                x = Vector256.Create(a[1]);
                c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
                x = Vector256.Create(a[2]);
                c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
                x = Vector256.Create(a[3]);
                c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
                x = Vector256.Create(a[4]);
                c40 = Vector256.FusedMultiplyAdd(x, b0, c40);
                c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
                x = Vector256.Create(a[5]);
                c50 = Vector256.FusedMultiplyAdd(x, b0, c50);
                c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            }
            Vector256<float> va = Vector256.Create(alpha);
            Store(c, c00, c01, va, beta, bias, relu);
            Store(c + 1 * (nint)ldc, c10, c11, va, beta, bias, relu);
            Store(c + 2 * (nint)ldc, c20, c21, va, beta, bias, relu);
            Store(c + 3 * (nint)ldc, c30, c31, va, beta, bias, relu);
            Store(c + 4 * (nint)ldc, c40, c41, va, beta, bias, relu);
            Store(c + 5 * (nint)ldc, c50, c51, va, beta, bias, relu);
        }

        // At M = 128 the last of 22 row panels has 2 rows: a full tile there would cost 1/22 of the product.
        public static void RunEdge(int rows, int cols, int kc, float* a, float* b, float* c, int ldc)
        {
            if (rows <= 2) Rows2(kc, a, b, c, ldc);
            else Run(kc, a, b, c, ldc, 1f, 0f, null, false);
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static void Rows2(int kc, float* a, float* b, float* c, int ldc)
        {
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
            for (int p = 0; p < kc; p++, a += MR, b += NR)
            {
                Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
                Vector256<float> x = Vector256.Create(a[0]);
                c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
                x = Vector256.Create(a[1]);
                c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            }
            c00.Store(c); c01.Store(c + 8);
            c10.Store(c + ldc); c11.Store(c + ldc + 8);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* c, Vector256<float> s0, Vector256<float> s1, Vector256<float> alpha, float beta, float* bias, bool relu)
        {
            Vector256<float> v0 = alpha * s0, v1 = alpha * s1;
            if (beta != 0f)
            {
                Vector256<float> vb = Vector256.Create(beta);
                v0 += vb * Vector256.Load(c);
                v1 += vb * Vector256.Load(c + 8);
            }
            if (bias is not null)
            {
                v0 += Vector256.Load(bias);
                v1 += Vector256.Load(bias + 8);
            }
            if (relu)
            {
                v0 = Vector256.Max(v0, Vector256<float>.Zero);
                v1 = Vector256.Max(v1, Vector256<float>.Zero);
            }
            v0.Store(c);
            v1.Store(c + 8);
        }
    }

    /// <summary>4 rows x 4 columns of scalar multiply-adds, for hardware without usable vectors.</summary>
    private struct Kernel4x4 : IMicroKernel
    {
        public static int MR => 4;
        public static int NR => 4;
        public static int KC => 256;
        public static int MC => 128;
        public static int NC => 2048;

        public static void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, float* bias, bool relu)
        {
            float* acc = stackalloc float[16];
            new Span<float>(acc, 16).Clear();
            for (int p = 0; p < kc; p++, a += 4, b += 4)
            {
                for (int r = 0; r < 4; r++)
                {
                    float x = a[r];
                    float* row = acc + r * 4;
                    row[0] += x * b[0]; row[1] += x * b[1]; row[2] += x * b[2]; row[3] += x * b[3];
                }
            }
            StoreEdge(acc, 4, c, ldc, 4, 4, alpha, beta);
            if (bias is not null || relu) Finish(c, ldc, 4, 4, bias, relu);
        }

        public static void RunEdge(int rows, int cols, int kc, float* a, float* b, float* c, int ldc) => Run(kc, a, b, c, ldc, 1f, 0f, null, false);
    }
}
