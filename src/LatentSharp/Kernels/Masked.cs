using System.Numerics;

namespace LatentSharp.Kernels;

/// <summary>
/// Gradient passes that keep or drop each element by a condition on the input, which TensorPrimitives has no
/// form for. Width-generic (<see cref="Vector{T}"/>) with a scalar tail, branch-free in the vector part.
/// </summary>
internal static class Masked
{
    /// <summary>
    /// destination[i] += x[i] &gt; 0 ? g[i] : 0 (the ReLU backward rule); with <paramref name="overwrite"/> the destination is
    /// set instead (its old contents are never read).
    /// </summary>
    public static void PassWherePositive(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> destination, bool overwrite)
    {
        if (g.Length < x.Length || destination.Length < x.Length) throw new ArgumentException("Spans are shorter than the input.");
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var keep = Vector.GreaterThan(new Vector<float>(x.Slice(i)), Vector<float>.Zero);
                var passed = Vector.ConditionalSelect(keep, new Vector<float>(g.Slice(i)), Vector<float>.Zero);
                (overwrite ? passed : new Vector<float>(destination.Slice(i)) + passed).CopyTo(destination.Slice(i));
            }
        }
        for (; i < x.Length; i++)
        {
            float passed = x[i] > 0f ? g[i] : 0f;
            destination[i] = overwrite ? passed : destination[i] + passed;
        }
    }

    /// <summary>destination[i] += min &lt; x[i] &lt; max ? g[i] : 0 (the clamp backward rule: no gradient where clamped).</summary>
    public static void AddWhereInside(ReadOnlySpan<float> x, float min, float max, ReadOnlySpan<float> g, Span<float> destination)
    {
        if (g.Length < x.Length || destination.Length < x.Length) throw new ArgumentException("Spans are shorter than the input.");
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var lo = new Vector<float>(min);
            var hi = new Vector<float>(max);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(x.Slice(i));
                var keep = Vector.BitwiseAnd(Vector.GreaterThan(v, lo), Vector.LessThan(v, hi));
                var sum = new Vector<float>(destination.Slice(i)) + Vector.ConditionalSelect(keep, new Vector<float>(g.Slice(i)), Vector<float>.Zero);
                sum.CopyTo(destination.Slice(i));
            }
        }
        for (; i < x.Length; i++) if (x[i] > min && x[i] < max) destination[i] += g[i];
    }
}
