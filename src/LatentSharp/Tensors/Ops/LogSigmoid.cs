using LatentSharp.Kernels;
using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>log σ(x) = −softplus(−x), elementwise, stable: ≈ x for very negative x, ≈ −e^−x for large x.</summary>
    public Tensor LogSigmoid()
    {
        Tensor x = this;
        Tensor y = EmptyLike(x);
        Span<float> yd = y._data.AsSpan(0, y.Length);
        using (var negated = Scratch.Rent(x.Length))
        {
            TensorPrimitives.Negate(x._data.AsSpan(0, x.Length), negated.Span);
            SoftplusInto(negated.Span, yd);
        }
        TensorPrimitives.Negate(yd, yd);
        return y.Recorded(() =>
        {
            // d log σ(x) = σ(−x) dx = (1 − e^y) dx = −expm1(y) dx: reuse the output
            if (x.GradToAccumulate() is not { } gx) return;
            using var slope = Scratch.Rent(x.Length);
            Span<float> s = slope.Span;
            PreciseMath.ExpM1(y._data.AsSpan(0, y.Length), s);
            TensorPrimitives.Multiply(s, y.OutputGrad.AsSpan(0, y.Length), s);
            TensorPrimitives.Subtract(gx.AsSpan(0, x.Length), s, gx.AsSpan(0, x.Length));
        }, x);
    }
}
