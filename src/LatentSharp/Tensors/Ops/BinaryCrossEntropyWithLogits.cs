using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Elementwise −[t·log σ(x) + (1 − t)·log(1 − σ(x))] for logits x = this and targets t in [0, 1] (need not be binary),
    /// computed stably. It equals max(x, 0) − x·t + log1p(e^−|x|), evaluated as (1 − t)·max(x, 0) + t·max(−x, 0) + log1p(e^−|x|):
    /// non-negative terms only, so nothing cancels and BCE(100, 1) = e^−100 rather than 0. Same shape required;
    /// reduce with e.g. <c>.Sum(1)</c> for a per-example loss. Targets are normally constants; if they require grad they get −x·g.
    /// </summary>
    public Tensor BinaryCrossEntropyWithLogits(Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        Tensor x = this, t = targets;
        if (!x._shape.AsSpan().SequenceEqual(t._shape))
            throw new ArgumentException($"BinaryCrossEntropyWithLogits: logits {ShapeText(x._shape)} and targets {ShapeText(t._shape)} must have the same shape.", nameof(targets));
        Tensor y = EmptyLike(x);
        ReadOnlySpan<float> xd = x._data.AsSpan(0, x.Length), td = t._data.AsSpan(0, t.Length);
        Span<float> yd = y._data.AsSpan(0, y.Length);
        Log1pExpNegativeAbs(xd, yd);
        using (var part = Scratch.Rent(x.Length))
        using (var weight = Scratch.Rent(x.Length))
        {
            TensorPrimitives.Max(xd, 0f, part.Span);
            TensorPrimitives.Subtract(1f, td, weight.Span);
            TensorPrimitives.MultiplyAdd(part.Span, weight.Span, yd, yd);   // + (1 − t)·max(x, 0)
            TensorPrimitives.Min(xd, 0f, part.Span);
            TensorPrimitives.Negate(part.Span, part.Span);
            TensorPrimitives.MultiplyAdd(part.Span, td, yd, yd);            // + t·max(−x, 0)
        }
        return y.Recorded(() =>
        {
            // dℓ/dx = σ(x) − t, dℓ/dt = −x
            float[] g = y.OutputGrad;
            using var scratch = Scratch.Rent(x.Length);
            Span<float> s = scratch.Span;
            if (x.GradToAccumulate() is { } gx)
            {
                TensorPrimitives.Sigmoid(x._data.AsSpan(0, x.Length), s);
                TensorPrimitives.Subtract(s, t._data.AsSpan(0, t.Length), s);
                TensorPrimitives.MultiplyAdd(s, g.AsSpan(0, y.Length), gx.AsSpan(0, x.Length), gx.AsSpan(0, x.Length));
            }
            if (t.GradToAccumulate() is { } gt)
            {
                TensorPrimitives.Multiply(x._data.AsSpan(0, x.Length), g.AsSpan(0, y.Length), s);
                TensorPrimitives.Subtract(gt.AsSpan(0, t.Length), s, gt.AsSpan(0, t.Length));
            }
        }, x, t);
    }
}
