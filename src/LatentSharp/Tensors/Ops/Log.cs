using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>Natural logarithm, elementwise (log 0 = -∞, log of a negative = NaN, as in IEEE).</summary>
    public Tensor Log()
    {
        Tensor x = this;
        Tensor y = EmptyLike(x);
        TensorPrimitives.Log(x._data.AsSpan(0, x.Length), y._data.AsSpan(0, y.Length));
        return y.Recorded(() =>
        {
            // d log x = dx / x
            if (x.GradToAccumulate() is not { } gx) return;
            using var quotient = Scratch.Rent(x.Length);
            TensorPrimitives.Divide(y.OutputGrad.AsSpan(0, y.Length), x._data.AsSpan(0, x.Length), quotient.Span);
            TensorPrimitives.Add(gx.AsSpan(0, x.Length), quotient.Span, gx.AsSpan(0, x.Length));
        }, x);
    }
}
