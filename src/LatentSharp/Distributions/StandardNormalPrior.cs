using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>p(z) = N(0, I).</summary>
public sealed class StandardNormalPrior(int latentSize) : IPrior
{
    private const float HalfLogTwoPi = 0.918938533f;

    /// <inheritdoc/>
    public string Name => "standard-normal";

    /// <inheritdoc/>
    public bool HasClosedFormKl => true;

    // log N(z; 0, I) = -½ Σ (z² + log 2π)
    /// <inheritdoc/>
    public Tensor LogProb(Tensor z) => (z.Square() * -0.5f - HalfLogTwoPi).Sum(1);

    /// <inheritdoc/>
    public Tensor Sample(int n, Rng rng) => Noise.StandardNormal(rng, n, latentSize);
}
