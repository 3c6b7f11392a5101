using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>Independent Bernoulli pixels with the decoder output as logits; stable through BCE-with-logits.</summary>
public sealed class BernoulliObservation : IObservationModel
{
    /// <inheritdoc/>
    public string Name => "bernoulli";

    // log p(x | logits) = -BCE(logits, x); x may be continuous in [0,1] (the PyTorch example's recipe).
    /// <inheritdoc/>
    public Tensor LogProb(Tensor x, Tensor output) =>
        output.BinaryCrossEntropyWithLogits(x.Tile(IObservationModel.DrawsPerImage(x, output))).Sum(1).Negate();

    /// <inheritdoc/>
    public Activation? MeanActivation => Activation.Sigmoid;

    /// <inheritdoc/>
    public Tensor Mean(Tensor output) => output.Sigmoid();

    /// <inheritdoc/>
    public Tensor Sample(Tensor output, Rng rng) => Noise.Bernoulli(rng, output.Sigmoid());
}
