using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

// What a model can do beyond scoring a minibatch, one small interface each. A front end asks for the capability a command
// needs (LatentModel.Require<T>), never for a model class. Images are rows x [B, D]; codes z [B, L]; a conditional model
// takes the one-hot labels c [B, C] wherever it takes x or z (null for every other model).

/// <summary>Codes: the model encodes images to latent codes and decodes codes to images. Not the PixelCNN.</summary>
public interface ILatentSpace
{
    /// <summary>L, the width of a code.</summary>
    int LatentSize { get; }

    /// <summary>The code of each image: the posterior mean for a VAE. [B, D] (+ condition [B, C]) → [B, L]</summary>
    Tensor Encode(Tensor x, Tensor? condition = null);

    /// <summary>The image each code stands for (the decoder's mean). [B, L] (+ condition [B, C]) → [B, D]</summary>
    Tensor Decode(Tensor z, Tensor? condition = null);
}

/// <summary>
/// The networks behind <see cref="ILatentSpace.Encode"/> and <see cref="ILatentSpace.Decode"/> and how their outputs are
/// read: what a tool needs to rebuild the model elsewhere (the ONNX export). The VAE kinds with one latent layer and a
/// likelihood whose mean is elementwise (bernoulli, gaussian), and the autoencoder. A conditional model's networks take the
/// one-hot condition appended to their input: [x, c] [B, D + C] and [z, c] [B, L + C].
/// </summary>
public interface IEncoderDecoder : ILatentSpace
{
    /// <summary>x [B, D] → [B, 2L], μ then log σ², when <see cref="LogVarianceRange"/> is set; the code [B, L] otherwise.</summary>
    Layer EncoderNetwork { get; }

    /// <summary>z [B, L] → the decoder output [B, D], which <see cref="MeanActivation"/> turns into the mean image.</summary>
    Layer DecoderNetwork { get; }

    /// <summary>The range log σ² is clamped to when the encoder gives μ and log σ²; null when it gives the code itself.</summary>
    (float Min, float Max)? LogVarianceRange { get; }

    /// <summary>The elementwise function from the decoder output to the mean image: sigmoid for Bernoulli pixels, identity for Gaussian ones.</summary>
    Activation MeanActivation { get; }
}

/// <summary>The model draws images from the distribution it learned: VAEs through their prior, the PixelCNN pixel by pixel.</summary>
public interface IGenerative
{
    /// <summary>
    /// n images (decoder means of prior draws for a latent-variable model). A conditional model draws row i with label
    /// i mod C, so a grid C wide shows one class per column. [n, D]
    /// </summary>
    Tensor Sample(int n, Rng rng);
}

/// <summary>
/// A latent-variable model p(x) = ∫ p(x | z) p(z) dz: codes are drawn from its prior and decoded, and pixels can be drawn
/// from its likelihood p(x | z). The VAEs (every prior) and the hierarchical VAE, whose codes are the concatenated layers.
/// </summary>
public interface IHasPrior : ILatentSpace, IGenerative
{
    /// <summary>What the prior is, for captions: "standard-normal", "mog", "vamp", "ladder".</summary>
    string PriorDescription { get; }

    /// <summary>True when p(z) is N(0, I), so that a latent frame is exactly the unit Gaussian.</summary>
    bool HasStandardNormalPrior { get; }

    /// <summary>n codes drawn from the prior. [n, L]</summary>
    Tensor SamplePrior(int n, Rng rng);

    /// <summary>Images drawn from the likelihood p(x | z): 0/1 pixels for Bernoulli ones, the mean plus noise for Gaussian ones. [B, L] → [B, D]</summary>
    Tensor DrawPixels(Tensor z, Rng rng, Tensor? condition = null);
}

/// <summary>
/// Several stochastic layers z_1 … z_N (1 next to x) whose codes are concatenated [z_1 | … | z_N], so that
/// <see cref="ILatentSpace.LatentSize"/> = Σ L_i. <see cref="LatentLayers"/> slices codes into layers.
/// </summary>
public interface ILayeredLatents : ILatentSpace
{
    /// <summary>L_1 … L_N.</summary>
    IReadOnlyList<int> LayerSizes { get; }

    /// <summary>The image a code of layer <paramref name="layer"/> (1 … N) stands for, the layers below at their prior means. [B, L_layer] → [B, D]</summary>
    Tensor DecodeFromLayer(int layer, Tensor z);
}

/// <summary>Every call takes a condition: the one-hot class label of each row (the CVAE).</summary>
public interface IConditional
{
    /// <summary>C, the number of classes.</summary>
    int Classes { get; }

    /// <summary>The condition for rows with these labels. [B] → one-hot [B, C]</summary>
    Tensor Condition(int[] labels);

    /// <summary>One image per label, decoded from a prior draw under that label. [labels.Length, D]</summary>
    Tensor SampleConditional(int[] labels, Rng rng);
}

/// <summary>
/// A likelihood to evaluate: the log importance weights log p(x, z_k) − log q(z_k | x) of K draws per example, which the IWAE
/// objective and the NLL evaluation share (their log-mean-exp bounds log p(x), exactly as K grows).
/// </summary>
public interface ILikelihood
{
    /// <summary>log p(x, z_k) − log q(z_k | x) for k = 1..K draws z_k ~ q(z | x). [B, D] → [B, K]</summary>
    Tensor LogImportanceWeights(Tensor x, int k, Rng rng, Tensor? condition = null);
}

/// <summary>
/// A likelihood of several stochastic layers whose bound can take its lowest layers from the prior instead of the
/// posterior: the bound L&gt;k of Havtorn et al. (2021), "Hierarchical VAEs Know What They Don't Know". The hierarchical VAE.
/// </summary>
public interface ILayeredLikelihood : ILikelihood, ILayeredLatents
{
    /// <summary>
    /// log importance weights with z_1 … z_m (m = <paramref name="priorLayers"/>, 0 … N − 1) drawn from p(z_i | z_{i+1})
    /// and the layers above from q; equal to <see cref="ILikelihood.LogImportanceWeights"/> for m = 0 and the same
    /// <paramref name="rng"/> state. With <paramref name="priorMean"/>, z_1 … z_m are the means of p(z_i | z_{i+1}) instead
    /// of draws. [B, D] → [B, K]
    /// </summary>
    Tensor LogImportanceWeightsWithPriorBelow(Tensor x, int k, int priorLayers, Rng rng, bool priorMean = false);
}

/// <summary>An exact log p(x) (the PixelCNN); its log importance weights are log p(x) in every column.</summary>
public interface IExactLikelihood : ILikelihood
{
    /// <summary>log p(x) of each image, in nats. [B, D] → [B]</summary>
    Tensor LogLikelihood(Tensor x);
}
