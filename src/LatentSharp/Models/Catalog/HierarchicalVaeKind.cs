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
                ModelOptions.LatentSizes, ModelOptions.LatentMaps, ModelOptions.Hidden, ModelOptions.ConvChannels, ModelOptions.Activation,
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
        if (spec.LatentMaps < 0)
            throw new InvalidSettingException(nameof(ModelSpec.LatentMaps), $"The number of latent maps is 0 (z_1 a vector) or more, not {spec.LatentMaps}.");
        if (spec.LatentMaps > 0 && !_convolutional)
            throw new InvalidSettingException(nameof(ModelSpec.LatentMaps), "Latent maps need the convolutional encoder and decoder of a conv-hvae; an hvae's z_1 is a vector (LatentMaps = 0).");
        int[] sizes = Sizes(spec);
        if (sizes.Length < (spec.LatentMaps > 0 ? 1 : 2) || sizes.Any(l => l < 1))
            throw new InvalidSettingException(nameof(ModelSpec.LatentSizes), spec.LatentMaps > 0
                ? $"With latent maps as z_1, the latent sizes are the layers above it (z_2 first), at least one of positive size, e.g. 16,8; got [{string.Join(", ", sizes)}]."
                : $"An hvae needs at least two stochastic layers of positive size (z_1 first), e.g. 64,32; got [{string.Join(", ", sizes)}].");
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

    /// <summary>z_1's size when it is <see cref="ModelSpec.LatentMaps"/> maps at the first convolution's resolution.</summary>
    private static int MapValues(ModelSpec spec) => spec.LatentMaps * (spec.Height / 2) * (spec.Width / 2);

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
        int[] sizes = Sizes(spec), layerSizes = LayerSizes(spec);
        spec = spec with { LatentSizes = sizes, LatentSize = layerSizes.Sum() };
        Activation activation = ActivationFactory.Parse(spec.Activation);
        if (spec.LatentMaps > 0) return BuildWithLatentMaps(spec, layerSizes, activation, rng);
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

    /// <summary>
    /// The conv-hvae whose z_1 is C = <see cref="ModelSpec.LatentMaps"/> maps of (H/2)×(W/2), with c_1 the first convolution
    /// width: up_1 is the first convolution, head_1 a 3×3 convolution c_1 → 2C (μ̂ maps, then log σ̂² maps: flat, the
    /// [B, 2L_1] layout of every head); up_2 the remaining convolutions, Linear → H and the activation; down_1 the decoder up
    /// to the first convolution's maps, then a 3×3 convolution c_1 → 2C; the decoder a 3×3 convolution C → c_1, the
    /// activation and the last transposed convolution. The layers above z_2 are as in <see cref="Build"/>.
    /// </summary>
    private static HierarchicalVae BuildWithLatentMaps(ModelSpec spec, int[] sizes, Activation activation, Rng rng)
    {
        int n = sizes.Length, h = spec.Hidden[^1], first = spec.ConvChannels[0], maps = spec.LatentMaps;
        int mapHeight = spec.Height / 2, mapWidth = spec.Width / 2;
        Sequential MapHead() => new(new Unflatten(first, mapHeight, mapWidth), new Conv2d(first, 2 * maps, 3, rng, 1, 1), new Flatten());

        var up = new Layer[n];
        var heads = new Layer[n];
        var down = new Layer[n - 1];
        up[0] = ConvVae.FirstConvolution(spec, rng);
        heads[0] = MapHead();
        down[0] = new Sequential(ConvVae.DecoderToFirstMaps(spec, sizes[1], rng), MapHead());
        for (int i = 1; i < n; i++)
        {
            up[i] = i == 1
                ? new Sequential(ConvVae.EncoderAfterFirstConvolution(spec, h, rng), ActivationFactory.Create(activation))
                : DeterministicBlock(h, spec.Hidden, activation, rng);
            heads[i] = new Linear(h, 2 * sizes[i], rng);
            if (i < n - 1) down[i] = Mlp.Build(sizes[i + 1], spec.Hidden, 2 * sizes[i], activation, rng);
        }
        Layer decoder = new Sequential(
            new Unflatten(maps, mapHeight, mapWidth), new Conv2d(maps, first, 3, rng, 1, 1), ActivationFactory.Create(activation), new Flatten(),
            ConvVae.LastTransposedConvolution(spec, first, VaeParts.DecoderChannels(spec), rng));
        return new HierarchicalVae(spec, up, heads, down, decoder, VaeParts.HierarchicalObservation(spec, rng), sizes);
    }

    /// <summary>Both bodies are counted whichever is built: an upper bound is what the memory check needs.</summary>
    public override double EstimatedParameters(ModelSpec spec)
    {
        int[] sizes = Sizes(spec);
        var (convolutions, innermost) = VaeParts.Convolutions(spec);
        double last = spec.Hidden.Length == 0 ? 1 : spec.Hidden[^1];
        double d = spec.Dimensions;
        if (_convolutional && spec.LatentMaps > 0 && sizes.Length > 0 && spec.ConvChannels.Length > 0)
        {
            sizes = LayerSizes(spec);
            // The map layer's 3x3 convolutions (head, prior, decoder) in place of its dense blocks; the layers above as below.
            double first = spec.ConvChannels[0], maps = spec.LatentMaps;
            double above = sizes.Skip(1).Select((size, i) => VaeParts.Mlp(last, spec.Hidden, 2 * size) + (i + 2 < sizes.Length ? VaeParts.Mlp(sizes[i + 2], spec.Hidden, 2 * size) : 0)).Sum();
            return 2 * (convolutions + innermost * last) + innermost * sizes[1] + 3 * 9 * first * 2 * maps
                + VaeParts.Mlp(last, spec.Hidden, 1) * (sizes.Length - 2) + above + VaeParts.EightBitHead(spec) + VaeParts.Likelihood(spec);
        }
        return 2 * VaeParts.Mlp(d, spec.Hidden, 1) + 2 * (convolutions + innermost * last)
            + sizes.Select((size, i) => VaeParts.Mlp(last, spec.Hidden, 2 * size) + (i + 1 < sizes.Length ? VaeParts.Mlp(sizes[i + 1], spec.Hidden, 2 * size) : 0)).Sum()
            + VaeParts.Mlp(sizes[0], spec.Hidden, VaeParts.DecoderOutputs(spec)) + VaeParts.EightBitHead(spec) + VaeParts.Likelihood(spec);
    }

    /// <inheritdoc/>
    public override string Describe(ModelSpec spec)
    {
        string body = _convolutional ? $"conv {VaeParts.List(spec.ConvChannels)} + {VaeParts.List(spec.Hidden)}" : VaeParts.List(spec.Hidden);
        string latent = spec.LatentSizes.Length == 0 ? $"{spec.LatentSize}"
            : spec.LatentMaps > 0 ? $"z [{spec.LatentMaps}x{spec.Height / 2}x{spec.Width / 2}, {string.Join(", ", spec.LatentSizes)}]"
            : $"z {VaeParts.List(spec.LatentSizes)}";
        return VaeParts.Describe(spec, body, latent);
    }

    private static int[] Sizes(ModelSpec spec) => spec.LatentSizes.Length == 0 ? [.. ModelSpec.DefaultLatentSizes] : spec.LatentSizes;

    /// <summary>L_1 … L_N: the listed sizes, after z_1's maps' values when z_1 is maps (<see cref="ModelSpec.LatentMaps"/>).</summary>
    private static int[] LayerSizes(ModelSpec spec) => spec.LatentMaps > 0 ? [MapValues(spec), .. Sizes(spec)] : Sizes(spec);

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
