using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// Constant random tensors (no gradient), drawn on the calling thread from one seeded Rng. A generator with per-example
/// streams (<see cref="Rng.ForRows"/>) fills a tensor whose first dimension is S·B, sample-major (row s·B + i is draw s of
/// example i), from example i's stream, so each example's draws do not depend on the batch it is in.
/// </summary>
public static class Noise
{
    /// <summary>Independent N(0, 1) draws in a new tensor of this shape.</summary>
    public static Tensor StandardNormal(Rng rng, params int[] shape)
    {
        Tensor t = Tensor.Empty(shape);
        if (RowStreams(rng, t) is { } rows)
        {
            int width = t.Length / t.Dim(0);
            for (int r = 0; r < t.Dim(0); r++) rows[r % rows.Count].FillGaussian(t.Data.AsSpan(r * width, width));
        }
        else
            rng.FillGaussian(t.Data);
        return t;
    }

    /// <summary>The per-example streams to fill <paramref name="t"/> from, when the generator has them and t is shaped by them.</summary>
    private static IReadOnlyList<Rng>? RowStreams(Rng rng, Tensor t) =>
        rng.Rows is { Count: > 0 } rows && t.Rank > 0 && t.Dim(0) % rows.Count == 0 ? rows : null;

    /// <summary>0/1 draws with the given per-element probabilities.</summary>
    public static Tensor Bernoulli(Rng rng, Tensor probabilities)
    {
        Tensor t = Tensor.Empty(probabilities.ShapeArray);
        float[] p = probabilities.Data, d = t.Data;
        for (int i = 0; i < d.Length; i++) d[i] = rng.NextFloat() < p[i] ? 1f : 0f;
        return t;
    }
}
