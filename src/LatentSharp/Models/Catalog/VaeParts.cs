using LatentSharp.Distributions;
using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models.Catalog;

/// <summary>
/// The parts the built-in kinds share: a <see cref="Vae"/> assembled from bodies with the likelihood and prior its spec
/// names, the checks of those settings, parameter estimates and the one-line description.
/// </summary>
internal static class VaeParts
{
    /// <summary>One <see cref="Vae"/> from its bodies, with the likelihood and prior the spec names.</summary>
    public static Vae Assemble(ModelSpec spec, Rng rng, Layer encoder, Layer decoder)
    {
        int d = spec.Dimensions, l = spec.LatentSize;
        IObservationModel observation = Observation(spec, rng);
        // The VampPrior evaluates the model's own encoder; the model exists only after the prior, so it is reached through this variable.
        Vae? vae = null;
        IPrior prior = spec.Prior switch
        {
            "standard-normal" => new StandardNormalPrior(l),
            "mog" => new MixtureOfGaussiansPrior(spec.PriorComponents, l, rng),
            "vamp" => new VampPrior(spec.PriorComponents, d, l, u => vae!.Posterior(u), rng),
            "realnvp" => new RealNvpPrior(spec.PriorFlowSteps, l, spec.FlowHidden, rng),
            _ => throw new InvalidSettingException(nameof(ModelSpec.Prior), $"Unknown prior \"{spec.Prior}\"; known priors: {string.Join(", ", ModelCatalog.Priors.Select(p => p.Name))}."),
        };
        IPosteriorFlow? posteriorFlow = spec.PosteriorFlow switch
        {
            "none" => null,
            "planar" => new PlanarFlow(spec.FlowSteps, l, rng),
            "iaf" => new InverseAutoregressiveFlow(spec.FlowSteps, l, spec.FlowHidden, spec.FlowHidden, rng),
            _ => throw UnknownPosteriorFlow(spec),
        };
        vae = new Vae(spec, encoder, decoder, observation, prior, posteriorFlow);
        return vae;
    }

    /// <summary>The checks of a one-layer VAE's prior that need no data.</summary>
    public static void ValidatePrior(ModelSpec spec)
    {
        if (spec.Prior is "mog" or "vamp" && spec.PriorComponents < 1)
            throw new InvalidSettingException(nameof(ModelSpec.PriorComponents), $"The \"{spec.Prior}\" prior needs at least one component, not {spec.PriorComponents}.");
        if (spec.Prior == "realnvp" && spec.PriorFlowSteps is < 1 or > MaxFlowSteps)
            throw new InvalidSettingException(nameof(ModelSpec.PriorFlowSteps), $"The realnvp prior has 1 to {MaxFlowSteps} coupling layers, not {spec.PriorFlowSteps}.");
    }

    private const int MaxFlowSteps = 256;

    /// <summary>The checks of the posterior flow's settings that need no data.</summary>
    public static void ValidateFlows(ModelSpec spec)
    {
        if (!ModelSpec.PosteriorFlows.Contains(spec.PosteriorFlow))
            throw UnknownPosteriorFlow(spec);
        if (spec.PosteriorFlow != "none" && spec.FlowSteps is < 1 or > MaxFlowSteps)
            throw new InvalidSettingException(nameof(ModelSpec.FlowSteps), $"The posterior flow has 1 to {MaxFlowSteps} steps, not {spec.FlowSteps}.");
    }

    private static InvalidSettingException UnknownPosteriorFlow(ModelSpec spec) =>
        new(nameof(ModelSpec.PosteriorFlow), $"The posterior flow is \"none\", \"planar\" or \"iaf\", not \"{spec.PosteriorFlow}\".");

    /// <summary>The encoder's outputs: μ and log σ² (2L), then the IAF's context of <see cref="ModelSpec.FlowHidden"/> values.</summary>
    public static int EncoderOutputs(ModelSpec spec) => 2 * spec.LatentSize + (spec.PosteriorFlow == "iaf" ? spec.FlowHidden : 0);

    /// <summary>The posterior flow's own parameters: per planar step u, w, b; per IAF step the MADE layers and the context's weights.</summary>
    public static double PosteriorFlow(ModelSpec spec)
    {
        double l = spec.LatentSize, h = spec.FlowHidden;
        return spec.PosteriorFlow switch
        {
            "planar" => spec.FlowSteps * (2 * l + 1),
            "iaf" => spec.FlowSteps * (l * h + 2 * h * h + 2 * h * l),
            _ => 0,
        };
    }

    /// <summary>The checks of the "pixelcnn" likelihood's settings that need no data; nothing when the spec has another likelihood.</summary>
    public static void ValidatePixelCnnLikelihood(ModelSpec spec)
    {
        if (spec.Likelihood != "pixelcnn") return;
        if (spec.PixelCnnChannels < 2)
            throw new InvalidSettingException(nameof(ModelSpec.PixelCnnChannels), $"The pixelcnn likelihood needs at least 2 feature channels, not {spec.PixelCnnChannels}.");
        if (spec.PixelCnnBlocks < 0) throw new InvalidSettingException(nameof(ModelSpec.PixelCnnBlocks), $"The number of residual blocks must not be negative, not {spec.PixelCnnBlocks}.");
        if (!ModelSpec.PixelCnnConditionings.Contains(spec.PixelCnnConditioning))
            throw new InvalidSettingException(nameof(ModelSpec.PixelCnnConditioning), $"The pixelcnn likelihood's conditioning is {string.Join(" or ", ModelSpec.PixelCnnConditionings.Select(c => $"\"{c}\""))}, not \"{spec.PixelCnnConditioning}\".");
    }

    /// <summary>
    /// The checks of the pixel head that need no data: one of <see cref="ModelSpec.PixelCnnHeads"/>, a mixture of 1 to 64 for
    /// the logistic mixture, and an 8-bit head only with the "pixelcnn" likelihood, which is the one that has a head.
    /// </summary>
    public static void ValidatePixelCnnHead(ModelSpec spec)
    {
        if (!ModelSpec.PixelCnnHeads.Contains(spec.PixelCnnHead))
            throw new InvalidSettingException(nameof(ModelSpec.PixelCnnHead), $"The pixelcnn likelihood's pixel head is {string.Join(", ", ModelSpec.PixelCnnHeads.Select(h => $"\"{h}\""))}, not \"{spec.PixelCnnHead}\".");
        if (spec.PixelCnnHead == "bernoulli") return;
        if (spec.Likelihood != "pixelcnn")
            throw new InvalidSettingException(nameof(ModelSpec.PixelCnnHead), $"The \"{spec.PixelCnnHead}\" pixel head belongs to the pixelcnn likelihood, not to the \"{spec.Likelihood}\" one: choose the pixelcnn likelihood, or leave the head at bernoulli.");
        if (spec.PixelCnnHead == "logistic-mixture" && spec.MixtureComponents is < 1 or > MaxMixtureComponents)
            throw new InvalidSettingException(nameof(ModelSpec.MixtureComponents), $"The pixelcnn likelihood's logistic-mixture head mixes 1 to {MaxMixtureComponents} components per pixel, not {spec.MixtureComponents}.");
    }

    /// <summary>The decoder likelihood the spec names.</summary>
    private static IObservationModel Observation(ModelSpec spec, Rng rng) => spec.Likelihood switch
    {
        "bernoulli" => new BernoulliObservation(),
        "gaussian" => new GaussianObservation(spec.Variance),
        "gaussian-learned" => new GaussianObservation(spec.Dimensions, spec.Variance),
        "categorical" => new Categorical256Observation(),
        "logistic-mixture" => new DiscretizedLogisticMixtureObservation(spec.MixtureComponents),
        "discretized-gaussian" => new DiscretizedGaussianObservation(),
        "pixelcnn" => PixelCnnLikelihood(spec, rng),
        _ => throw new InvalidSettingException(nameof(ModelSpec.Likelihood), $"A VAE's likelihood is \"bernoulli\", \"gaussian\", \"gaussian-learned\", {string.Join(", ", ModelSpec.EightBitLikelihoods.Select(l => $"\"{l}\""))} or \"pixelcnn\", not \"{spec.Likelihood}\"."),
    };

    /// <summary>The checks of the 8-bit likelihoods' settings that need no data; nothing when the spec has another likelihood.</summary>
    public static void ValidateEightBitLikelihood(ModelSpec spec)
    {
        if (spec.Likelihood == "logistic-mixture" && spec.MixtureComponents is < 1 or > MaxMixtureComponents)
            throw new InvalidSettingException(nameof(ModelSpec.MixtureComponents), $"The logistic-mixture likelihood mixes 1 to {MaxMixtureComponents} components, not {spec.MixtureComponents}.");
    }

    private const int MaxMixtureComponents = 64;

    /// <summary>"mixture-components" of the convolutional kinds, in use with the logistic-mixture likelihood or pixel head.</summary>
    public static ModelOption<int> MixtureComponentsWithPixelHead { get; } = ModelOptions.MixtureComponents with
    {
        InUse = s => s.Likelihood == "logistic-mixture" || (s.Likelihood == "pixelcnn" && s.PixelCnnHead == "logistic-mixture"),
    };

    /// <summary>
    /// The decoder outputs per sub-pixel the likelihood reads: 1 (a logit or a mean), 256 logits (categorical), 3·K
    /// (logistic mixture: logits, means, log-scales) or 2 (discretized Gaussian: mean, log-scale). An 8-bit likelihood reads
    /// them parameter-major, [B, P, D], which an MLP gives as P·D outputs and a convolution as P·C channels.
    /// </summary>
    public static int OutputsPerValue(ModelSpec spec) => spec.Likelihood switch
    {
        "categorical" => Categorical256Observation.OutputsPerValue,
        "logistic-mixture" => 3 * spec.MixtureComponents,
        "discretized-gaussian" => DiscretizedGaussianObservation.OutputsPerValue,
        _ => 1,
    };

    /// <summary>Outputs of an MLP decoder: <see cref="OutputsPerValue"/> for each of the D sub-pixels.</summary>
    public static int DecoderOutputs(ModelSpec spec) => OutputsPerValue(spec) * spec.Dimensions;

    /// <summary>The decoder likelihood of a hierarchical VAE, which owns it.</summary>
    public static IObservationModel HierarchicalObservation(ModelSpec spec, Rng rng) => Observation(spec, rng);

    /// <summary>
    /// The autoregressive likelihood of the convolutional kinds: <see cref="ModelSpec.PixelCnnChannels"/> feature maps from
    /// the decoder, <see cref="ModelSpec.PixelCnnBlocks"/> masked residual blocks over the pixels, the maps entering where
    /// <see cref="ModelSpec.PixelCnnConditioning"/> says.
    /// </summary>
    private static PixelCnnObservation PixelCnnLikelihood(ModelSpec spec, Rng rng)
    {
        ValidateConvolutionalImages(spec);
        ValidatePixelCnnLikelihood(spec);
        ValidatePixelCnnHead(spec);
        return new PixelCnnObservation(spec.PixelCnnChannels, spec.PixelCnnBlocks, spec.Height, spec.Width, rng, codeIntoBlocks: spec.PixelCnnConditioning == "blocks", PixelHeadOf(spec));
    }

    /// <summary>The <see cref="ModelSpec.PixelCnnHead"/> of the pixelcnn likelihood, after its checks.</summary>
    private static PixelHead PixelHeadOf(ModelSpec spec) => spec.PixelCnnHead switch
    {
        "categorical" => new CategoricalPixelHead(spec.Channels),
        "logistic-mixture" => new LogisticMixturePixelHead(spec.Channels, spec.MixtureComponents),
        _ => new BernoulliPixelHead(),
    };

    /// <summary>
    /// Output channels of a convolutional decoder: <see cref="OutputsPerValue"/> per image channel, or the pixelcnn
    /// likelihood's feature maps.
    /// </summary>
    public static int DecoderChannels(ModelSpec spec) => spec.Likelihood == "pixelcnn" ? spec.PixelCnnChannels : OutputsPerValue(spec) * spec.Channels;

    /// <summary>
    /// The image checks of the convolutional kinds: their stride-2 convolutions take any number of channels but only heights
    /// and widths divisible by 2^(number of convolutions); the "pixelcnn" likelihood with the Bernoulli head takes
    /// single-channel images only (its 8-bit heads take grey and colour images).
    /// </summary>
    public static void ValidateConvolutionalImages(ModelSpec spec)
    {
        CheckStrides(spec);
        if (spec.Likelihood == "pixelcnn" && spec.PixelCnnHead == "bernoulli" && spec.Channels != 1)
            throw new InvalidSettingException(nameof(ModelSpec.Likelihood),
                $"The \"pixelcnn\" likelihood needs single-channel binarized images with its bernoulli pixel head; these are {spec.Channels}x{spec.Height}x{spec.Width}. Give it the categorical or logistic-mixture pixel head for 8-bit images.");
    }

    /// <summary>
    /// Refuses convolution widths that the images' height and width cannot be halved by as often (a setting to change,
    /// not a bug), before the layers are made.
    /// </summary>
    private static void CheckStrides(ModelSpec spec)
    {
        int scale = 1 << Math.Min(spec.ConvChannels.Length, 30);
        if (spec.ConvChannels.Length > 0 && (spec.ConvChannels.Length >= 30 || spec.Height % scale != 0 || spec.Width % scale != 0))
            throw new InvalidSettingException(nameof(ModelSpec.ConvChannels),
                $"{spec.ConvChannels.Length} stride-2 convolutions need height and width divisible by {scale}; the images are {spec.Height}x{spec.Width}. Use fewer convolution channels.");
    }

    /// <summary>The checks of the convolution widths that need no data.</summary>
    public static void ValidateConvolutions(ModelSpec spec)
    {
        if (spec.ConvChannels.Length == 0)
            throw new InvalidSettingException(nameof(ModelSpec.ConvChannels), "A convolutional kind needs at least one convolution width.");
    }

    // Parameter estimates: weight matrices and kernels, in double so that absurd sizes do not overflow.

    /// <summary>An MLP input → hidden… → output; a gated hidden layer (<paramref name="gated"/>) has two weight matrices.</summary>
    public static double Mlp(double input, IEnumerable<int> hidden, double output, bool gated = false)
    {
        double sum = 0;
        foreach (int width in hidden) (sum, input) = (sum + (gated ? 2 : 1) * input * width, width);
        return sum + input * output;
    }

    /// <summary>Whether the spec's MLP hidden layers are gated (<see cref="Nn.Mlp.Gated"/>).</summary>
    public static bool Gated(ModelSpec spec) => spec.Activation == Nn.Mlp.Gated;

    /// <summary>The masked convolutions: 7x7 type A, blocks of 1x1 / 3x3 / 1x1, the head.</summary>
    public static double PixelCnn(ModelSpec spec)
    {
        double h = spec.PixelCnnChannels;
        return h * (49 + 3 * h * spec.PixelCnnBlocks + 2 * h);
    }

    /// <summary>The encoder's stride-2 convolutions, and the width of their flattened output c_n · H/2ⁿ · W/2ⁿ.</summary>
    public static (double Convolutions, double Innermost) Convolutions(ModelSpec spec)
    {
        int[] channels = spec.ConvChannels.Length == 0 ? [1] : spec.ConvChannels;
        double innermost = channels[^1] * (double)spec.Height * spec.Width / Math.Pow(4, channels.Length);
        double convolutions = 16.0 * spec.Channels * channels[0] + channels.Zip(channels.Skip(1), (a, b) => 16.0 * a * b).Sum();
        return (convolutions, innermost);
    }

    /// <summary>The kernels a convolutional decoder's last layer adds for an 8-bit likelihood's P outputs per sub-pixel, beyond one per channel.</summary>
    public static double EightBitHead(ModelSpec spec) =>
        spec.ConvChannels.Length == 0 ? 0 : 16.0 * spec.ConvChannels[0] * (OutputsPerValue(spec) - 1) * spec.Channels;

    /// <summary>
    /// The likelihood's own parameters; an 8-bit pixel head adds the 7×7 layer's extra input channels and its P outputs per
    /// pixel. The pixelcnn likelihood also widens a convolutional decoder's last layer from C images to its h feature maps.
    /// </summary>
    public static double Likelihood(ModelSpec spec) =>
        spec.Likelihood == "pixelcnn"
            ? PixelCnn(spec) + AutoregressiveLikelihood.ExtraParameters(spec with { Likelihood = spec.PixelCnnHead }, 49.0 * spec.PixelCnnChannels, spec.PixelCnnChannels)
              + (spec.ConvChannels.Length == 0 ? 0 : 16.0 * spec.ConvChannels[0] * (spec.PixelCnnChannels - spec.Channels))
            : spec.Likelihood == "gaussian-learned" ? spec.Dimensions : 0;

    /// <summary>The prior's own parameters.</summary>
    public static double Prior(ModelSpec spec) =>
        spec.Prior switch
        {
            "mog" => spec.PriorComponents * 2.0 * spec.LatentSize,
            "vamp" => spec.PriorComponents * (double)spec.Dimensions,
            "realnvp" => spec.PriorFlowSteps * 3.0 * spec.LatentSize * spec.FlowHidden,
            _ => 0,
        };

    /// <summary>"vae 1x28x28 → [400] → 20 (relu, bernoulli)": the kind, image, body, latent, and what differs from the defaults.</summary>
    public static string Describe(ModelSpec spec, string body, string latent)
    {
        string prior = spec.Prior switch
        {
            "standard-normal" => "",
            "realnvp" => $", realnvp prior K={spec.PriorFlowSteps}",
            _ => $", {spec.Prior} prior K={spec.PriorComponents}",
        };
        string flow = spec.PosteriorFlow == "none" ? "" : $", {spec.PosteriorFlow} posterior K={spec.FlowSteps}";
        string conditioning = spec.PixelCnnConditioning == "head" ? "" : $", code into the {spec.PixelCnnConditioning}";
        string likelihood = spec.Likelihood switch
        {
            "pixelcnn" => $"pixelcnn {spec.PixelCnnChannels} channels + {spec.PixelCnnBlocks} residual 3x3 type B{conditioning}"
                + (spec.PixelCnnHead == "bernoulli" ? "" : $" → {AutoregressiveLikelihood.Describe(spec with { Likelihood = spec.PixelCnnHead })}"),
            "logistic-mixture" => $"logistic-mixture K={spec.MixtureComponents}",
            _ => spec.Likelihood,
        };
        string classes = spec.Classes > 0 ? $", {spec.Classes} classes" : "";
        return $"{spec.Kind} {spec.Channels}x{spec.Height}x{spec.Width} → {body} → {latent} ({spec.Activation}, {likelihood}{prior}{flow}{classes})";
    }

    public static string List(IEnumerable<int> widths) => $"[{string.Join(", ", widths)}]";
}
