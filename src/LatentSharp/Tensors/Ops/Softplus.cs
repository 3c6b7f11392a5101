using LatentSharp.Kernels;
using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>log(1 + eˣ), elementwise, computed stably as max(x, 0) + log1p(e^−|x|): finite and exact for large |x|.</summary>
    public Tensor Softplus()
    {
        Tensor x = this;
        Tensor y = EmptyLike(x);
        SoftplusInto(x._data.AsSpan(0, x.Length), y._data.AsSpan(0, y.Length));
        return y.Recorded(() =>
        {
            // d softplus(x) = sigmoid(x) dx, and sigmoid(x) = 1 − e^−softplus(x) = −expm1(−y): reuse the output
            if (x.GradToAccumulate() is not { } gx) return;
            using var sigmoid = Scratch.Rent(x.Length);
            Span<float> s = sigmoid.Span;
            TensorPrimitives.Negate(y._data.AsSpan(0, y.Length), s);
            PreciseMath.ExpM1(s, s);
            TensorPrimitives.Multiply(s, y.OutputGrad.AsSpan(0, y.Length), s);
            TensorPrimitives.Subtract(gx.AsSpan(0, x.Length), s, gx.AsSpan(0, x.Length));
        }, x);
    }

    /// <summary>destination = max(x, 0) + log1p(e^−|x|). <paramref name="destination"/> must not overlap <paramref name="x"/>.</summary>
    internal static void SoftplusInto(ReadOnlySpan<float> x, Span<float> destination)
    {
        Log1pExpNegativeAbs(x, destination);
        using var positive = Scratch.Rent(x.Length);
        TensorPrimitives.Max(x, 0f, positive.Span);
        TensorPrimitives.Add(destination, positive.Span, destination);
    }

    /// <summary>destination = log1p(e^−|x|) ∈ (0, log 2], the smooth part shared by softplus(x) and softplus(−x).</summary>
    internal static void Log1pExpNegativeAbs(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Abs(x, destination);
        TensorPrimitives.Negate(destination, destination);
        TensorPrimitives.Exp(destination, destination);
        PreciseMath.Log1p(destination, destination);
    }
}
