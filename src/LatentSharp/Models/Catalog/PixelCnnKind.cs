using LatentSharp.Tensors;

namespace LatentSharp.Models.Catalog;

/// <summary>"pixelcnn": the <see cref="PixelCnn"/> baseline, an exact likelihood of binarized or 8-bit images without a latent space.</summary>
public sealed class PixelCnnKind : ModelKind
{
    /// <inheritdoc/>
    public override string Name => "pixelcnn";

    /// <inheritdoc/>
    public override TermsKind Terms => TermsKind.Exact;

    /// <inheritdoc/>
    public override string Description => "PixelCNN: masked convolutions, exact likelihood (Bernoulli of binarized images; 256-way softmax or discretized logistic mixture of 8-bit grey or colour images), no latent space";

    /// <inheritdoc/>
    public override IReadOnlyList<ModelOption> Options { get; } = [ModelOptions.PixelCnnChannels, ModelOptions.PixelCnnBlocks, AutoregressiveLikelihood.Option, ModelOptions.MixtureComponents];

    /// <inheritdoc/>
    public override void Validate(ModelSpec spec)
    {
        AutoregressiveLikelihood.Validate(Name, spec);
        if (spec.Prior != "standard-normal") throw new InvalidSettingException(nameof(ModelSpec.Prior), $"The pixelcnn has no latent space, so no \"{spec.Prior}\" prior.");
        if (spec.PixelCnnChannels < 2) throw new InvalidSettingException(nameof(ModelSpec.PixelCnnChannels), $"The pixelcnn needs at least 2 feature channels, not {spec.PixelCnnChannels}.");
        if (spec.PixelCnnBlocks < 0) throw new InvalidSettingException(nameof(ModelSpec.PixelCnnBlocks), $"The number of residual blocks must not be negative, not {spec.PixelCnnBlocks}.");
    }

    /// <inheritdoc/>
    public override void ValidateImages(ModelSpec spec)
    {
        AutoregressiveLikelihood.ValidateImages(Name, spec, channelsMultipleOf: false);
    }

    /// <inheritdoc/>
    public override LatentModel Build(ModelSpec spec, Rng rng) => new PixelCnn(spec, rng);

    /// <inheritdoc/>
    public override double EstimatedParameters(ModelSpec spec) =>
        VaeParts.PixelCnn(spec) + AutoregressiveLikelihood.ExtraParameters(spec, 49.0 * spec.PixelCnnChannels, spec.PixelCnnChannels);

    /// <inheritdoc/>
    public override string Describe(ModelSpec spec) =>
        $"{spec.Kind} {spec.Channels}x{spec.Height}x{spec.Width} → masked conv {spec.PixelCnnChannels} channels, 7x7 type A + {spec.PixelCnnBlocks} residual 3x3 type B → {AutoregressiveLikelihood.Describe(spec)}";
}
