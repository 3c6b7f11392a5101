using LatentSharp.Tensors;

namespace LatentSharp.Models.Catalog;

/// <summary>
/// "gated-pixelcnn" and "cgated-pixelcnn": the <see cref="GatedPixelCnn"/>, an exact likelihood of binarized or 8-bit
/// images without a latent space, unconditional or conditioned on the class label (its classes come from the data).
/// Its two settings are the pixelcnn's fields of <see cref="ModelSpec"/> under names of its own: the channels p of each
/// stack and the number of gated type-B layers after the first.
/// </summary>
public sealed class GatedPixelCnnKind : ModelKind
{
    /// <summary>"gated-channels": p, the channels of each stack (<see cref="ModelSpec.PixelCnnChannels"/>).</summary>
    public static ModelOption<int> GatedChannels { get; } = new("gated-channels", nameof(ModelSpec.PixelCnnChannels),
        "Channels of each stack of the gated PixelCNN (its gates have twice as many).",
        s => s.PixelCnnChannels, (s, v) => s with { PixelCnnChannels = v }) { IsSize = true };

    /// <summary>"gated-layers": the gated type-B layers after the first (<see cref="ModelSpec.PixelCnnBlocks"/>).</summary>
    public static ModelOption<int> GatedLayers { get; } = new("gated-layers", nameof(ModelSpec.PixelCnnBlocks),
        "Gated 3x3 type-B layers (both stacks, residual and skip) after the 7x7 type-A one.",
        s => s.PixelCnnBlocks, (s, v) => s with { PixelCnnBlocks = v });

    private readonly bool _conditional;

    /// <param name="conditional">True for "cgated-pixelcnn" (a class bias on every gate), false for "gated-pixelcnn".</param>
    public GatedPixelCnnKind(bool conditional) => _conditional = conditional;

    /// <inheritdoc/>
    public override string Name => _conditional ? "cgated-pixelcnn" : "gated-pixelcnn";

    /// <inheritdoc/>
    public override TermsKind Terms => TermsKind.Exact;

    /// <inheritdoc/>
    public override bool IsConditional => _conditional;

    /// <inheritdoc/>
    public override string Description => _conditional
        ? "gated PixelCNN conditioned on the class: vertical and horizontal stacks (no blind spot), tanh ⊙ sigmoid gates with a class bias, exact likelihood of binarized or 8-bit images"
        : "gated PixelCNN: vertical and horizontal stacks (no blind spot), tanh ⊙ sigmoid gates, residual and skip connections, exact likelihood of binarized or 8-bit images";

    /// <inheritdoc/>
    public override IReadOnlyList<ModelOption> Options { get; } = [GatedChannels, GatedLayers, AutoregressiveLikelihood.Option, ModelOptions.MixtureComponents];

    /// <inheritdoc/>
    public override ModelSpec Defaults => base.Defaults with { PixelCnnChannels = 32, PixelCnnBlocks = 5 };

    /// <inheritdoc/>
    public override void Validate(ModelSpec spec)
    {
        AutoregressiveLikelihood.Validate(Name, spec);
        if (spec.Prior != "standard-normal") throw new InvalidSettingException(nameof(ModelSpec.Prior), $"The {Name} has no latent space, so no \"{spec.Prior}\" prior.");
        if (spec.PixelCnnChannels < 1) throw new InvalidSettingException(nameof(ModelSpec.PixelCnnChannels), $"The {Name} needs at least 1 channel per stack, not {spec.PixelCnnChannels}.");
        if (spec.PixelCnnBlocks < 0) throw new InvalidSettingException(nameof(ModelSpec.PixelCnnBlocks), $"The number of gated layers must not be negative, not {spec.PixelCnnBlocks}.");
    }

    /// <inheritdoc/>
    public override void ValidateImages(ModelSpec spec)
    {
        AutoregressiveLikelihood.ValidateImages(Name, spec, channelsMultipleOf: true);
    }

    /// <inheritdoc/>
    public override LatentModel Build(ModelSpec spec, Rng rng) => new GatedPixelCnn(spec, rng);

    /// <summary>
    /// Per layer: both stacks' k×k kernels (1 → 2p, then p → 2p), the vertical-to-horizontal 1×1 (2p → 2p), the skip and
    /// residual 1×1s (p → p; the last layer has no residual), the class biases (C → 2p, twice); then the head's 1×1s. Masked
    /// taps count: they are stored.
    /// </summary>
    public override double EstimatedParameters(ModelSpec spec)
    {
        double p = spec.PixelCnnChannels, first = GatedPixelCnn.FirstKernel * GatedPixelCnn.FirstKernel, later = GatedPixelCnn.Kernel * GatedPixelCnn.Kernel;
        double perLayer = 4 * p * p + p * p + 4 * p * spec.Classes;
        double firstLayer = 2 * first * 2 * p + perLayer;
        double laterLayer = 2 * later * p * 2 * p + perLayer + p * p;
        return firstLayer + spec.PixelCnnBlocks * laterLayer - (spec.PixelCnnBlocks > 0 ? p * p : 0) + p * p + p
            + AutoregressiveLikelihood.ExtraParameters(spec, 2 * first * 2 * p, p);
    }

    /// <inheritdoc/>
    public override string Describe(ModelSpec spec) =>
        $"{spec.Kind} {spec.Channels}x{spec.Height}x{spec.Width} → gated stacks {spec.PixelCnnChannels} channels, 7x7 type A + {spec.PixelCnnBlocks} gated 3x3 type B{(spec.Classes > 0 ? $", class bias ({spec.Classes} classes)" : "")} → {AutoregressiveLikelihood.Describe(spec)}";
}
