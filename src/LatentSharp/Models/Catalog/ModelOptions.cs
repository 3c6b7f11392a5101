using LatentSharp.Nn;

namespace LatentSharp.Models.Catalog;

/// <summary>
/// The settings several kinds share, defined once so that each has one name and one meaning in every kind; a kind takes
/// them in its <see cref="ModelKind.Options"/> (narrowing the choices where it accepts fewer values).
/// </summary>
public static class ModelOptions
{
    /// <summary>The likelihoods of the VAE kinds whose decoder is an MLP.</summary>
    public static IReadOnlyList<string> VaeLikelihoods { get; } = ["bernoulli", "gaussian", "gaussian-learned", .. ModelSpec.EightBitLikelihoods];

    /// <summary>The likelihoods of the kinds with a convolutional decoder: <see cref="VaeLikelihoods"/> and "pixelcnn".</summary>
    public static IReadOnlyList<string> ConvolutionalLikelihoods { get; } = [.. VaeLikelihoods, "pixelcnn"];

    /// <summary>"latent": L, the latent dimensions (<see cref="ModelSpec.LatentSize"/>).</summary>
    public static ModelOption<int> Latent { get; } = new("latent", nameof(ModelSpec.LatentSize), "Latent dimensions.",
        s => s.LatentSize, (s, v) => s with { LatentSize = v }) { IsSize = true };

    /// <summary>"hidden": the MLP encoder's hidden widths, mirrored by the decoder (<see cref="ModelSpec.Hidden"/>).</summary>
    public static ModelOption<int[]> Hidden { get; } = new("hidden", nameof(ModelSpec.Hidden),
        "Hidden layer widths of the MLP encoder, comma-separated; the decoder mirrors them.",
        s => s.Hidden, (s, v) => s with { Hidden = v }) { IsSize = true };

    /// <summary>"activation": the activation after each hidden layer (<see cref="ModelSpec.Activation"/>).</summary>
    public static ModelOption<string> Activation { get; } = new("activation", nameof(ModelSpec.Activation), "Activation after each hidden layer.",
        s => s.Activation, (s, v) => s with { Activation = v }, [.. Enum.GetValues<Nn.Activation>().Select(ActivationFactory.NameOf)]);

    /// <summary>
    /// The hidden layers of the MLP kinds: an activation after each Linear, or "gated", each hidden layer a
    /// <see cref="GatedLinear"/> as in Tomczak &amp; Welling's VampPrior MLPs.
    /// </summary>
    public static ModelOption<string> MlpActivation { get; } = new("activation", nameof(ModelSpec.Activation),
        "Activation after each hidden layer, or gated: each hidden layer (W₁x + b₁) ⊙ σ(W₂x + b₂), a linear part let through by a learned sigmoid gate.",
        s => s.Activation, (s, v) => s with { Activation = v }, [.. Activation.Choices, Nn.Mlp.Gated]);

    /// <summary>The decoder likelihood (an autoencoder's reconstruction loss), with the values a kind accepts.</summary>
    public static ModelOption<string> Likelihood(IReadOnlyList<string> choices) => new("likelihood", nameof(ModelSpec.Likelihood),
        "Decoder likelihood p(x|z): bernoulli, gaussian (fixed variance), gaussian-learned; on 8-bit images categorical (a softmax over the 256 values of each sub-pixel), logistic-mixture (PixelCNN++'s discretized logistic mixture; channels independent in the VAEs, one mixture per pixel with G linear in R and B in R, G in the autoregressive kinds) or discretized-gaussian, scored in exact bits/dim; or pixelcnn (each pixel given the decoder's feature maps and the pixels before it: binarized single-channel images, or 8-bit grey or colour images with the categorical or logistic-mixture pixelcnn head). An autoencoder's reconstruction loss: bce (binary cross-entropy) or mse.",
        s => s.Likelihood, (s, v) => s with { Likelihood = v }, choices);

    /// <summary>"variance": the Gaussian decoder's fixed or starting variance (<see cref="ModelSpec.Variance"/>).</summary>
    public static ModelOption<float> Variance { get; } = new("variance", nameof(ModelSpec.Variance),
        "Gaussian decoder variance (fixed, or the start of the learned one).",
        s => s.Variance, (s, v) => s with { Variance = v }) { InUse = s => s.Likelihood.StartsWith("gaussian", StringComparison.Ordinal) };

    /// <summary>"mixture-components": the logistics per sub-pixel of the logistic-mixture likelihood (<see cref="ModelSpec.MixtureComponents"/>).</summary>
    public static ModelOption<int> MixtureComponents { get; } = new("mixture-components", nameof(ModelSpec.MixtureComponents),
        "Discretized logistics mixed per sub-pixel by the logistic-mixture likelihood (1 to 64).",
        s => s.MixtureComponents, (s, v) => s with { MixtureComponents = v }) { IsSize = true, InUse = s => s.Likelihood == "logistic-mixture" };

    /// <summary>The prior p(z), with the priors a kind accepts (see <see cref="ModelCatalog.Priors"/>).</summary>
    public static ModelOption<string> Prior(IReadOnlyList<string> choices) => new("prior", nameof(ModelSpec.Prior),
        "Prior p(z): standard-normal, mog (learnable mixture of Gaussians), vamp (VampPrior) or realnvp (a RealNVP flow of affine couplings over z, learned with the model).",
        s => s.Prior, (s, v) => s with { Prior = v }, choices);

    /// <summary>"prior-components": the mixture components (mog) or pseudo-inputs (vamp) of the prior (<see cref="ModelSpec.PriorComponents"/>).</summary>
    public static ModelOption<int> PriorComponents { get; } = new("prior-components", nameof(ModelSpec.PriorComponents),
        "Mixture components (mog) or pseudo-inputs (vamp).",
        s => s.PriorComponents, (s, v) => s with { PriorComponents = v }) { IsSize = true, InUse = s => s.Prior is "mog" or "vamp" };

    /// <summary>The affine coupling layers of the "realnvp" prior.</summary>
    public static ModelOption<int> PriorFlowSteps { get; } = new("prior-flow-steps", nameof(ModelSpec.PriorFlowSteps),
        "Affine coupling layers of the realnvp prior (alternately the even and the odd latent dimensions move).",
        s => s.PriorFlowSteps, (s, v) => s with { PriorFlowSteps = v }) { InUse = s => s.Prior == "realnvp" };

    /// <summary>The flow on the posterior's draws.</summary>
    public static ModelOption<string> PosteriorFlow { get; } = new("posterior-flow", nameof(ModelSpec.PosteriorFlow),
        "Normalizing flow on the posterior's draws: none, planar (K planar flows with global parameters) or iaf (K inverse autoregressive steps conditioned on an encoder context); the KL becomes the Monte Carlo log q(z_K|x) − log p(z_K).",
        s => s.PosteriorFlow, (s, v) => s with { PosteriorFlow = v }, ModelSpec.PosteriorFlows);

    /// <summary>The steps of the posterior flow.</summary>
    public static ModelOption<int> FlowSteps { get; } = new("flow-steps", nameof(ModelSpec.FlowSteps),
        "Steps K of the posterior flow.",
        s => s.FlowSteps, (s, v) => s with { FlowSteps = v }) { InUse = s => s.PosteriorFlow != "none" };

    /// <summary>The hidden width of the IAF's MADE networks (and its encoder context) and of the realnvp prior's couplings.</summary>
    public static ModelOption<int> FlowHidden { get; } = new("flow-hidden", nameof(ModelSpec.FlowHidden),
        "Hidden units of the flows' networks: the iaf's MADE layers and the context the encoder gives it, and each realnvp coupling's hidden layer.",
        s => s.FlowHidden, (s, v) => s with { FlowHidden = v }) { IsSize = true, InUse = s => s.PosteriorFlow == "iaf" || s.Prior == "realnvp" };

    /// <summary>The flow settings of the one-layer VAE kinds, in the order they are listed.</summary>
    public static IReadOnlyList<ModelOption> Flows { get; } = [PosteriorFlow, FlowSteps, FlowHidden, PriorFlowSteps];

    /// <summary>"conv-channels": the channels of the stride-2 convolutions (<see cref="ModelSpec.ConvChannels"/>).</summary>
    public static ModelOption<int[]> ConvChannels { get; } = new("conv-channels", nameof(ModelSpec.ConvChannels),
        "Channels of the stride-2 convolutions, comma-separated (each halves height and width, so n of them need both divisible by 2^n); the transposed-convolution decoder mirrors them.",
        s => s.ConvChannels, (s, v) => s with { ConvChannels = v }) { IsSize = true };

    /// <summary>"latent-sizes": the sizes of the stochastic layers z_1 … z_N (<see cref="ModelSpec.LatentSizes"/>).</summary>
    public static ModelOption<int[]> LatentSizes { get; } = new("latent-sizes", nameof(ModelSpec.LatentSizes),
        "Sizes of the stochastic layers z_1,…,z_N (z_1 next to the image), comma-separated; the latent size is their sum. With latent maps, the sizes of the layers above z_1.",
        s => s.LatentSizes, (s, v) => s with { LatentSizes = v }) { IsSize = true };

    /// <summary>"latent-maps": z_1 as feature maps at the first convolution's resolution (<see cref="ModelSpec.LatentMaps"/>).</summary>
    public static ModelOption<int> LatentMaps { get; } = new("latent-maps", nameof(ModelSpec.LatentMaps),
        "Make z_1 this many feature maps at half the image's height and width (3x3 convolutions give q(z_1|x) and p(z_1|z_2); the decoder starts from them); the latent sizes then list the layers above it, z_2 first. 0: z_1 is a vector, the first of the latent sizes.",
        s => s.LatentMaps, (s, v) => s with { LatentMaps = v });

    /// <summary>"pixelcnn-channels": the channels of the pixelcnn likelihood's masked convolutions (<see cref="ModelSpec.PixelCnnChannels"/>).</summary>
    public static ModelOption<int> PixelCnnChannels { get; } = new("pixelcnn-channels", nameof(ModelSpec.PixelCnnChannels),
        "Channels of the masked convolutions (at least 2).",
        s => s.PixelCnnChannels, (s, v) => s with { PixelCnnChannels = v }) { IsSize = true };

    /// <summary>"pixelcnn-blocks": the masked residual blocks after the 7x7 type-A layer (<see cref="ModelSpec.PixelCnnBlocks"/>).</summary>
    public static ModelOption<int> PixelCnnBlocks { get; } = new("pixelcnn-blocks", nameof(ModelSpec.PixelCnnBlocks),
        "Residual blocks of masked 3x3 convolutions after the 7x7 type-A layer.",
        s => s.PixelCnnBlocks, (s, v) => s with { PixelCnnBlocks = v });

    /// <summary>"pixelcnn-head": what the pixelcnn likelihood gives each pixel, "bernoulli", "categorical" or "logistic-mixture" (<see cref="ModelSpec.PixelCnnHead"/>).</summary>
    public static ModelOption<string> PixelCnnHead { get; } = new("pixelcnn-head", nameof(ModelSpec.PixelCnnHead),
        "What the pixelcnn likelihood gives each pixel: bernoulli (one logit; binarized single-channel images, the default), categorical (8-bit grey or colour images: a 256-way softmax per sub-pixel, R then G given R then B given R and G, by channel-group masks) or logistic-mixture (8-bit grey or colour images: PixelCNN++'s discretized logistic mixture of the mixture components per pixel, G's mean linear in R, B's in R and G). The 8-bit heads are scored in exact bits/dim and sampled sub-pixel by sub-pixel given z.",
        s => s.PixelCnnHead, (s, v) => s with { PixelCnnHead = v }, ModelSpec.PixelCnnHeads) { InUse = s => s.Likelihood == "pixelcnn" };

    /// <summary>"pixelcnn-conditioning": where the decoder's feature maps enter the masked layers, "head" or "blocks" (<see cref="ModelSpec.PixelCnnConditioning"/>).</summary>
    public static ModelOption<string> PixelCnnConditioning { get; } = new("pixelcnn-conditioning", nameof(ModelSpec.PixelCnnConditioning),
        "Where the decoder's feature maps enter the pixelcnn likelihood's masked layers: head (after the residual blocks) or blocks (before them, so every block sees the code).",
        s => s.PixelCnnConditioning, (s, v) => s with { PixelCnnConditioning = v }, ModelSpec.PixelCnnConditionings);
}
