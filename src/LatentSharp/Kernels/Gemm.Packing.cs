using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentSharp.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Packs op(A)[i0:i0+mc, p0:p0+kc] into micro-panels of mr rows: panel q holds, for each p, the mr values
    /// op(A)[i0+q*mr+r, p0+p] contiguously (at dst + q*mr*kc + p*mr + r). Rows past mc are zeros.
    /// </summary>
    private static void PackA(bool transposeA, float* a, int lda, int i0, int mc, int p0, int kc, int mr, float* dst)
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* d = dst + ir * kc;
            if (transposeA)
            {
                // op(A)[i, p] = a[p*lda + i]: each p reads mr contiguous floats.
                float* src = a + (nint)p0 * lda + i0 + ir;
                if (rows == mr && mr == 8)
                {
                    for (int p = 0; p < kc; p++, src += lda, d += 8) Vector256.Store(Vector256.Load(src), d);
                }
                else if (rows == mr)
                {
                    for (int p = 0; p < kc; p++, src += lda, d += mr)
                        for (int r = 0; r < mr; r++) d[r] = src[r];
                }
                else
                {
                    for (int p = 0; p < kc; p++, src += lda, d += mr)
                    {
                        int r = 0;
                        for (; r < rows; r++) d[r] = src[r];
                        for (; r < mr; r++) d[r] = 0f;
                    }
                }
            }
            else
            {
                // op(A)[i, p] = a[i*lda + p]: mr rows read side by side, written interleaved.
                float* src = a + (nint)(i0 + ir) * lda + p0;
                if (rows == mr && mr == 6)
                {
                    float* s0 = src, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda;
                    int p = 0;
                    if (Avx.IsSupported)
                    {
                        // 8 steps of k at a time: an 8x8 transpose of the six rows (and two of zeros), then six floats per step.
                        for (; p + 8 <= kc; p += 8, d += 48)
                        {
                            Vector256<float> r0 = Vector256.Load(s0 + p), r1 = Vector256.Load(s1 + p), r2 = Vector256.Load(s2 + p);
                            Vector256<float> r3 = Vector256.Load(s3 + p), r4 = Vector256.Load(s4 + p), r5 = Vector256.Load(s5 + p);
                            Vector256<float> r6 = Vector256<float>.Zero, r7 = Vector256<float>.Zero;
                            Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                            StoreSix(r0, d); StoreSix(r1, d + 6); StoreSix(r2, d + 12); StoreSix(r3, d + 18);
                            StoreSix(r4, d + 24); StoreSix(r5, d + 30); StoreSix(r6, d + 36); StoreSix(r7, d + 42);
                        }
                    }
                    for (; p < kc; p++, d += 6)
                    {
                        d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p]; d[4] = s4[p]; d[5] = s5[p];
                    }
                }
                else if (rows == mr && mr == 8 && Avx.IsSupported)
                {
                    TransposeRows8(src, lda, kc, d, 8);
                }
                else
                {
                    for (int r = 0; r < mr; r++)
                    {
                        float* s = src + (nint)r * lda;
                        if (r < rows) for (int p = 0; p < kc; p++) d[p * mr + r] = s[p];
                        else for (int p = 0; p < kc; p++) d[p * mr + r] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)[p0:p0+kc, j0:j0+nc] into micro-panels of nr columns: panel q holds, for each p, the nr values
    /// op(B)[p0+p, j0+q*nr+j] contiguously (at dst + q*nr*kc + p*nr + j). Columns past nc are zeros.
    /// </summary>
    private static void PackB(bool transposeB, float* b, int ldb, int p0, int kc, int j0, int nc, int nr, float* dst)
    {
        int jr0 = 0;
        if (!transposeB && nr % 8 == 0)
        {
            // Full panels row by row: each row of b is read once, left to right, and its nr-wide pieces go to the
            // panels' rows p (whole cache lines). Panel by panel, every panel re-walked kc rows ldb apart.
            int fullPanels = nc / nr;
            float* src = b + (nint)p0 * ldb + j0;
            for (int p = 0; p < kc; p++, src += ldb)
            {
                float* d = dst + (nint)p * nr;
                if (nr % 16 == 0 && Vector512.IsHardwareAccelerated)
                {
                    for (int q = 0; q < fullPanels; q++, d += (nint)nr * kc)
                        for (int j = 0; j < nr; j += 16) Vector512.Store(Vector512.Load(src + q * nr + j), d + j);
                }
                else
                {
                    for (int q = 0; q < fullPanels; q++, d += (nint)nr * kc)
                        for (int j = 0; j < nr; j += 8) Vector256.Store(Vector256.Load(src + q * nr + j), d + j);
                }
            }
            jr0 = fullPanels * nr;
        }
        for (int jr = jr0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* d = dst + jr * kc;
            if (!transposeB)
            {
                // op(B)[p, j] = b[p*ldb + j]: the last, partial panel (full ones went row by row above), or any panel
                // of a kernel whose nr is not a multiple of 8; columns past nc are zeros.
                float* src = b + (nint)p0 * ldb + j0 + jr;
                for (int p = 0; p < kc; p++, src += ldb, d += nr)
                {
                    int j = 0;
                    for (; j < cols; j++) d[j] = src[j];
                    for (; j < nr; j++) d[j] = 0f;
                }
            }
            else
            {
                // op(B)[p, j] = b[j*ldb + p]: nr rows of b read side by side, in blocks of 8x8 transposes.
                float* src = b + (nint)(j0 + jr) * ldb + p0;
                int j = 0;
                if (Avx.IsSupported)
                {
                    for (; j + 8 <= cols; j += 8) TransposeRows8(src + (nint)j * ldb, ldb, kc, d + j, nr);
                }
                for (; j < cols; j++)
                {
                    float* s = src + (nint)j * ldb;
                    for (int p = 0; p < kc; p++) d[p * nr + j] = s[p];
                }
                // Columns past nc: zeros, each panel row's run at once (column by column it was a store per cache line).
                if (cols < nr)
                    for (int p = 0; p < kc; p++) new Span<float>(d + p * nr + cols, nr - cols).Clear();
            }
        }
    }

    /// <summary>The first six floats of v to dst[0..5], leaving dst[6..] alone (it may be another thread's panel).</summary>
    private static void StoreSix(Vector256<float> v, float* dst)
    {
        v.GetLower().Store(dst);
        *(double*)(dst + 4) = v.GetUpper().AsDouble().ToScalar();
    }

    /// <summary>dst[p*dstStride + j] = src[j*srcStride + p] for j &lt; 8, p &lt; kc.</summary>
    private static void TransposeRows8(float* src, int srcStride, int kc, float* dst, int dstStride)
    {
        float* s0 = src, s1 = s0 + srcStride, s2 = s1 + srcStride, s3 = s2 + srcStride;
        float* s4 = s3 + srcStride, s5 = s4 + srcStride, s6 = s5 + srcStride, s7 = s6 + srcStride;
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            Vector256<float> r0 = Vector256.Load(s0 + p), r1 = Vector256.Load(s1 + p);
            Vector256<float> r2 = Vector256.Load(s2 + p), r3 = Vector256.Load(s3 + p);
            Vector256<float> r4 = Vector256.Load(s4 + p), r5 = Vector256.Load(s5 + p);
            Vector256<float> r6 = Vector256.Load(s6 + p), r7 = Vector256.Load(s7 + p);
            Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            float* d = dst + (nint)p * dstStride;
            Vector256.Store(r0, d); Vector256.Store(r1, d + dstStride);
            Vector256.Store(r2, d + 2 * dstStride); Vector256.Store(r3, d + 3 * dstStride);
            Vector256.Store(r4, d + 4 * dstStride); Vector256.Store(r5, d + 5 * dstStride);
            Vector256.Store(r6, d + 6 * dstStride); Vector256.Store(r7, d + 7 * dstStride);
        }
        for (; p < kc; p++)
        {
            float* d = dst + (nint)p * dstStride;
            d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
            d[4] = s4[p]; d[5] = s5[p]; d[6] = s6[p]; d[7] = s7[p];
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(
        ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        // unpck: (a0 b0 a1 b1 | a4 b4 a5 b5), (a2 b2 a3 b3 | a6 b6 a7 b7)
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        // shufps: 64-bit pairs within each 128-bit lane
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        // vperm2f128: low halves, then high halves
        r0 = Avx.Permute2x128(u0, u4, 0x20); r1 = Avx.Permute2x128(u1, u5, 0x20);
        r2 = Avx.Permute2x128(u2, u6, 0x20); r3 = Avx.Permute2x128(u3, u7, 0x20);
        r4 = Avx.Permute2x128(u0, u4, 0x31); r5 = Avx.Permute2x128(u1, u5, 0x31);
        r6 = Avx.Permute2x128(u2, u6, 0x31); r7 = Avx.Permute2x128(u3, u7, 0x31);
    }

    /// <summary>Per-thread pack buffers, pinned and 64-byte aligned, allocated once per thread and kept.</summary>
    private static class PackBuffers
    {
        [ThreadStatic] private static float[]? _array;
        [ThreadStatic] private static nint _aligned;

        /// <summary>MC*KC floats for A, then KC*NC floats for B (the largest any kernel uses).</summary>
        public static float* Get(out float* packB)
        {
            if (_array is null)
            {
                _array = GC.AllocateUninitializedArray<float>(MaxPackAFloats + MaxPackBFloats + 16, pinned: true);
                fixed (float* p = _array) _aligned = ((nint)p + 63) & ~(nint)63;
            }
            packB = (float*)_aligned + MaxPackAFloats;
            return (float*)_aligned;
        }
    }

    /// <summary>The calling thread's buffer for the operand its workers share; grows, never shrinks.</summary>
    private static class SharedBuffer
    {
        [ThreadStatic] private static float[]? _array;
        [ThreadStatic] private static nint _aligned;

        public static float* Get(long floats)
        {
            if (_array is null || _array.Length < floats + 16)
            {
                _array = null;
                _array = GC.AllocateUninitializedArray<float>((int)Math.Max(floats + 16, 1 << 20), pinned: true);
                fixed (float* p = _array) _aligned = ((nint)p + 63) & ~(nint)63;
            }
            return (float*)_aligned;
        }
    }
}
