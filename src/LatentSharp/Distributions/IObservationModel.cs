using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// p(x | decoder output): how a decoder's output turns into a likelihood over pixels.
/// Decoders and likelihoods are swapped by configuration, not by new model classes.
/// </summary>
public interface IObservationModel
{
    /// <summary>The name used in model specifications and checkpoints ("bernoulli", "gaussian", "gaussian-learned").</summary>
    string Name { get; }

    /// <summary>log p(x | output), summed over pixels. x, output: [B, D] → [B]</summary>
    Tensor LogProb(Tensor x, Tensor output);

    /// <summary>E[x | output], the image to show. [B, D]</summary>
    Tensor Mean(Tensor output);

    /// <summary>A draw x ~ p(x | output). [B, D]</summary>
    Tensor Sample(Tensor output, Rng rng);
}
