using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>The same values under another shape (a view: no copy). One dimension may be -1 (inferred).</summary>
    public Tensor Reshape(params int[] shape)
    {
        Tensor x = this;
        int[] resolved = (int[])shape.Clone();
        int infer = Array.IndexOf(resolved, -1);
        if (infer >= 0)
        {
            int known = 1;
            for (int i = 0; i < resolved.Length; i++) if (i != infer) known *= resolved[i];
            if (known == 0 || x.Length % known != 0)
                throw new ArgumentException($"Reshape: cannot infer -1 in {ShapeText(shape)} for {x.Length} elements (shape {ShapeText(x._shape)}).");
            resolved[infer] = x.Length / known;
        }
        if (CheckedLength(resolved) != x.Length)
            throw new ArgumentException($"Reshape: {ShapeText(x._shape)} has {x.Length} elements, {ShapeText(resolved)} holds {CheckedLength(resolved)}.");
        Tensor y = x.ViewAs(resolved);
        return y.Recorded(() =>
        {
            // Same values, so the gradient passes through unchanged: handed over whole where it can be.
            if (x.TakeGradient(y)) return;
            if (x.GradToAccumulate(out bool overwrite) is not { } gx) return;
            if (overwrite) y.OutputGrad.AsSpan(0, y.Length).CopyTo(gx);
            else TensorPrimitives.Add(gx.AsSpan(0, x.Length), y.OutputGrad.AsSpan(0, y.Length), gx.AsSpan(0, x.Length));
        }, x);
    }
}
