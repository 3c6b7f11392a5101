using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models.Catalog;

/// <summary>"cvae": a <see cref="VaeKind"/> conditioned on the one-hot class label, which enters encoder and decoder.</summary>
public sealed class ConditionalVaeKind : ModelKind
{
    /// <inheritdoc/>
    public override string Name => "cvae";

    /// <inheritdoc/>
    public override string Description => "conditional VAE p(x|y): the one-hot label enters the MLP encoder and decoder";

    /// <inheritdoc/>
    public override IReadOnlyList<ModelOption> Options { get; } =
    [
        ModelOptions.Latent, ModelOptions.Hidden, ModelOptions.MlpActivation, ModelOptions.Likelihood(ModelOptions.VaeLikelihoods), ModelOptions.Variance, ModelOptions.MixtureComponents,
        ModelOptions.Prior(["standard-normal", "mog"]), ModelOptions.PriorComponents,
    ];

    /// <inheritdoc/>
    public override bool IsConditional => true;

    /// <inheritdoc/>
    public override void Validate(ModelSpec spec)
    {
        if (spec.Prior == "vamp") throw new InvalidSettingException(nameof(ModelSpec.Prior), "The VampPrior needs an unconditional encoder; a cvae takes the \"standard-normal\" or \"mog\" prior.");
        VaeParts.ValidatePrior(spec);
        VaeParts.ValidateEightBitLikelihood(spec);
    }

    /// <summary>MLP bodies one-hot-label wider: encoder [x, y] (D + C) → 2L, decoder [z, y] (L + C) → P·D (<see cref="VaeParts.OutputsPerValue"/>).</summary>
    public override LatentModel Build(ModelSpec spec, Rng rng)
    {
        if (spec.Classes < 2) throw new InvalidSettingException(nameof(ModelSpec.Classes), $"A cvae needs the number of classes (at least 2), not {spec.Classes}.");
        int d = spec.Dimensions, l = spec.LatentSize, c = spec.Classes;
        return VaeParts.Assemble(spec, rng,
            Mlp.Build(d + c, spec.Hidden, VaeParts.EncoderOutputs(spec), spec.Activation, rng),
            Mlp.Build(l + c, spec.Hidden.Reverse().ToArray(), VaeParts.DecoderOutputs(spec), spec.Activation, rng));
    }

    /// <inheritdoc/>
    public override double EstimatedParameters(ModelSpec spec) =>
        VaeParts.Mlp((double)spec.Dimensions + spec.Classes, spec.Hidden, 2.0 * spec.LatentSize, VaeParts.Gated(spec))
        + VaeParts.Mlp((double)spec.LatentSize + spec.Classes, spec.Hidden.Reverse(), VaeParts.DecoderOutputs(spec), VaeParts.Gated(spec))
        + VaeParts.Likelihood(spec) + VaeParts.Prior(spec);

    /// <inheritdoc/>
    public override string Describe(ModelSpec spec) => VaeParts.Describe(spec, VaeParts.List(spec.Hidden), $"{spec.LatentSize}");
}
