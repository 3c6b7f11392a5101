using LatentSharp.Kernels;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product of two 2-D tensors, op(this) · op(other), where op transposes when asked:
    /// [m,k]·[k,n] → [m,n]. Transposed operands are read in place (no copy), as BLAS does.
    /// </summary>
    public Tensor MatMul(Tensor other, bool transposeThis = false, bool transposeOther = false)
    {
        Tensor a = this, b = other;
        if (a.Rank != 2 || b.Rank != 2)
            throw new ArgumentException($"MatMul needs 2-D tensors; got {ShapeText(a._shape)} and {ShapeText(b._shape)}.");
        int m = transposeThis ? a._shape[1] : a._shape[0];
        int k = transposeThis ? a._shape[0] : a._shape[1];
        int kb = transposeOther ? b._shape[1] : b._shape[0];
        int n = transposeOther ? b._shape[0] : b._shape[1];
        if (k != kb)
            throw new ArgumentException($"MatMul: inner dimensions differ: {ShapeText(a._shape)}{(transposeThis ? "ᵀ" : "")} · {ShapeText(b._shape)}{(transposeOther ? "ᵀ" : "")} ({k} vs {kb}).");
        int lda = a._shape[1], ldb = b._shape[1];

        Tensor y = Empty([m, n]);
        Gemm.Multiply(transposeThis, transposeOther, m, n, k, 1f, a._data, lda, b._data, ldb, 0f, y._data, n);
        return y.Recorded(() =>
        {
            float[] g = y.OutputGrad;   // [m, n]
            if (a.GradToAccumulate(out bool overwriteA) is { } ga)
            {
                if (!transposeThis)   // dA[m,k] += g · op(B)ᵀ
                    Gemm.Multiply(false, !transposeOther, m, k, n, 1f, g, n, b._data, ldb, overwriteA ? 0f : 1f, ga, lda);
                else                  // A is [k,m]: dA[k,m] += op(B) · gᵀ
                    Gemm.Multiply(transposeOther, true, k, m, n, 1f, b._data, ldb, g, n, overwriteA ? 0f : 1f, ga, lda);
            }
            if (b.GradToAccumulate(out bool overwriteB) is { } gb)
            {
                if (!transposeOther)  // dB[k,n] += op(A)ᵀ · g
                    Gemm.Multiply(!transposeThis, false, k, n, m, 1f, a._data, lda, g, n, overwriteB ? 0f : 1f, gb, ldb);
                else                  // B is [n,k]: dB[n,k] += gᵀ · op(A)
                    Gemm.Multiply(true, transposeThis, n, k, m, 1f, g, n, a._data, lda, overwriteB ? 0f : 1f, gb, ldb);
            }
        }, a, b);
    }
}
