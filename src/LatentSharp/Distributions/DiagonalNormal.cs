using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>N(mean, diag(exp(logVariance))) for a batch: both tensors are [B, L].</summary>
public sealed class DiagonalNormal(Tensor mean, Tensor logVariance)
{
    /// <summary>μ, the means. [B, L]</summary>
    public Tensor Mean { get; } = mean;

    /// <summary>log σ², the log-variances. [B, L]</summary>
    public Tensor LogVariance { get; } = logVariance;

    /// <summary>A reparameterized draw z = mean + sigma * eps, eps ~ N(0, I): differentiable in mean and log-variance. [B, L]</summary>
    public Tensor Rsample(Rng rng)
    {
        Tensor eps = Noise.StandardNormal(rng, Mean.ShapeArray);
        return Mean + (LogVariance * 0.5f).Exp() * eps;
    }

    /// <summary>log q(z) summed over the latent dimensions. [B]</summary>
    public Tensor LogProb(Tensor z) => Tensor.GaussianLogDensity(z, Mean, LogVariance).Sum(1);

    /// <summary>KL(q || N(0, I)) per dimension, closed form (Kingma &amp; Welling, appendix B): -½(1 + log σ² − μ² − σ²). [B, L]</summary>
    public Tensor KlToStandardNormalPerDimension() =>
        (Mean.Square() + LogVariance.Exp() - LogVariance - 1f) * 0.5f;

    /// <summary>KL(q || N(0, I)) per example. [B]</summary>
    public Tensor KlToStandardNormal() => KlToStandardNormalPerDimension().Sum(1);
}
