using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>x where x &gt; 0, else slope·x, elementwise; <paramref name="slope"/> must lie in [0, 1].</summary>
    public Tensor LeakyRelu(float slope = 0.01f)
    {
        if (!(slope >= 0f && slope <= 1f))
            throw new ArgumentOutOfRangeException(nameof(slope), slope, "LeakyRelu needs a slope in [0, 1] (it is computed as max(x, slope·x)).");
        Tensor x = this;
        Tensor y = EmptyLike(x);
        ReadOnlySpan<float> xd = x._data.AsSpan(0, x.Length);
        Span<float> yd = y._data.AsSpan(0, y.Length);
        TensorPrimitives.Multiply(xd, slope, yd);
        TensorPrimitives.Max(xd, yd, yd);   // max(x, slope·x) is x for x > 0 and slope·x otherwise when 0 ≤ slope ≤ 1
        return y.Recorded(() =>
        {
            // dx += g where x > 0, slope·g elsewhere
            if (x.GradToAccumulate() is not { } gx) return;
            ReadOnlySpan<float> xs = x._data.AsSpan(0, x.Length), g = y.OutputGrad.AsSpan(0, y.Length);
            Span<float> dx = gx.AsSpan(0, x.Length);
            for (int i = 0; i < dx.Length; i++) dx[i] += xs[i] > 0f ? g[i] : slope * g[i];
        }, x);
    }
}
