using LatentSharp.Kernels;
using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>x where x &gt; 0, else α·(eˣ − 1), elementwise (computed with expm1, exact near 0).</summary>
    public Tensor Elu(float alpha = 1f)
    {
        Tensor x = this;
        Tensor y = EmptyLike(x);
        ReadOnlySpan<float> xd = x._data.AsSpan(0, x.Length);
        Span<float> yd = y._data.AsSpan(0, y.Length);
        using (var negative = Scratch.Rent(x.Length))
        {
            Span<float> n = negative.Span;
            TensorPrimitives.Min(xd, 0f, n);
            PreciseMath.ExpM1(n, n);          // eˣ − 1 on the negative part, 0 elsewhere
            TensorPrimitives.Max(xd, 0f, yd);
            TensorPrimitives.MultiplyAdd(n, alpha, yd, yd);
        }
        return y.Recorded(() =>
        {
            // dx += g where x > 0, g·α·eˣ = g·(y + α) elsewhere: reuse the output
            if (x.GradToAccumulate() is not { } gx) return;
            ReadOnlySpan<float> xs = x._data.AsSpan(0, x.Length), ys = y._data.AsSpan(0, y.Length), g = y.OutputGrad.AsSpan(0, y.Length);
            Span<float> dx = gx.AsSpan(0, x.Length);
            for (int i = 0; i < dx.Length; i++) dx[i] += xs[i] > 0f ? g[i] : g[i] * (ys[i] + alpha);
        }, x);
    }
}
