using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// What the trainer, the evaluator and the CLI know of a model: it encodes images to latent codes, decodes
/// codes to images, and scores a minibatch. Images are flat rows: x is [B, D] with D = C·H·W, values in [0, 1].
/// </summary>
public abstract class LatentModel : Module
{
    public abstract ModelSpec Spec { get; }

    public int LatentSize => Spec.LatentSize;

    /// <summary>The code of each image: the posterior mean for a VAE. [B, D] → [B, L]</summary>
    public abstract Tensor Encode(Tensor x);

    /// <summary>The image each code stands for (the decoder's mean). [B, L] → [B, D]</summary>
    public abstract Tensor Decode(Tensor z);

    /// <summary>Decode(Encode(x)). [B, D]</summary>
    public Tensor Reconstruct(Tensor x) => Decode(Encode(x));

    /// <summary>
    /// The loss to minimise on one minibatch (a mean over its examples), recording per-example quantities
    /// summed over the batch into <paramref name="metrics"/> (for a VAE: elbo, reconstruction, kl).
    /// </summary>
    public abstract Tensor Loss(Tensor x, Rng rng, Objective objective, MetricSums metrics);
}
