using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>Hyperbolic tangent, elementwise.</summary>
    public Tensor Tanh()
    {
        Tensor x = this;
        Tensor y = EmptyLike(x);
        TensorPrimitives.Tanh(x._data.AsSpan(0, x.Length), y._data.AsSpan(0, y.Length));
        return y.Recorded(() =>
        {
            // d tanh x = (1 − y²) dx: reuse the output
            if (x.GradToAccumulate() is not { } gx) return;
            ReadOnlySpan<float> ys = y._data.AsSpan(0, y.Length);
            using var slope = Scratch.Rent(x.Length);
            Span<float> s = slope.Span;
            TensorPrimitives.Multiply(ys, ys, s);
            TensorPrimitives.Subtract(1f, s, s);
            TensorPrimitives.MultiplyAdd(s, y.OutputGrad.AsSpan(0, y.Length), gx.AsSpan(0, x.Length), gx.AsSpan(0, x.Length));
        }, x);
    }
}
