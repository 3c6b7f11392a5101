using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>Elementwise -x, same shape.</summary>
    public Tensor Negate()
    {
        Tensor x = this;
        Tensor y = EmptyLike(x);
        TensorPrimitives.Negate(x._data.AsSpan(0, x.Length), y._data.AsSpan(0, y.Length));
        return y.Recorded(() =>
        {
            // y = -x  =>  dx -= g
            if (x.GradToAccumulate() is { } gx) TensorPrimitives.Subtract(gx.AsSpan(0, x.Length), y.OutputGrad.AsSpan(0, y.Length), gx.AsSpan(0, x.Length));
        }, x);
    }
}
