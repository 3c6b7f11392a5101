namespace LatentSharp.Kernels;

/// <summary>
/// Single-precision matrix product on row-major data, BLAS-style:
/// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C[m,n], where op(X) is X or its transpose.
/// A is [m,k] (or [k,m] when transposeA) with row stride lda; B is [k,n] (or [n,k] when transposeB) with row stride ldb.
/// </summary>
internal static class Gemm
{
    public static void Multiply(
        bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        // Reference implementation; replaced by the packed SIMD kernel.
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    float av = transposeA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transposeB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                }
                c[i * ldc + j] = alpha * sum + (beta == 0f ? 0f : beta * c[i * ldc + j]);
            }
        }
    }
}
