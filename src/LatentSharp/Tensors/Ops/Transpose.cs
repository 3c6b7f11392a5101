namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>The transpose of a 2-D tensor, [m, n] → [n, m] (a copy; MatMul can read transposes in place instead).</summary>
    public Tensor Transpose()
    {
        Tensor x = this;
        if (x.Rank != 2) throw new ArgumentException($"Transpose needs a 2-D tensor; got {ShapeText(x._shape)}.");
        int m = x._shape[0], n = x._shape[1];
        Tensor y = Empty([n, m]);
        TransposeInto(x._data, y._data, m, n, accumulate: false);
        return y.Recorded(() =>
        {
            // y = xᵀ  =>  dx += gᵀ
            if (x.GradToAccumulate() is { } gx) TransposeInto(y.OutputGrad, gx, n, m, accumulate: true);
        }, x);
    }

    /// <summary>destination[n, m] (=|+=) source[m, n]ᵀ, in cache-sized tiles.</summary>
    private static void TransposeInto(float[] source, float[] destination, int m, int n, bool accumulate)
    {
        const int tile = 32;
        for (int i0 = 0; i0 < m; i0 += tile)
        for (int j0 = 0; j0 < n; j0 += tile)
        {
            int i1 = Math.Min(i0 + tile, m), j1 = Math.Min(j0 + tile, n);
            for (int i = i0; i < i1; i++)
            for (int j = j0; j < j1; j++)
            {
                if (accumulate) destination[j * m + i] += source[i * n + j];
                else destination[j * m + i] = source[i * n + j];
            }
        }
    }
}
