using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>Elementwise e^x, same shape.</summary>
    public Tensor Exp()
    {
        Tensor x = this;
        Tensor y = EmptyLike(x);
        TensorPrimitives.Exp(x._data.AsSpan(0, x.Length), y._data.AsSpan(0, y.Length));
        return y.Recorded(() =>
        {
            // d e^x = e^x dx: reuse the output
            if (x.GradToAccumulate() is { } gx) TensorPrimitives.MultiplyAdd(y.OutputGrad.AsSpan(0, y.Length), y._data.AsSpan(0, y.Length), gx.AsSpan(0, x.Length), gx.AsSpan(0, x.Length));
        }, x);
    }
}
