using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    private const float Log2Pi = 1.8378770664093453f;

    /// <summary>
    /// Elementwise log N(x; mean, exp(logVariance)) = −½·(log 2π + logVariance + (x − mean)²·e^−logVariance).
    /// The three operands broadcast against each other (NumPy rules), e.g. a learned per-pixel logVariance [1, D] or [D]
    /// against x and mean [B, D]; gradients reach every operand that requires them, summed over broadcast dimensions.
    /// </summary>
    public static Tensor GaussianLogDensity(Tensor x, Tensor mean, Tensor logVariance)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(logVariance);
        Tensor m = mean, lv = logVariance;
        int[] shape = Broadcasting.OutputShape(Broadcasting.OutputShape(x._shape, m._shape, nameof(GaussianLogDensity)), lv._shape, nameof(GaussianLogDensity));
        Tensor y = Empty(shape);
        Span<float> yd = y._data.AsSpan(0, y.Length);
        using (var diff = Scratch.Rent(y.Length))
        using (var precision = Scratch.Rent(lv.Length))
        {
            Broadcasting.Apply<SubtractFunction>(x._data, x._shape, m._data, m._shape, diff.Span, shape);   // x − mean
            TensorPrimitives.Negate(lv._data.AsSpan(0, lv.Length), precision.Span);
            TensorPrimitives.Exp(precision.Span, precision.Span);                                          // e^−logVar
            Broadcasting.Apply<MultiplyFunction>(diff.Span, shape, precision.Span, lv._shape, yd, shape);
            TensorPrimitives.Multiply(yd, diff.Span, yd);                                                  // (x − mean)²·e^−logVar
            Broadcasting.Apply<AddFunction>(yd, shape, lv._data, lv._shape, yd, shape);
            TensorPrimitives.Add(yd, Log2Pi, yd);
            TensorPrimitives.Multiply(yd, -0.5f, yd);
        }
        return y.Recorded(() =>
        {
            // with r = (x − mean)·e^−logVar:  d/dmean = r,  d/dx = −r,  d/dlogVar = ½·((x − mean)·r − 1)
            float[] g = y.OutputGrad;
            int n = y.Length;
            using var diff = Scratch.Rent(n);
            using var precision = Scratch.Rent(lv.Length);
            using var r = Scratch.Rent(n);
            using var term = Scratch.Rent(n);
            Broadcasting.Apply<SubtractFunction>(x._data, x._shape, m._data, m._shape, diff.Span, shape);
            TensorPrimitives.Negate(lv._data.AsSpan(0, lv.Length), precision.Span);
            TensorPrimitives.Exp(precision.Span, precision.Span);
            Broadcasting.Apply<MultiplyFunction>(diff.Span, shape, precision.Span, lv._shape, r.Span, shape);
            TensorPrimitives.Multiply(r.Span, g.AsSpan(0, n), term.Span);   // g·r
            if (m.GradToAccumulate() is { } gm) Broadcasting.AccumulateReduced(term.Span, shape, gm.AsSpan(0, m.Length), m._shape);
            if (x.GradToAccumulate() is { } gx)
            {
                TensorPrimitives.Negate(term.Span, term.Span);
                Broadcasting.AccumulateReduced(term.Span, shape, gx.AsSpan(0, x.Length), x._shape);
            }
            if (lv.GradToAccumulate() is { } glv)
            {
                TensorPrimitives.Multiply(diff.Span, r.Span, term.Span);
                TensorPrimitives.Subtract(term.Span, 1f, term.Span);
                TensorPrimitives.Multiply(term.Span, g.AsSpan(0, n), term.Span);
                TensorPrimitives.Multiply(term.Span, 0.5f, term.Span);
                Broadcasting.AccumulateReduced(term.Span, shape, glv.AsSpan(0, lv.Length), lv._shape);
            }
        }, [x, m, lv]);
    }
}
