using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models.Catalog;

/// <summary>"ae": the deterministic <see cref="Autoencoder"/>; its likelihood setting is its reconstruction loss.</summary>
public sealed class AutoencoderKind : ModelKind
{
    /// <inheritdoc/>
    public override string Name => "ae";

    /// <inheritdoc/>
    public override TermsKind Terms => TermsKind.Reconstruction;

    /// <inheritdoc/>
    public override string Description => "deterministic autoencoder with MLP encoder and decoder";

    /// <inheritdoc/>
    public override IReadOnlyList<ModelOption> Options { get; } =
    [
        ModelOptions.Latent, ModelOptions.Hidden, ModelOptions.MlpActivation, ModelOptions.Likelihood(["bce", "mse"]),
    ];

    /// <summary>Binary cross-entropy: the reconstruction term of a Bernoulli VAE, so the two compare.</summary>
    public override ModelSpec Defaults => base.Defaults with { Likelihood = "bce" };

    /// <inheritdoc/>
    public override void Validate(ModelSpec spec)
    {
        if (spec.Prior != "standard-normal") throw new InvalidSettingException(nameof(ModelSpec.Prior), $"An autoencoder has no prior; the \"{spec.Prior}\" prior needs a VAE kind.");
    }

    /// <summary>Encoder D → Hidden → L, decoder L → reversed Hidden → D.</summary>
    public override LatentModel Build(ModelSpec spec, Rng rng)
    {
        int d = spec.Dimensions, l = spec.LatentSize;
        return new Autoencoder(spec,
            Mlp.Build(d, spec.Hidden, l, spec.Activation, rng),
            Mlp.Build(l, spec.Hidden.Reverse().ToArray(), d, spec.Activation, rng));
    }

    /// <inheritdoc/>
    public override double EstimatedParameters(ModelSpec spec) =>
        VaeParts.Mlp(spec.Dimensions, spec.Hidden, 2.0 * spec.LatentSize, VaeParts.Gated(spec)) + VaeParts.Mlp(spec.LatentSize, spec.Hidden.Reverse(), spec.Dimensions, VaeParts.Gated(spec));

    /// <inheritdoc/>
    public override string Describe(ModelSpec spec) => VaeParts.Describe(spec, VaeParts.List(spec.Hidden), $"{spec.LatentSize}");
}
