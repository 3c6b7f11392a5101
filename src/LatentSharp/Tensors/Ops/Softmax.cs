using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>exp(x − logsumexp(x)) over <paramref name="axis"/>: stable for large inputs, each slice sums to 1.</summary>
    public Tensor Softmax(int axis)
    {
        Tensor x = this;
        int ax = x.NormalizeAxis(axis);
        (int outer, int n, int inner) = x.SplitAt(ax);
        Tensor y = EmptyLike(x);
        Span<float> yd = y._data.AsSpan(0, y.Length);
        LogSoftmaxInto(x._data, outer, n, inner, yd);
        TensorPrimitives.Exp(yd, yd);
        return y.Recorded(() =>
        {
            // dx = y ⊙ (g − Σ_j g·y) per slice: reuse the output
            if (x.GradToAccumulate() is not { } gx) return;
            float[] g = y.OutputGrad;
            using var scratch = Scratch.Rent(inner == 1 ? n : 2 * inner);
            for (int o = 0; o < outer; o++)
            {
                if (inner == 1)
                {
                    ReadOnlySpan<float> ys = y._data.AsSpan(o * n, n), gs = g.AsSpan(o * n, n);
                    Span<float> t = scratch.Span, dx = gx.AsSpan(o * n, n);
                    TensorPrimitives.Subtract(gs, TensorPrimitives.Dot(gs, ys), t);
                    TensorPrimitives.MultiplyAdd(t, ys, dx, dx);
                    continue;
                }
                Span<float> dot = scratch.Span[..inner], tmp = scratch.Span[inner..];
                dot.Clear();
                for (int j = 0; j < n; j++)
                {
                    int s = (o * n + j) * inner;
                    TensorPrimitives.MultiplyAdd(g.AsSpan(s, inner), y._data.AsSpan(s, inner), dot, dot);
                }
                for (int j = 0; j < n; j++)
                {
                    int s = (o * n + j) * inner;
                    Span<float> dx = gx.AsSpan(s, inner);
                    TensorPrimitives.Subtract(g.AsSpan(s, inner), dot, tmp);
                    TensorPrimitives.MultiplyAdd(tmp, y._data.AsSpan(s, inner), dx, dx);
                }
            }
        }, x);
    }
}
