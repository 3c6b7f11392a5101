using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models.Catalog;

/// <summary>"vae": the variational autoencoder with MLP encoder and decoder, any likelihood of an MLP decoder and any prior.</summary>
public sealed class VaeKind : ModelKind
{
    /// <inheritdoc/>
    public override string Name => "vae";

    /// <inheritdoc/>
    public override string Description => "variational autoencoder with MLP encoder and decoder";

    /// <inheritdoc/>
    public override IReadOnlyList<ModelOption> Options { get; } =
    [
        ModelOptions.Latent, ModelOptions.Hidden, ModelOptions.MlpActivation, ModelOptions.Likelihood(ModelOptions.VaeLikelihoods), ModelOptions.Variance, ModelOptions.MixtureComponents,
        ModelOptions.Prior([.. ModelCatalog.Priors.Select(p => p.Name)]), ModelOptions.PriorComponents, .. ModelOptions.Flows,
    ];

    /// <inheritdoc/>
    public override void Validate(ModelSpec spec)
    {
        VaeParts.ValidatePrior(spec);
        VaeParts.ValidateFlows(spec);
        VaeParts.ValidateEightBitLikelihood(spec);
    }

    /// <summary>Encoder D → Hidden → 2L (μ, log σ²) (+ the IAF's context), decoder L → reversed Hidden → P·D (P outputs per sub-pixel, <see cref="VaeParts.OutputsPerValue"/>).</summary>
    public override LatentModel Build(ModelSpec spec, Rng rng)
    {
        int d = spec.Dimensions, l = spec.LatentSize;
        return VaeParts.Assemble(spec, rng,
            Mlp.Build(d, spec.Hidden, VaeParts.EncoderOutputs(spec), spec.Activation, rng),
            Mlp.Build(l, spec.Hidden.Reverse().ToArray(), VaeParts.DecoderOutputs(spec), spec.Activation, rng));
    }

    /// <inheritdoc/>
    public override double EstimatedParameters(ModelSpec spec) =>
        VaeParts.Mlp(spec.Dimensions, spec.Hidden, VaeParts.EncoderOutputs(spec), VaeParts.Gated(spec)) + VaeParts.Mlp(spec.LatentSize, spec.Hidden.Reverse(), VaeParts.DecoderOutputs(spec), VaeParts.Gated(spec))
        + VaeParts.Likelihood(spec) + VaeParts.Prior(spec) + VaeParts.PosteriorFlow(spec);

    /// <inheritdoc/>
    public override string Describe(ModelSpec spec) => VaeParts.Describe(spec, VaeParts.List(spec.Hidden), $"{spec.LatentSize}");
}
