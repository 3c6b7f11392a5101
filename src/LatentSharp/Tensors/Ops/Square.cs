using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>x², elementwise.</summary>
    public Tensor Square()
    {
        Tensor x = this;
        Tensor y = EmptyLike(x);
        ReadOnlySpan<float> xd = x._data.AsSpan(0, x.Length);
        TensorPrimitives.Multiply(xd, xd, y._data.AsSpan(0, y.Length));
        return y.Recorded(() =>
        {
            // d x² = 2x dx
            if (x.GradToAccumulate() is not { } gx) return;
            using var product = Scratch.Rent(x.Length);
            TensorPrimitives.Multiply(y.OutputGrad.AsSpan(0, y.Length), x._data.AsSpan(0, x.Length), product.Span);
            TensorPrimitives.MultiplyAdd(product.Span, 2f, gx.AsSpan(0, x.Length), gx.AsSpan(0, x.Length));
        }, x);
    }
}
