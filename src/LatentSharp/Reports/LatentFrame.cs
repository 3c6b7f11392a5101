using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Reports;

/// <summary>
/// Where a latent space "lives", per dimension: a centre and a scale. Traversals sweep centre ± k·scale and the manifold
/// grid places centre + scale·Φ⁻¹(q). For a model with the standard normal prior this is exactly N(0, 1); for other priors
/// (mixtures, the hierarchical VAE's ladder), the mean and standard deviation of prior draws; for a model without a prior
/// (the autoencoder), of the data's codes (the same fitted Gaussian <see cref="CodeSource"/> draws from).
/// </summary>
public sealed record LatentFrame(double[] Center, double[] Scale, string Description)
{
    /// <summary>L, the latent dimensions.</summary>
    public int LatentSize => Center.Length;

    /// <summary>The frame of the standard normal prior: centre 0 and scale 1 in each of <paramref name="latentSize"/> dimensions.</summary>
    public static LatentFrame StandardNormal(int latentSize) =>
        new(new double[latentSize], Enumerable.Repeat(1.0, latentSize).ToArray(), "prior N(0, 1)");

    /// <summary>Per-dimension mean and standard deviation of <paramref name="codes"/> ([n, L] row-major).</summary>
    public static LatentFrame Fitted(ReadOnlySpan<float> codes, int n, int latentSize, string description)
    {
        if (n < 1 || codes.Length < n * latentSize) throw new ArgumentException($"{n} codes of {latentSize} need {n * latentSize} values, got {codes.Length}.");
        var center = new double[latentSize];
        var scale = new double[latentSize];
        for (int j = 0; j < latentSize; j++)
        {
            double mean = 0, square = 0;
            for (int i = 0; i < n; i++)
            {
                double v = codes[i * latentSize + j];
                mean += v;
                square += v * v;
            }
            mean /= n;
            center[j] = mean;
            scale[j] = Math.Sqrt(Math.Max(0, square / n - mean * mean));
        }
        return new LatentFrame(center, scale, description);
    }

    /// <summary>
    /// The frame of <paramref name="model"/>: its prior when it has one (N(0, 1) exactly for the standard normal prior,
    /// else the moments of 4,096 prior draws), else the moments of <paramref name="codes"/> ([n, L], e.g. test-set codes).
    /// </summary>
    public static LatentFrame For(LatentModel model, ReadOnlySpan<float> codes, int n)
    {
        ArgumentNullException.ThrowIfNull(model);
        int l = model.Require<ILatentSpace>("A latent frame").LatentSize;
        if (model.As<IHasPrior>() is { } prior)
        {
            if (prior.HasStandardNormalPrior) return StandardNormal(l);
            const int draws = 4096;
            Tensor z;
            using (Tensor.NoGrad()) z = prior.SamplePrior(draws, new Rng(0xF7A3E));
            return Fitted(z.Data, draws, l, $"moments of the {prior.PriorDescription} prior");
        }
        return Fitted(codes, n, l, "Gaussian fit to the codes");
    }

    /// <summary><paramref name="count"/> draws from the diagonal Gaussian N(centre, scale²). [count, L]</summary>
    public float[] Draw(int count, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(rng);
        int l = LatentSize;
        var draws = new float[count * l];
        for (int j = 0; j < l; j++)
            for (int i = 0; i < count; i++)
                draws[i * l + j] = (float)(Center[j] + Scale[j] * rng.NextGaussian());
        return draws;
    }
}
