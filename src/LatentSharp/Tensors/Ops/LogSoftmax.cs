using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>x − logsumexp(x) over <paramref name="axis"/>: log-probabilities, finite even where Softmax underflows to 0.</summary>
    public Tensor LogSoftmax(int axis)
    {
        Tensor x = this;
        int ax = x.NormalizeAxis(axis);
        (int outer, int n, int inner) = x.SplitAt(ax);
        Tensor y = EmptyLike(x);
        LogSoftmaxInto(x._data, outer, n, inner, y._data.AsSpan(0, y.Length));
        return y.Recorded(() =>
        {
            // dx = g − softmax · Σ_j g = g − exp(y) · Σ_j g per slice: reuse the output
            if (x.GradToAccumulate() is not { } gx) return;
            float[] g = y.OutputGrad;
            using var scratch = Scratch.Rent(inner == 1 ? n : 2 * inner);
            for (int o = 0; o < outer; o++)
            {
                if (inner == 1)
                {
                    ReadOnlySpan<float> gs = g.AsSpan(o * n, n);
                    Span<float> p = scratch.Span, dx = gx.AsSpan(o * n, n);
                    TensorPrimitives.Exp(y._data.AsSpan(o * n, n), p);
                    TensorPrimitives.Add(dx, gs, dx);
                    TensorPrimitives.MultiplyAdd(p, -TensorPrimitives.Sum(gs), dx, dx);
                    continue;
                }
                Span<float> total = scratch.Span[..inner], tmp = scratch.Span[inner..];
                total.Clear();
                for (int j = 0; j < n; j++) TensorPrimitives.Add(total, g.AsSpan((o * n + j) * inner, inner), total);
                TensorPrimitives.Negate(total, total);
                for (int j = 0; j < n; j++)
                {
                    int s = (o * n + j) * inner;
                    Span<float> dx = gx.AsSpan(s, inner);
                    TensorPrimitives.Exp(y._data.AsSpan(s, inner), tmp);
                    TensorPrimitives.Add(dx, g.AsSpan(s, inner), dx);
                    TensorPrimitives.MultiplyAdd(tmp, total, dx, dx);
                }
            }
        }, x);
    }

    /// <summary>y = x − logsumexp(x) for x seen as [outer, n, inner], the reduction over n.</summary>
    internal static void LogSoftmaxInto(float[] x, int outer, int n, int inner, Span<float> y)
    {
        using var lse = Scratch.Rent(outer * inner);
        LogSumExpInto(x, outer, n, inner, lse.Span);
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                TensorPrimitives.Subtract(x.AsSpan(o * n, n), lse.Span[o], y.Slice(o * n, n));
                continue;
            }
            for (int j = 0; j < n; j++)
            {
                int s = (o * n + j) * inner;
                TensorPrimitives.Subtract(x.AsSpan(s, inner), lse.Span.Slice(o * inner, inner), y.Slice(s, inner));
            }
        }
    }
}
