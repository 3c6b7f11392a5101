using LatentSharp.Tensors;

namespace LatentSharp.Models.Catalog;

/// <summary>
/// "row-lstm" and "diagonal-bilstm": the two <see cref="PixelRnn"/>s, <see cref="RowLstm"/> and <see cref="DiagonalBiLstm"/>,
/// exact likelihoods of binarized or 8-bit images without a latent space. Their two settings are the pixelcnn's fields
/// of <see cref="ModelSpec"/> under names of their own: the hidden channels h and the number of LSTM layers.
/// </summary>
public sealed class PixelRnnKind : ModelKind
{
    /// <summary>The channels of the feature maps and of each LSTM's hidden and cell state.</summary>
    public static ModelOption<int> LstmHidden { get; } = new("lstm-hidden", nameof(ModelSpec.PixelCnnChannels),
        "Channels of the PixelRNN's feature maps and of each LSTM's hidden and cell state (its gates have four times as many).",
        s => s.PixelCnnChannels, (s, v) => s with { PixelCnnChannels = v }) { IsSize = true };

    /// <summary>The number of LSTM layers after the 7×7 type-A convolution.</summary>
    public static ModelOption<int> LstmLayers { get; } = new("lstm-layers", nameof(ModelSpec.PixelCnnBlocks),
        "LSTM layers of the PixelRNN (each with a residual connection) after the 7x7 type-A convolution.",
        s => s.PixelCnnBlocks, (s, v) => s with { PixelCnnBlocks = v });

    private readonly bool _diagonal;

    /// <param name="diagonal">True for "diagonal-bilstm", false for "row-lstm".</param>
    public PixelRnnKind(bool diagonal) => _diagonal = diagonal;

    /// <inheritdoc/>
    public override string Name => _diagonal ? "diagonal-bilstm" : "row-lstm";

    /// <inheritdoc/>
    public override TermsKind Terms => TermsKind.Exact;

    /// <inheritdoc/>
    public override string Description => _diagonal
        ? "PixelRNN Diagonal BiLSTM: two LSTMs along the diagonals of the skewed image (the right one shifted down a row), residual, exact likelihood of binarized images (Bernoulli) or 8-bit images (256-way softmax per sub-pixel, R → G → B masks; discretized logistic mixture)"
        : "PixelRNN Row LSTM: an LSTM down the image row by row (masked 1-D input-to-state convolution), residual, exact likelihood of binarized images (Bernoulli) or 8-bit images (256-way softmax per sub-pixel, R → G → B masks; discretized logistic mixture)";

    /// <inheritdoc/>
    public override IReadOnlyList<ModelOption> Options { get; } = [LstmHidden, LstmLayers, AutoregressiveLikelihood.Option, ModelOptions.MixtureComponents];

    /// <inheritdoc/>
    public override ModelSpec Defaults => base.Defaults with { PixelCnnChannels = 16, PixelCnnBlocks = 2 };

    /// <inheritdoc/>
    public override void Validate(ModelSpec spec)
    {
        AutoregressiveLikelihood.Validate(Name, spec);
        if (spec.Prior != "standard-normal") throw new InvalidSettingException(nameof(ModelSpec.Prior), $"The {Name} has no latent space, so no \"{spec.Prior}\" prior.");
        if (spec.PixelCnnChannels < 1) throw new InvalidSettingException(nameof(ModelSpec.PixelCnnChannels), $"The {Name} needs at least 1 hidden channel, not {spec.PixelCnnChannels}.");
        if (spec.PixelCnnBlocks < 0) throw new InvalidSettingException(nameof(ModelSpec.PixelCnnBlocks), $"The number of LSTM layers must not be negative, not {spec.PixelCnnBlocks}.");
    }

    /// <inheritdoc/>
    public override void ValidateImages(ModelSpec spec)
    {
        AutoregressiveLikelihood.ValidateImages(Name, spec, channelsMultipleOf: true);
    }

    /// <inheritdoc/>
    public override LatentModel Build(ModelSpec spec, Rng rng) => _diagonal ? new DiagonalBiLstm(spec, rng) : new RowLstm(spec, rng);

    /// <summary>
    /// The 7×7 type-A convolution (1 → h, all 49 taps stored), per layer the LSTM kernels (Row: 1×2 with bias and 1×3, h → 4h;
    /// Diagonal: per direction a 1×1 with bias and a 2×1, h → 4h) and the residual 1×1 (h → h), then the head's 1×1s.
    /// </summary>
    public override double EstimatedParameters(ModelSpec spec)
    {
        double h = spec.PixelCnnChannels;
        double lstm = _diagonal ? 2 * (4 * h * h + 4 * h + 8 * h * h) : 8 * h * h + 4 * h + 12 * h * h;
        return PixelRnn.FirstKernel * PixelRnn.FirstKernel * h + h + spec.PixelCnnBlocks * (lstm + h * h + h) + h * h + h + h + 1
            + AutoregressiveLikelihood.ExtraParameters(spec, PixelRnn.FirstKernel * PixelRnn.FirstKernel * h, h);
    }

    /// <inheritdoc/>
    public override string Describe(ModelSpec spec) =>
        $"{spec.Kind} {spec.Channels}x{spec.Height}x{spec.Width} → 7x7 type A {spec.PixelCnnChannels} channels + {spec.PixelCnnBlocks} {(_diagonal ? "diagonal BiLSTM" : "row LSTM")} layers (residual) → {AutoregressiveLikelihood.Describe(spec)}";
}
