using System.Text.Json;
using System.Text.Json.Serialization;

namespace LatentSharp.Models;

/// <summary>
/// Everything needed to rebuild a model's architecture: stored in every checkpoint, so any command can load
/// any model from its file alone. Training settings (optimizer, beta, warm-up) are not part of it.
/// </summary>
public sealed record ModelSpec
{
    /// <summary>The catalog name: "vae", "ae", "conv-vae", "cvae", "hvae", "conv-hvae" or "pixelcnn" (see <see cref="ModelCatalog.Available"/>).</summary>
    public string Kind { get; init; } = "vae";

    /// <summary>Image geometry: channels × height × width.</summary>
    public int Channels { get; init; } = 1;
    /// <summary>H, the image height in pixels.</summary>
    public int Height { get; init; } = 28;
    /// <summary>W, the image width in pixels.</summary>
    public int Width { get; init; } = 28;

    /// <summary>L, the width of the latent code (for a hierarchical model, the sum of its layer sizes).</summary>
    public int LatentSize { get; init; } = 20;

    /// <summary>Hidden layer widths of the MLP encoder; the decoder mirrors them. Not used by "conv-vae".</summary>
    public int[] Hidden { get; init; } = [400];

    /// <summary>
    /// "conv-vae" and "conv-hvae": output channels of the encoder's stride-2 convolutions (each halves height and width); the
    /// transposed-convolution decoder mirrors them. Not used by the MLP kinds.
    /// </summary>
    public int[] ConvChannels { get; init; } = [32, 64];

    /// <summary>
    /// "hvae" and "conv-hvae": the sizes of the stochastic layers z_1 (next to x) … z_L (the top), at least two. Empty (the default)
    /// means <see cref="DefaultLatentSizes"/>. The model's <see cref="LatentSize"/> is their sum (Encode returns the
    /// concatenated posterior means [μ_1 | … | μ_L]). With <see cref="LatentMaps"/>, the layers above z_1. Not used by the other kinds.
    /// </summary>
    public int[] LatentSizes { get; init; } = [];

    /// <summary>
    /// "conv-hvae": above 0, the lowest stochastic layer z_1 is this many feature maps at the resolution of the first
    /// convolution (H/2 × W/2) instead of a vector, as in Havtorn et al.'s (2021) hierarchical VAE: q(z_1 | x) and
    /// p(z_1 | z_2) come from 3×3 convolutions and the decoder starts from the maps. z_1 then has LatentMaps·(H/2)·(W/2)
    /// values and <see cref="LatentSizes"/> lists the layers above it (z_2 first); <see cref="LatentSize"/> counts all.
    /// 0 (the default, and what a checkpoint without the field was trained with): z_1 is a vector, the first of LatentSizes.
    /// </summary>
    public int LatentMaps { get; init; }

    /// <summary>
    /// "pixelcnn", and the "pixelcnn" likelihood of the conv kinds: feature channels h of the masked convolutions (the
    /// residual blocks narrow to h/2 inside).
    /// </summary>
    public int PixelCnnChannels { get; init; } = 64;

    /// <summary>
    /// "pixelcnn", and the "pixelcnn" likelihood: the number of residual blocks with a masked 3×3 (type B) convolution after
    /// the 7×7 type-A layer.
    /// </summary>
    public int PixelCnnBlocks { get; init; } = 5;

    /// <summary>
    /// The "pixelcnn" likelihood: where the decoder's feature maps enter the masked layers. "head" (the default, and what a
    /// checkpoint without the field was trained with): added after the masked residual blocks, so those see the pixels
    /// alone and the code meets them only in the 1×1 layers of the head. "blocks": added to the 7×7 type-A layer's output,
    /// so that every masked block combines the code with the pixels before it, as in a conditional PixelCNN.
    /// </summary>
    public string PixelCnnConditioning { get; init; } = "head";

    /// <summary>The values of <see cref="PixelCnnConditioning"/>.</summary>
    public static IReadOnlyList<string> PixelCnnConditionings { get; } = ["head", "blocks"];

    /// <summary>
    /// The "pixelcnn" likelihood: what its masked layers give each pixel. "bernoulli" (the default, and what a checkpoint
    /// without the field was trained with): one logit of a binarized single-channel pixel. "categorical": a 256-way softmax
    /// per sub-pixel of 8-bit grey or colour images, the channels in R → G → B groups. "logistic-mixture": PixelCNN++'s
    /// discretized logistic mixture of <see cref="MixtureComponents"/> per pixel of 8-bit images.
    /// </summary>
    public string PixelCnnHead { get; init; } = "bernoulli";

    /// <summary>The values of <see cref="PixelCnnHead"/>.</summary>
    public static IReadOnlyList<string> PixelCnnHeads { get; } = ["bernoulli", "categorical", "logistic-mixture"];

    /// <summary>p(z): "standard-normal", "mog" (learnable mixture of Gaussians), "vamp" (VampPrior) or "realnvp" (a RealNVP flow over z).</summary>
    public string Prior { get; init; } = "standard-normal";

    /// <summary>K, the number of mixture components of the "mog" prior or pseudo-inputs of the "vamp" prior.</summary>
    public int PriorComponents { get; init; } = 10;

    /// <summary>The "realnvp" prior: K, the number of affine coupling layers.</summary>
    public int PriorFlowSteps { get; init; } = 4;

    /// <summary>
    /// "vae" and "conv-vae": the flow on the posterior's draws, "none" (the Gaussian posterior alone, and what a checkpoint
    /// without the field was trained with), "planar" (Rezende &amp; Mohamed 2015) or "iaf" (inverse autoregressive flow,
    /// Kingma et al. 2016).
    /// </summary>
    public string PosteriorFlow { get; init; } = "none";

    /// <summary>The values of <see cref="PosteriorFlow"/>.</summary>
    public static IReadOnlyList<string> PosteriorFlows { get; } = ["none", "planar", "iaf"];

    /// <summary>K, the number of steps of the posterior flow.</summary>
    public int FlowSteps { get; init; } = 2;

    /// <summary>
    /// The hidden width of the flows' networks: the IAF's MADE layers and the size of the context h the encoder gives it,
    /// and the hidden layer of each RealNVP coupling.
    /// </summary>
    public int FlowHidden { get; init; } = 128;

    /// <summary>"cvae": the number of classes C of the one-hot label the model is conditioned on; 0 for unconditional kinds.</summary>
    public int Classes { get; init; }

    /// <summary>"relu", "leaky-relu", "elu", "tanh" or "softplus".</summary>
    public string Activation { get; init; } = "relu";

    /// <summary>
    /// VAE: "bernoulli", "gaussian" (fixed variance), "gaussian-learned", the 8-bit likelihoods "categorical" (256-way
    /// softmax per sub-pixel), "logistic-mixture" (discretized logistic mixture) and "discretized-gaussian", or, for
    /// conv-vae and conv-hvae, "pixelcnn" (autoregressive pixels given the decoder's feature maps, with the
    /// <see cref="PixelCnnHead"/>: Bernoulli on binarized images, or an 8-bit head); autoencoder: "bce" or "mse".
    /// </summary>
    public string Likelihood { get; init; } = "bernoulli";

    /// <summary>
    /// The "logistic-mixture" likelihood: K, the discretized logistics mixed per sub-pixel (PixelCNN++ mixes 10 per pixel,
    /// shared by its three channels; here each sub-pixel has its own K). Not used by the other likelihoods.
    /// </summary>
    public int MixtureComponents { get; init; } = 5;

    /// <summary>The likelihoods of 8-bit values themselves: an exact discrete likelihood of the 8-bit data, in bits/dim.</summary>
    public static IReadOnlyList<string> EightBitLikelihoods { get; } = ["categorical", "logistic-mixture", "discretized-gaussian"];

    /// <summary>Gaussian decoders: the fixed variance, or the starting variance when learned.</summary>
    public float Variance { get; init; } = 0.1f;

    /// <summary>The "hvae" layer sizes used when <see cref="LatentSizes"/> is empty: z_1 of 64 and z_2 of 32 dimensions.</summary>
    public static IReadOnlyList<int> DefaultLatentSizes { get; } = [64, 32];

    /// <summary>D = C·H·W, the values of one image.</summary>
    [JsonIgnore]
    public int Dimensions => Channels * Height * Width;

    /// <summary>True when the likelihood is a distribution over binary pixels ("bernoulli", "pixelcnn" with the Bernoulli head): its NLL is in nats of binarized images.</summary>
    [JsonIgnore]
    public bool HasBinaryLikelihood => Likelihood == "bernoulli" || (Likelihood == "pixelcnn" && PixelCnnHead == "bernoulli");

    /// <summary>
    /// True when the likelihood is a distribution over the 8-bit values themselves (<see cref="EightBitLikelihoods"/>, or
    /// "pixelcnn" with an 8-bit <see cref="PixelCnnHead"/>): its NLL is exact bits/dim of 8-bit images.
    /// </summary>
    [JsonIgnore]
    public bool HasEightBitLikelihood => EightBitLikelihoods.Contains(Likelihood) || (Likelihood == "pixelcnn" && EightBitLikelihoods.Contains(PixelCnnHead));

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The spec as camelCase JSON, as checkpoints store it.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The spec in <paramref name="json"/>, as <see cref="ToJson"/> writes it; throws <see cref="JsonException"/> for malformed or empty JSON.</summary>
    public static ModelSpec FromJson(string json) =>
        JsonSerializer.Deserialize<ModelSpec>(json, Json) ?? throw new JsonException("The model specification is empty.");

    /// <summary>One line for logs and reports, by the kind's catalog entry: "vae 1x28x28 → [400] → 20 (relu, bernoulli)".</summary>
    public override string ToString() => ModelCatalog.Describe(this);
}
