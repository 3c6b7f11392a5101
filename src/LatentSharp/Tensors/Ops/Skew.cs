using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// The skew of the Diagonal BiLSTM (van den Oord et al. 2016): row r of each map shifted right by r, zeros elsewhere, so
    /// that each diagonal of the image becomes a column. y[n, c, r, r + j] = x[n, c, r, j].
    /// [N, C, H, W] → [N, C, H, W + H − 1]
    /// </summary>
    public Tensor Skew()
    {
        Tensor x = this;
        if (x.Rank != 4) throw new ArgumentException($"Skew needs maps [N, C, H, W]; got {ShapeText(x._shape)}.");
        int maps = x._shape[0] * x._shape[1], h = x._shape[2], w = x._shape[3], skewed = w + h - 1;
        Tensor y = Empty([x._shape[0], x._shape[1], h, skewed]);
        Array.Clear(y._data, 0, y.Length);
        for (int m = 0; m < maps; m++)
        for (int r = 0; r < h; r++)
            x._data.AsSpan((m * h + r) * w, w).CopyTo(y._data.AsSpan((m * h + r) * skewed + r, w));
        return y.Recorded(() =>
        {
            // y[r, r + j] = x[r, j]  =>  dx[r, j] += g[r, r + j]
            if (x.GradToAccumulate() is not { } gx) return;
            float[] g = y.OutputGrad;
            for (int m = 0; m < maps; m++)
            for (int r = 0; r < h; r++)
            {
                Span<float> dst = gx.AsSpan((m * h + r) * w, w);
                TensorPrimitives.Add(dst, g.AsSpan((m * h + r) * skewed + r, w), dst);
            }
        }, x);
    }

    /// <summary>
    /// The inverse of <see cref="Skew"/>: row r read from column r on, W = W' − H + 1 columns.
    /// y[n, c, r, j] = x[n, c, r, r + j]. [N, C, H, W'] → [N, C, H, W' − H + 1]
    /// </summary>
    public Tensor Unskew()
    {
        Tensor x = this;
        if (x.Rank != 4 || x._shape[3] < x._shape[2])
            throw new ArgumentException($"Unskew needs skewed maps [N, C, H, W + H − 1] with W ≥ 1; got {ShapeText(x._shape)}.");
        int maps = x._shape[0] * x._shape[1], h = x._shape[2], skewed = x._shape[3], w = skewed - h + 1;
        Tensor y = Empty([x._shape[0], x._shape[1], h, w]);
        for (int m = 0; m < maps; m++)
        for (int r = 0; r < h; r++)
            x._data.AsSpan((m * h + r) * skewed + r, w).CopyTo(y._data.AsSpan((m * h + r) * w, w));
        return y.Recorded(() =>
        {
            // y[r, j] = x[r, r + j]  =>  dx[r, r + j] += g[r, j]
            if (x.GradToAccumulate() is not { } gx) return;
            float[] g = y.OutputGrad;
            for (int m = 0; m < maps; m++)
            for (int r = 0; r < h; r++)
            {
                Span<float> dst = gx.AsSpan((m * h + r) * skewed + r, w);
                TensorPrimitives.Add(dst, g.AsSpan((m * h + r) * w, w), dst);
            }
        }, x);
    }

    /// <summary>Each row reversed: the mirror image left to right. y[..., j] = x[..., W − 1 − j]. [..., W] → [..., W]</summary>
    public Tensor MirrorLastAxis()
    {
        Tensor x = this;
        if (x.Rank == 0) throw new ArgumentException("MirrorLastAxis needs at least one axis.");
        int w = x._shape[^1], rows = w == 0 ? 0 : x.Length / w;
        Tensor y = Empty((int[])x._shape.Clone());
        for (int r = 0; r < rows; r++)
        {
            x._data.AsSpan(r * w, w).CopyTo(y._data.AsSpan(r * w, w));
            y._data.AsSpan(r * w, w).Reverse();
        }
        return y.Recorded(() =>
        {
            // y[j] = x[W − 1 − j]  =>  dx[W − 1 − j] += g[j]
            if (x.GradToAccumulate() is not { } gx) return;
            float[] g = y.OutputGrad;
            for (int r = 0; r < rows; r++)
            for (int j = 0; j < w; j++)
                gx[r * w + w - 1 - j] += g[r * w + j];
        }, x);
    }
}
