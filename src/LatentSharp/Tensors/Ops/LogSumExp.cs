using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// log Σ exp(x) over <paramref name="axis"/>, computed stably as m + log Σ exp(x − m) with m the slice maximum
    /// (so [1000, 1000] gives 1000 + log 2, and an all −∞ slice gives −∞). The axis is dropped unless <paramref name="keepDim"/>.
    /// </summary>
    public Tensor LogSumExp(int axis, bool keepDim = false)
    {
        Tensor x = this;
        int ax = x.NormalizeAxis(axis);
        (int outer, int n, int inner) = x.SplitAt(ax);
        Tensor y = Empty(ReducedShape(x._shape, ax, keepDim));   // laid out as [outer, inner] either way
        LogSumExpInto(x._data, outer, n, inner, y._data.AsSpan(0, y.Length));
        return y.Recorded(() =>
        {
            // dx[o,j,i] += g[o,i] · softmax = g[o,i] · exp(x[o,j,i] − y[o,i]): reuse the output
            if (x.GradToAccumulate() is not { } gx) return;
            float[] g = y.OutputGrad;
            using var scratch = Scratch.Rent(inner == 1 ? n : inner);
            Span<float> p = scratch.Span;
            for (int o = 0; o < outer; o++)
            {
                if (inner == 1)
                {
                    Span<float> dx = gx.AsSpan(o * n, n);
                    TensorPrimitives.Subtract(x._data.AsSpan(o * n, n), y._data[o], p);
                    TensorPrimitives.Exp(p, p);
                    TensorPrimitives.MultiplyAdd(p, g[o], dx, dx);
                    continue;
                }
                ReadOnlySpan<float> ys = y._data.AsSpan(o * inner, inner), gs = g.AsSpan(o * inner, inner);
                for (int j = 0; j < n; j++)
                {
                    Span<float> dx = gx.AsSpan((o * n + j) * inner, inner);
                    TensorPrimitives.Subtract(x._data.AsSpan((o * n + j) * inner, inner), ys, p);
                    TensorPrimitives.Exp(p, p);
                    TensorPrimitives.MultiplyAdd(p, gs, dx, dx);
                }
            }
        }, x);
    }

    /// <summary>lse[o·inner + i] = log Σ_j exp(x[o, j, i]) for x seen as [outer, n, inner], the maximum subtracted per slice.</summary>
    internal static void LogSumExpInto(float[] x, int outer, int n, int inner, Span<float> lse)
    {
        if (n == 0)
        {
            lse.Fill(float.NegativeInfinity);
            return;
        }
        if (inner == 1)
        {
            using var shifted = Scratch.Rent(n);
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<float> row = x.AsSpan(o * n, n);
                float m = FiniteOrZero(TensorPrimitives.Max(row));
                TensorPrimitives.Subtract(row, m, shifted.Span);
                TensorPrimitives.Exp(shifted.Span, shifted.Span);
                lse[o] = m + MathF.Log(TensorPrimitives.Sum(shifted.Span));
            }
            return;
        }
        using var scratch = Scratch.Rent(2 * inner);
        Span<float> shift = scratch.Span[..inner], sum = scratch.Span[inner..];
        for (int o = 0; o < outer; o++)
        {
            Span<float> m = lse.Slice(o * inner, inner);   // holds the maxima, then the result
            x.AsSpan(o * n * inner, inner).CopyTo(m);
            for (int j = 1; j < n; j++) TensorPrimitives.Max(m, x.AsSpan((o * n + j) * inner, inner), m);
            for (int i = 0; i < inner; i++) m[i] = FiniteOrZero(m[i]);
            sum.Clear();
            for (int j = 0; j < n; j++)
            {
                TensorPrimitives.Subtract(x.AsSpan((o * n + j) * inner, inner), m, shift);
                TensorPrimitives.Exp(shift, shift);
                TensorPrimitives.Add(sum, shift, sum);
            }
            TensorPrimitives.Log(sum, sum);
            TensorPrimitives.Add(m, sum, m);
        }
    }

    /// <summary>The shift for a slice: its maximum, or 0 when that is ±∞ or NaN (so ∞ − ∞ never appears; the sum carries the infinity or NaN).</summary>
    private static float FiniteOrZero(float max) => float.IsFinite(max) ? max : 0f;
}
