using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>1 / (1 + e^−x), elementwise; saturates to exactly 0 or 1 (never NaN) for large |x|.</summary>
    public Tensor Sigmoid()
    {
        Tensor x = this;
        Tensor y = EmptyLike(x);
        TensorPrimitives.Sigmoid(x._data.AsSpan(0, x.Length), y._data.AsSpan(0, y.Length));
        return y.Recorded(() =>
        {
            // dσ = σ(1 − σ) dx: reuse the output
            if (x.GradToAccumulate() is not { } gx) return;
            ReadOnlySpan<float> ys = y._data.AsSpan(0, y.Length);
            using var slope = Scratch.Rent(x.Length);
            Span<float> s = slope.Span;
            TensorPrimitives.Subtract(1f, ys, s);
            TensorPrimitives.Multiply(s, ys, s);
            TensorPrimitives.MultiplyAdd(s, y.OutputGrad.AsSpan(0, y.Length), gx.AsSpan(0, x.Length), gx.AsSpan(0, x.Length));
        }, x);
    }
}
