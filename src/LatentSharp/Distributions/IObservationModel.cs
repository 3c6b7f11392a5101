using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// p(x | decoder output): how a decoder's output turns into a likelihood over pixels.
/// Decoders and likelihoods are swapped by configuration, not by new model classes.
/// </summary>
public interface IObservationModel
{
    /// <summary>The name used in model specifications and checkpoints ("bernoulli", "gaussian", "gaussian-learned", "pixelcnn").</summary>
    string Name { get; }

    /// <summary>
    /// log p(x | output) in nats, summed over pixels, for S ≥ 1 decoder outputs per image laid out sample-major (row s·B + i
    /// belongs to image i). Each image comes once, so a likelihood that reads the pixels themselves (autoregressive) looks
    /// at them once, not S times. x [B, D], output [S·B, …] → [S·B]
    /// </summary>
    Tensor LogProb(Tensor x, Tensor output);

    /// <summary>
    /// True when <see cref="LogProb"/> is a probability of the 8-bit values v = round(255·x) themselves (the categorical,
    /// discretized logistic mixture and discretized Gaussian likelihoods): an exact discrete likelihood of the 8-bit data,
    /// reported in bits/dim, neither nats of binarized images nor a dequantized density bound.
    /// </summary>
    bool IsDiscrete8Bit => false;

    /// <summary>The elementwise function <see cref="Mean"/> applies to the decoder output, when it is one; null when the mean is not elementwise.</summary>
    Activation? MeanActivation => null;

    /// <summary>E[x | output], the image to show. [B, …] → [B, D]</summary>
    Tensor Mean(Tensor output);

    /// <summary>A draw x ~ p(x | output). [B, …] → [B, D]</summary>
    Tensor Sample(Tensor output, Rng rng);

    /// <summary>S, the decoder outputs per image of a <see cref="LogProb"/> call; throws unless the rows fit.</summary>
    static int DrawsPerImage(Tensor x, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(output);
        int images = x.Rank == 2 ? x.Dim(0) : 0, rows = output.Rank >= 1 ? output.Dim(0) : 0;
        if (images < 1 || rows % images != 0)
            throw new ArgumentException($"log p(x | output) takes images [B, D] and S decoder outputs per image [S·B, …]; got {x} and {output}.");
        return rows / images;
    }
}
