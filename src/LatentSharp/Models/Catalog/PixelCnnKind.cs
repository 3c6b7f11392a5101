using LatentSharp.Tensors;

namespace LatentSharp.Models.Catalog;

/// <summary>"pixelcnn": the <see cref="PixelCnn"/> baseline, an exact Bernoulli likelihood of binarized images without a latent space.</summary>
public sealed class PixelCnnKind : ModelKind
{
    /// <inheritdoc/>
    public override string Name => "pixelcnn";

    /// <inheritdoc/>
    public override TermsKind Terms => TermsKind.Exact;

    /// <inheritdoc/>
    public override string Description => "PixelCNN: masked convolutions, exact Bernoulli likelihood of single-channel binarized images, no latent space";

    /// <inheritdoc/>
    public override IReadOnlyList<ModelOption> Options { get; } = [ModelOptions.PixelCnnChannels, ModelOptions.PixelCnnBlocks];

    /// <inheritdoc/>
    public override void Validate(ModelSpec spec)
    {
        if (spec.Likelihood != "bernoulli") throw new InvalidSettingException(nameof(ModelSpec.Likelihood), $"The pixelcnn has a Bernoulli likelihood per pixel (binarized images), not \"{spec.Likelihood}\".");
        if (spec.Prior != "standard-normal") throw new InvalidSettingException(nameof(ModelSpec.Prior), $"The pixelcnn has no latent space, so no \"{spec.Prior}\" prior.");
        if (spec.PixelCnnChannels < 2) throw new InvalidSettingException(nameof(ModelSpec.PixelCnnChannels), $"The pixelcnn needs at least 2 feature channels, not {spec.PixelCnnChannels}.");
        if (spec.PixelCnnBlocks < 0) throw new InvalidSettingException(nameof(ModelSpec.PixelCnnBlocks), $"The number of residual blocks must not be negative, not {spec.PixelCnnBlocks}.");
    }

    /// <inheritdoc/>
    public override void ValidateImages(ModelSpec spec)
    {
        if (spec.Channels != 1)
            throw new InvalidSettingException(nameof(ModelSpec.Kind),
                $"The pixelcnn needs single-channel binarized images; these are {spec.Channels}x{spec.Height}x{spec.Width}. Use a kind with a latent space (vae, conv-vae) for colour images.");
    }

    /// <inheritdoc/>
    public override LatentModel Build(ModelSpec spec, Rng rng) => new PixelCnn(spec, rng);

    /// <inheritdoc/>
    public override double EstimatedParameters(ModelSpec spec) => VaeParts.PixelCnn(spec);

    /// <inheritdoc/>
    public override string Describe(ModelSpec spec) =>
        $"{spec.Kind} {spec.Channels}x{spec.Height}x{spec.Width} → masked conv {spec.PixelCnnChannels} channels, 7x7 type A + {spec.PixelCnnBlocks} residual 3x3 type B → Bernoulli logits per pixel";
}
