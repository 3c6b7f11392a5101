using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models.Catalog;

/// <summary>
/// "hvae" and "conv-hvae": the ladder VAE (<see cref="HierarchicalVae"/>) with MLP blocks, or with the conv-vae's
/// convolutions as its first bottom-up block and its decoder. Its latent size is the sum of its layers' sizes.
/// </summary>
public sealed class HierarchicalVaeKind : ModelKind
{
    private readonly bool _convolutional;

    /// <param name="convolutional">True for "conv-hvae", false for "hvae".</param>
    public HierarchicalVaeKind(bool convolutional)
    {
        _convolutional = convolutional;
        Options = convolutional
            ?
            [
                ModelOptions.LatentSizes, ModelOptions.Hidden, ModelOptions.ConvChannels, ModelOptions.Activation,
                ModelOptions.Likelihood(ModelOptions.ConvolutionalLikelihoods), ModelOptions.Variance, VaeParts.MixtureComponentsWithPixelHead,
                ModelOptions.PixelCnnChannels with { InUse = s => s.Likelihood == "pixelcnn" }, ModelOptions.PixelCnnBlocks, ModelOptions.PixelCnnConditioning, ModelOptions.PixelCnnHead,
            ]
            : [ModelOptions.LatentSizes, ModelOptions.Hidden, ModelOptions.Activation, ModelOptions.Likelihood(ModelOptions.VaeLikelihoods), ModelOptions.Variance, ModelOptions.MixtureComponents];
    }

    /// <inheritdoc/>
    public override string Name => _convolutional ? "conv-hvae" : "hvae";

    /// <inheritdoc/>
    public override string Description => _convolutional
        ? "hierarchical (ladder) VAE whose first bottom-up block and decoder are convolutional (as conv-vae's, so height and width divide by 2^(number of conv channels))"
        : "hierarchical (ladder) VAE: stochastic layers z_N → … → z_1 → x with top-down inference, MLP blocks";

    /// <inheritdoc/>
    public override IReadOnlyList<ModelOption> Options { get; }

    /// <summary>The layer sizes spelled out, so that the settings show what is built.</summary>
    public override ModelSpec Defaults => base.Defaults with { LatentSizes = [.. ModelSpec.DefaultLatentSizes] };

    /// <inheritdoc/>
    public override void Validate(ModelSpec spec)
    {
        int[] sizes = Sizes(spec);
        if (sizes.Length < 2 || sizes.Any(l => l < 1))
            throw new InvalidSettingException(nameof(ModelSpec.LatentSizes), $"An hvae needs at least two stochastic layers of positive size (z_1 first), e.g. 64,32; got [{string.Join(", ", sizes)}].");
        if (spec.Prior != "standard-normal")
            throw new InvalidSettingException(nameof(ModelSpec.Prior), $"An hvae's top layer has the standard-normal prior; the lower layers' priors are learned top-down. The \"{spec.Prior}\" prior is for the one-layer kinds.");
        if (spec.Hidden.Length == 0) throw new InvalidSettingException(nameof(ModelSpec.Hidden), "An hvae needs at least one hidden width for its deterministic blocks.");
        VaeParts.ValidateEightBitLikelihood(spec);
        if (_convolutional)
        {
            VaeParts.ValidateConvolutions(spec);
            VaeParts.ValidatePixelCnnLikelihood(spec);
            VaeParts.ValidatePixelCnnHead(spec);
        }
    }

    /// <inheritdoc/>
    public override void ValidateImages(ModelSpec spec)
    {
        if (_convolutional) VaeParts.ValidateConvolutionalImages(spec);
    }

    /// <summary>
    /// MLP blocks, with H = the last of <see cref="ModelSpec.Hidden"/>: up_1 D → Hidden (activation after each layer),
    /// up_i (i &gt; 1) H → Hidden, head_i Linear H → 2L_i, down_i MLP L_{i+1} → Hidden → 2L_i, decoder MLP L_1 → reversed
    /// Hidden → P·D (<see cref="VaeParts.OutputsPerValue"/>). The "conv-hvae" kind replaces up_1 by the conv-vae encoder body (stride-2 convolutions of
    /// <see cref="ModelSpec.ConvChannels"/>, then Linear → H and the activation) and the decoder by the conv-vae decoder.
    /// Empty <see cref="ModelSpec.LatentSizes"/> become <see cref="ModelSpec.DefaultLatentSizes"/> and
    /// <see cref="ModelSpec.LatentSize"/> becomes their sum in the model's spec.
    /// </summary>
    public override LatentModel Build(ModelSpec spec, Rng rng)
    {
        int[] sizes = Sizes(spec);
        spec = spec with { LatentSizes = sizes, LatentSize = sizes.Sum() };
        Activation activation = ActivationFactory.Parse(spec.Activation);
        int d = spec.Dimensions, h = spec.Hidden[^1], n = sizes.Length;
        var up = new Layer[n];
        var heads = new Layer[n];
        var down = new Layer[n - 1];
        for (int i = 0; i < n; i++)
        {
            up[i] = i == 0 && _convolutional
                ? new Sequential(ConvVae.Encoder(spec, h, rng), ActivationFactory.Create(activation))
                : DeterministicBlock(i == 0 ? d : h, spec.Hidden, activation, rng);
            heads[i] = new Linear(h, 2 * sizes[i], rng);
            if (i < n - 1) down[i] = Mlp.Build(sizes[i + 1], spec.Hidden, 2 * sizes[i], activation, rng);
        }
        Layer decoder = _convolutional
            ? ConvVae.Decoder(spec, sizes[0], rng, VaeParts.DecoderChannels(spec))
            : Mlp.Build(sizes[0], spec.Hidden.Reverse().ToArray(), VaeParts.DecoderOutputs(spec), activation, rng);
        return new HierarchicalVae(spec, up, heads, down, decoder, VaeParts.HierarchicalObservation(spec, rng));
    }

    /// <summary>Both bodies are counted whichever is built: an upper bound is what the memory check needs.</summary>
    public override double EstimatedParameters(ModelSpec spec)
    {
        int[] sizes = Sizes(spec);
        var (convolutions, innermost) = VaeParts.Convolutions(spec);
        double last = spec.Hidden.Length == 0 ? 1 : spec.Hidden[^1];
        double d = spec.Dimensions;
        return 2 * VaeParts.Mlp(d, spec.Hidden, 1) + 2 * (convolutions + innermost * last)
            + sizes.Select((size, i) => VaeParts.Mlp(last, spec.Hidden, 2 * size) + (i + 1 < sizes.Length ? VaeParts.Mlp(sizes[i + 1], spec.Hidden, 2 * size) : 0)).Sum()
            + VaeParts.Mlp(sizes[0], spec.Hidden, VaeParts.DecoderOutputs(spec)) + VaeParts.EightBitHead(spec) + VaeParts.Likelihood(spec);
    }

    /// <inheritdoc/>
    public override string Describe(ModelSpec spec)
    {
        string body = _convolutional ? $"conv {VaeParts.List(spec.ConvChannels)} + {VaeParts.List(spec.Hidden)}" : VaeParts.List(spec.Hidden);
        string latent = spec.LatentSizes.Length > 0 ? $"z {VaeParts.List(spec.LatentSizes)}" : $"{spec.LatentSize}";
        return VaeParts.Describe(spec, body, latent);
    }

    private static int[] Sizes(ModelSpec spec) => spec.LatentSizes.Length == 0 ? [.. ModelSpec.DefaultLatentSizes] : spec.LatentSizes;

    /// <summary>input → hidden[0] → … → hidden[^1], each Linear followed by the activation. [B, input] → [B, hidden[^1]]</summary>
    private static Sequential DeterministicBlock(int input, int[] hidden, Activation activation, Rng rng)
    {
        var layers = new List<Layer>();
        foreach (int width in hidden)
        {
            layers.Add(new Linear(input, width, rng));
            layers.Add(ActivationFactory.Create(activation));
            input = width;
        }
        return new Sequential([.. layers]);
    }
}
