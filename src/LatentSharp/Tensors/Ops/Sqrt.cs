using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>Square root, elementwise.</summary>
    public Tensor Sqrt()
    {
        Tensor x = this;
        Tensor y = EmptyLike(x);
        TensorPrimitives.Sqrt(x._data.AsSpan(0, x.Length), y._data.AsSpan(0, y.Length));
        return y.Recorded(() =>
        {
            // d √x = dx / (2√x): reuse the output
            if (x.GradToAccumulate() is not { } gx) return;
            using var quotient = Scratch.Rent(x.Length);
            TensorPrimitives.Divide(y.OutputGrad.AsSpan(0, y.Length), y._data.AsSpan(0, y.Length), quotient.Span);
            TensorPrimitives.MultiplyAdd(quotient.Span, 0.5f, gx.AsSpan(0, x.Length), gx.AsSpan(0, x.Length));
        }, x);
    }
}
