using LatentSharp.Tensors;

namespace LatentSharp.Models.Catalog;

/// <summary>"conv-vae": a VAE whose encoder is stride-2 convolutions and whose decoder mirrors them (<see cref="ConvVae"/>).</summary>
public sealed class ConvVaeKind : ModelKind
{
    /// <inheritdoc/>
    public override string Name => "conv-vae";

    /// <inheritdoc/>
    public override string Description => "variational autoencoder with convolutional encoder and transposed-convolution decoder; grey or colour images whose height and width divide by 2^(number of conv channels)";

    /// <inheritdoc/>
    public override IReadOnlyList<ModelOption> Options { get; } =
    [
        ModelOptions.Latent, ModelOptions.ConvChannels, ModelOptions.Activation, ModelOptions.Likelihood(ModelOptions.ConvolutionalLikelihoods), ModelOptions.Variance, VaeParts.MixtureComponentsWithPixelHead,
        ModelOptions.Prior([.. ModelCatalog.Priors.Select(p => p.Name)]), ModelOptions.PriorComponents, .. ModelOptions.Flows,
        ModelOptions.PixelCnnChannels with { InUse = s => s.Likelihood == "pixelcnn" }, ModelOptions.PixelCnnBlocks, ModelOptions.PixelCnnConditioning, ModelOptions.PixelCnnHead,
    ];

    /// <inheritdoc/>
    public override void Validate(ModelSpec spec)
    {
        VaeParts.ValidateConvolutions(spec);
        VaeParts.ValidatePrior(spec);
        VaeParts.ValidateFlows(spec);
        VaeParts.ValidatePixelCnnLikelihood(spec);
        VaeParts.ValidatePixelCnnHead(spec);
        VaeParts.ValidateEightBitLikelihood(spec);
    }

    /// <inheritdoc/>
    public override void ValidateImages(ModelSpec spec) => VaeParts.ValidateConvolutionalImages(spec);

    /// <inheritdoc/>
    public override LatentModel Build(ModelSpec spec, Rng rng) =>
        VaeParts.Assemble(spec, rng, ConvVae.Encoder(spec, VaeParts.EncoderOutputs(spec), rng), ConvVae.Decoder(spec, spec.LatentSize, rng, VaeParts.DecoderChannels(spec)));

    /// <inheritdoc/>
    public override double EstimatedParameters(ModelSpec spec)
    {
        var (convolutions, innermost) = VaeParts.Convolutions(spec);
        return 2 * (convolutions + innermost * 2 * spec.LatentSize) + innermost * (VaeParts.EncoderOutputs(spec) - 2 * spec.LatentSize)
            + VaeParts.EightBitHead(spec) + VaeParts.Likelihood(spec) + VaeParts.Prior(spec) + VaeParts.PosteriorFlow(spec);
    }

    /// <inheritdoc/>
    public override string Describe(ModelSpec spec) => VaeParts.Describe(spec, $"conv {VaeParts.List(spec.ConvChannels)}", $"{spec.LatentSize}");
}
