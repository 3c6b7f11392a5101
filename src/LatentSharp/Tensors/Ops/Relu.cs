using LatentSharp.Kernels;
using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>max(x, 0), elementwise. The gradient at exactly 0 is taken as 0.</summary>
    public Tensor Relu()
    {
        Tensor x = this;
        Tensor y = EmptyLike(x);
        TensorPrimitives.Max(x._data.AsSpan(0, x.Length), 0f, y._data.AsSpan(0, y.Length));
        return y.Recorded(() =>
        {
            // y = max(x, 0)  =>  dx += g where x > 0
            if (x.GradToAccumulate(out bool overwrite) is not { } gx) return;
            Masked.PassWherePositive(x._data.AsSpan(0, x.Length), y.OutputGrad.AsSpan(0, y.Length), gx.AsSpan(0, x.Length), overwrite);
        }, x);
    }
}
