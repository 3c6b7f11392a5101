using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>p(z): the prior over latent codes. Swapped by configuration; a prior may own parameters.</summary>
public interface IPrior
{
    /// <summary>The name used in model specifications and checkpoints ("standard-normal", "mog", "vamp", …).</summary>
    string Name { get; }

    /// <summary>log p(z) in nats, summed over latent dimensions. [B, L] → [B]</summary>
    Tensor LogProb(Tensor z);

    /// <summary>n draws. [n, L]</summary>
    Tensor Sample(int n, Rng rng);

    /// <summary>True when KL(q || p) has a closed form for a diagonal Gaussian q (then the ELBO uses it instead of a Monte Carlo estimate).</summary>
    bool HasClosedFormKl { get; }
}
