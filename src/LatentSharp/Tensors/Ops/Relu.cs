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
            if (x.GradToAccumulate() is not { } gx) return;
            ReadOnlySpan<float> xd = x._data.AsSpan(0, x.Length), g = y.OutputGrad.AsSpan(0, y.Length);
            Span<float> dx = gx.AsSpan(0, x.Length);
            for (int i = 0; i < dx.Length; i++) if (xd[i] > 0f) dx[i] += g[i];
        }, x);
    }
}
