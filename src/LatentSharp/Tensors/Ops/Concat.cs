using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Joins tensors along <paramref name="axis"/>; all other dimensions must agree. E.g. an input [B, D] with a
    /// one-hot label [B, C] gives [B, D + C].
    /// </summary>
    public static Tensor Concat(Tensor[] parts, int axis)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0) throw new ArgumentException("Concat needs at least one tensor.", nameof(parts));
        Tensor first = parts[0];
        int ax = first.NormalizeAxis(axis);
        int[] shape = (int[])first._shape.Clone();
        shape[ax] = 0;
        foreach (Tensor p in parts)
        {
            bool fits = p.Rank == first.Rank;
            for (int d = 0; fits && d < p.Rank; d++) fits = d == ax || p._shape[d] == first._shape[d];
            if (!fits)
                throw new ArgumentException($"Concat along axis {axis}: {ShapeText(p._shape)} does not match {ShapeText(first._shape)} outside that axis.", nameof(parts));
            shape[ax] += p._shape[ax];
        }

        Tensor y = Empty(shape);
        (int outer, int total, int inner) = y.SplitAt(ax);
        int offset = 0;   // where the current part starts along the axis
        foreach (Tensor p in parts)
        {
            int block = p._shape[ax] * inner;
            for (int o = 0; o < outer; o++)
                p._data.AsSpan(o * block, block).CopyTo(y._data.AsSpan((o * total + offset) * inner, block));
            offset += p._shape[ax];
        }
        Tensor[] inputs = (Tensor[])parts.Clone();
        return y.Recorded(() =>
        {
            // each part gets its own slice of g back
            float[] g = y.OutputGrad;
            int start = 0;
            foreach (Tensor p in inputs)
            {
                int block = p._shape[ax] * inner;
                if (p.GradToAccumulate() is { } gp)
                {
                    for (int o = 0; o < outer; o++)
                    {
                        Span<float> dst = gp.AsSpan(o * block, block);
                        TensorPrimitives.Add(dst, g.AsSpan((o * total + start) * inner, block), dst);
                    }
                }
                start += p._shape[ax];
            }
        }, inputs);
    }

    /// <summary>
    /// <paramref name="copies"/> copies of this tensor's rows stacked along axis 0, sample-major: row s·B + i is copy s of
    /// row i. How S draws per example meet their example. [B, …] → [S·B, …]
    /// </summary>
    public Tensor Tile(int copies)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(copies);
        return copies == 1 ? this : Concat(Enumerable.Repeat(this, copies).ToArray(), 0);
    }
}
