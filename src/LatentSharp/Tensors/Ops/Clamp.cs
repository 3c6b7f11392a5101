using LatentSharp.Kernels;
using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>Limits every element to [min, max]. The gradient passes only where min &lt; x &lt; max strictly.</summary>
    public Tensor Clamp(float min, float max)
    {
        if (!(min <= max)) throw new ArgumentException($"Clamp needs min ≤ max; got min {min}, max {max}.");
        Tensor x = this;
        Tensor y = EmptyLike(x);
        TensorPrimitives.Clamp(x._data.AsSpan(0, x.Length), min, max, y._data.AsSpan(0, y.Length));
        return y.Recorded(() =>
        {
            // dx += g where min < x < max; 0 where clamped (and at the bounds)
            if (x.GradToAccumulate() is not { } gx) return;
            Masked.AddWhereInside(x._data.AsSpan(0, x.Length), min, max, y.OutputGrad.AsSpan(0, y.Length), gx.AsSpan(0, x.Length));
        }, x);
    }
}
