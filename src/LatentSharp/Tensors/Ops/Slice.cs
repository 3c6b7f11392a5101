using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Elements <paramref name="start"/> .. start+length−1 along <paramref name="axis"/> (a copy), e.g. splitting
    /// mu and logVar out of an encoder output: <c>h.Slice(1, 0, L)</c> and <c>h.Slice(1, L, L)</c> of a [B, 2L] tensor.
    /// </summary>
    public Tensor Slice(int axis, int start, int length)
    {
        Tensor x = this;
        int ax = x.NormalizeAxis(axis);
        (int outer, int n, int inner) = x.SplitAt(ax);
        if (start < 0 || length < 0 || start > n - length)
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice: [{start}, {start}+{length}) is outside axis {axis} of {ShapeText(x._shape)} (size {n}).");
        int[] shape = (int[])x._shape.Clone();
        shape[ax] = length;
        Tensor y = Empty(shape);
        int block = length * inner;   // contiguous run copied per outer index
        for (int o = 0; o < outer; o++)
            x._data.AsSpan((o * n + start) * inner, block).CopyTo(y._data.AsSpan(o * block, block));
        return y.Recorded(() =>
        {
            // y = x[..., start:start+length, ...]  =>  dx[..., start:start+length, ...] += g
            if (x.GradToAccumulate() is not { } gx) return;
            float[] g = y.OutputGrad;
            for (int o = 0; o < outer; o++)
            {
                Span<float> dst = gx.AsSpan((o * n + start) * inner, block);
                TensorPrimitives.Add(dst, g.AsSpan(o * block, block), dst);
            }
        }, x);
    }
}
