using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// The deterministic autoencoder: x → code → x̂, trained on a reconstruction loss (binary cross-entropy on
/// logits, or squared error). It has no prior and no ELBO, so it cannot sample or report a likelihood; it is
/// the baseline that shows what the VAE's KL term buys.
/// </summary>
public sealed class Autoencoder : LatentModel, IEncoderDecoder
{
    private readonly Layer _encoder;   // [B, D] → [B, L]
    private readonly Layer _decoder;   // [B, L] → [B, D] (logits for "bce", values for "mse")
    private readonly bool _binaryCrossEntropy;

    /// <summary>An autoencoder of <paramref name="spec"/> whose loss is its likelihood setting, "bce" (the decoder gives logits) or "mse"; throws <see cref="ArgumentException"/> for any other.</summary>
    public Autoencoder(ModelSpec spec, Layer encoder, Layer decoder)
    {
        _binaryCrossEntropy = spec.Likelihood switch
        {
            "bce" => true,
            "mse" => false,
            _ => throw new ArgumentException($"An autoencoder's loss is \"bce\" or \"mse\", not \"{spec.Likelihood}\"."),
        };
        Spec = spec;
        _encoder = RegisterModule("encoder", encoder);
        _decoder = RegisterModule("decoder", decoder);
    }

    /// <inheritdoc/>
    public override ModelSpec Spec { get; }

    /// <inheritdoc/>
    public int LatentSize => Spec.LatentSize;

    /// <inheritdoc/>
    public Layer EncoderNetwork => _encoder;

    /// <inheritdoc/>
    public Layer DecoderNetwork => _decoder;

    /// <summary>Null: the encoder gives the code itself.</summary>
    public (float Min, float Max)? LogVarianceRange => null;

    /// <summary>Sigmoid for the "bce" loss, whose decoder gives logits; identity for "mse".</summary>
    public Activation MeanActivation => _binaryCrossEntropy ? Activation.Sigmoid : Activation.Identity;

    /// <inheritdoc/>
    public Tensor Encode(Tensor x, Tensor? condition = null)
    {
        CheckCondition(condition, x.Dim(0));
        return _encoder.Forward(x);
    }

    /// <inheritdoc/>
    public Tensor Decode(Tensor z, Tensor? condition = null)
    {
        CheckCondition(condition, z.Dim(0));
        Tensor output = _decoder.Forward(z);
        return _binaryCrossEntropy ? output.Sigmoid() : output;
    }

    /// <summary>Minus the reconstruction loss of each image as its "log-likelihood" ([B]); no KL, nothing sampled.</summary>
    public override ModelTerms Terms(Tensor x, Rng rng, int samples = 1, int importanceSamples = 0, Tensor? condition = null)
    {
        CheckCondition(condition, x.Dim(0));
        Tensor output = _decoder.Forward(_encoder.Forward(x));
        Tensor perExample = _binaryCrossEntropy
            ? output.BinaryCrossEntropyWithLogits(x).Sum(1)
            : (output - x).Square().Sum(1);
        return ModelTerms.WithoutKl(TermsKind.Reconstruction, perExample.Negate());
    }
}
