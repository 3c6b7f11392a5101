using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>p(z) = N(0, I).</summary>
public sealed class StandardNormalPrior(int latentSize) : IPrior
{
    private const float HalfLogTwoPi = 0.918938533f;

    public string Name => "standard-normal";

    public bool HasClosedFormKl => true;

    // log N(z; 0, I) = -½ Σ (z² + log 2π)
    public Tensor LogProb(Tensor z) => (z.Square() * -0.5f - HalfLogTwoPi).Sum(1);

    public Tensor Sample(int n, Rng rng) => Noise.StandardNormal(rng, n, latentSize);
}
