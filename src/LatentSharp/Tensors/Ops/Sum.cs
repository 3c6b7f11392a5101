using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>Sum of all elements, as a one-element tensor (accumulated in double).</summary>
    public Tensor Sum()
    {
        Tensor x = this;
        Tensor y = Empty([1]);
        double total = 0;
        const int chunk = 4096;   // float sums over short runs, double across them: exact enough, still vectorised
        for (int i = 0; i < x.Length; i += chunk) total += TensorPrimitives.Sum(x._data.AsSpan(i, Math.Min(chunk, x.Length - i)));
        y._data[0] = (float)total;
        return y.Recorded(() =>
        {
            // y = Σx  =>  dx += g
            if (x.GradToAccumulate(out bool overwrite) is not { } gx) return;
            Span<float> dx = gx.AsSpan(0, x.Length);
            if (overwrite) dx.Fill(y.OutputGrad[0]);
            else TensorPrimitives.Add(dx, y.OutputGrad[0], dx);
        }, x);
    }

    /// <summary>Sum over one axis; the axis is dropped unless <paramref name="keepDim"/>.</summary>
    public Tensor Sum(int axis, bool keepDim = false)
    {
        Tensor x = this;
        int ax = x.NormalizeAxis(axis);
        (int outer, int n, int inner) = x.SplitAt(ax);
        Tensor y = Empty(ReducedShape(x._shape, ax, keepDim));
        Span<float> yd = y._data.AsSpan(0, y.Length);
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) yd[o] = TensorPrimitives.Sum(x._data.AsSpan(o * n, n));
        }
        else
        {
            yd.Clear();
            for (int o = 0; o < outer; o++)
            {
                Span<float> row = yd.Slice(o * inner, inner);
                for (int j = 0; j < n; j++) TensorPrimitives.Add(row, x._data.AsSpan((o * n + j) * inner, inner), row);
            }
        }
        return y.Recorded(() =>
        {
            // y[o,i] = Σ_j x[o,j,i]  =>  dx[o,j,i] += g[o,i]
            if (x.GradToAccumulate(out bool overwrite) is not { } gx) return;
            float[] g = y.OutputGrad;
            for (int o = 0; o < outer; o++)
            {
                if (inner == 1)
                {
                    Span<float> row = gx.AsSpan(o * n, n);
                    if (overwrite) row.Fill(g[o]);
                    else TensorPrimitives.Add(row, g[o], row);
                    continue;
                }
                for (int j = 0; j < n; j++)
                {
                    Span<float> dst = gx.AsSpan((o * n + j) * inner, inner);
                    if (overwrite) g.AsSpan(o * inner, inner).CopyTo(dst);
                    else TensorPrimitives.Add(dst, g.AsSpan(o * inner, inner), dst);
                }
            }
        }, x);
    }

    /// <summary>Mean of all elements.</summary>
    public Tensor Mean() => Sum().Multiply(1f / Length);

    /// <summary>Mean over one axis.</summary>
    public Tensor Mean(int axis, bool keepDim = false) => Sum(axis, keepDim).Multiply(1f / Dim(axis));

    /// <summary>The tensor seen as [outer, n, inner] around <paramref name="axis"/>.</summary>
    internal (int Outer, int N, int Inner) SplitAt(int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= _shape[i];
        for (int i = axis + 1; i < Rank; i++) inner *= _shape[i];
        return (outer, _shape[axis], inner);
    }

    internal static int[] ReducedShape(int[] shape, int axis, bool keepDim)
    {
        if (keepDim)
        {
            var kept = (int[])shape.Clone();
            kept[axis] = 1;
            return kept;
        }
        var dropped = new int[shape.Length - 1];
        for (int i = 0, j = 0; i < shape.Length; i++) if (i != axis) dropped[j++] = shape[i];
        return dropped.Length == 0 ? [1] : dropped;
    }
}
