using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>Constant random tensors (no gradient), drawn on the calling thread from one seeded Rng.</summary>
public static class Noise
{
    /// <summary>Independent N(0, 1) draws in a new tensor of this shape.</summary>
    public static Tensor StandardNormal(Rng rng, params int[] shape)
    {
        Tensor t = Tensor.Empty(shape);
        rng.FillGaussian(t.Data);
        return t;
    }

    /// <summary>0/1 draws with the given per-element probabilities.</summary>
    public static Tensor Bernoulli(Rng rng, Tensor probabilities)
    {
        Tensor t = Tensor.Empty(probabilities.ShapeArray);
        float[] p = probabilities.Data, d = t.Data;
        for (int i = 0; i < d.Length; i++) d[i] = rng.NextFloat() < p[i] ? 1f : 0f;
        return t;
    }
}
