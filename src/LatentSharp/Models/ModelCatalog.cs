using LatentSharp.Distributions;
using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// From a <see cref="ModelSpec"/> to a freshly initialised model: the one place that knows every kind.
/// Every VAE kind is the one <see cref="Vae"/> class with other parts: bodies by kind, the likelihood by
/// <see cref="ModelSpec.Likelihood"/>, the prior by <see cref="ModelSpec.Prior"/>.
/// </summary>
public static class ModelCatalog
{
    private static readonly Dictionary<string, (string Description, Func<ModelSpec, Rng, LatentModel> Build)> Kinds = new(StringComparer.Ordinal)
    {
        ["vae"] = ("variational autoencoder with MLP encoder and decoder", BuildVae),
        ["ae"] = ("deterministic autoencoder with MLP encoder and decoder", BuildAutoencoder),
        ["conv-vae"] = ("variational autoencoder with convolutional encoder and transposed-convolution decoder", BuildConvVae),
        ["cvae"] = ("conditional VAE p(x|y): the one-hot label enters the MLP encoder and decoder", BuildConditionalVae),
        ["hvae"] = ("hierarchical (ladder) VAE: stochastic layers z_N → … → z_1 → x with top-down inference, MLP blocks", BuildHierarchicalVae),
        ["conv-hvae"] = ("hierarchical (ladder) VAE whose first bottom-up block and decoder are convolutional (as conv-vae's)", BuildHierarchicalVae),
        ["pixelcnn"] = ("PixelCNN: masked convolutions, exact Bernoulli likelihood of binarized images, no latent space", BuildPixelCnn),
    };

    /// <summary>The priors a VAE kind can use (<see cref="ModelSpec.Prior"/>).</summary>
    public static IReadOnlyList<(string Name, string Description)> Priors { get; } =
    [
        ("standard-normal", "N(0, I), closed-form KL"),
        ("mog", "learnable mixture of K Gaussians, Monte Carlo KL"),
        ("vamp", "VampPrior: mixture of the posteriors at K learnable pseudo-inputs, Monte Carlo KL"),
    ];

    public static IEnumerable<(string Kind, string Description)> Available => Kinds.Select(k => (k.Key, k.Value.Description));

    /// <summary>The largest width of any layer, latent size, channel count or number of prior components.</summary>
    public const int MaxWidth = 1 << 20;

    /// <summary>The most parameters a model may have: 1 GB of float32 weights (about 4 GB while training with Adam).</summary>
    public const long MaxParameters = 1L << 28;

    /// <summary>
    /// Checks the settings that do not depend on the data (the kind, the sizes and their limits), so that a front end can
    /// refuse them before loading anything. <see cref="Build"/> checks them again, with the rest.
    /// </summary>
    public static void Validate(ModelSpec spec)
    {
        if (!Kinds.ContainsKey(spec.Kind))
            throw new InvalidSettingException(nameof(ModelSpec.Kind), $"Unknown model kind \"{spec.Kind}\"; known kinds: {string.Join(", ", Kinds.Keys)}.");
        if (spec.LatentSize < 1 || spec.LatentSize > MaxWidth)
            throw new InvalidSettingException(nameof(ModelSpec.LatentSize), $"The latent size must be from 1 to {MaxWidth}, not {spec.LatentSize}.");
        CheckWidths(spec.Hidden, nameof(ModelSpec.Hidden), "Hidden layer widths");
        CheckWidths(spec.ConvChannels, nameof(ModelSpec.ConvChannels), "Convolution channels");
        CheckWidths(spec.LatentSizes, nameof(ModelSpec.LatentSizes), "Stochastic layer sizes");
        if (spec.PixelCnnChannels > MaxWidth)
            throw new InvalidSettingException(nameof(ModelSpec.PixelCnnChannels), $"The pixelcnn's channels must be at most {MaxWidth}, not {spec.PixelCnnChannels}.");
        if (spec.PriorComponents > MaxWidth)
            throw new InvalidSettingException(nameof(ModelSpec.PriorComponents), $"The prior's components must be at most {MaxWidth}, not {spec.PriorComponents}.");
        if (spec.Classes < 0) throw new InvalidSettingException(nameof(ModelSpec.Classes), $"The number of classes must not be negative, not {spec.Classes}.");
        if (spec.Kind != "cvae" && spec.Classes != 0)
            throw new InvalidSettingException(nameof(ModelSpec.Classes), $"Only a \"cvae\" is conditioned on classes; a \"{spec.Kind}\" has Classes = 0, not {spec.Classes}.");
    }

    public static LatentModel Build(ModelSpec spec, Rng rng)
    {
        Validate(spec);
        double parameters = EstimatedParameters(spec);
        if (parameters > MaxParameters)
            throw new InvalidSettingException(LargestSetting(spec),
                $"The model would have about {parameters.ToString("0.#e0", System.Globalization.CultureInfo.InvariantCulture)} parameters on {spec.Height}x{spec.Width} images; at most {MaxParameters} fit in memory. Use smaller widths.");
        return Kinds[spec.Kind].Build(spec, rng);
    }

    private static void CheckWidths(int[] widths, string setting, string what)
    {
        if (widths.Any(w => w < 1 || w > MaxWidth))
            throw new InvalidSettingException(setting, $"{what} must be from 1 to {MaxWidth}: [{string.Join(", ", widths)}].");
    }

    /// <summary>
    /// The parameter count of the model <paramref name="spec"/> describes, from its weight matrices and kernels, in 64-bit
    /// floating point so that absurd sizes are caught before anything is allocated. Biases and small extras are left out.
    /// </summary>
    private static double EstimatedParameters(ModelSpec spec)
    {
        static double Mlp(double input, IEnumerable<int> hidden, double output)
        {
            double sum = 0;
            foreach (int width in hidden) (sum, input) = (sum + input * width, width);
            return sum + input * output;
        }
        double d = spec.Dimensions, l = spec.LatentSize, c = spec.Classes, h = spec.PixelCnnChannels;
        double pixelCnn = h * (49 + 3 * h * spec.PixelCnnBlocks + 2 * h);   // 7x7 type A, blocks of 1x1 / 3x3 / 1x1, the head
        int[] channels = spec.ConvChannels.Length == 0 ? [1] : spec.ConvChannels;
        double innermost = channels[^1] * d / Math.Pow(4, channels.Length);   // c_n · H/2ⁿ · W/2ⁿ
        double convolutions = 16.0 * spec.Channels * channels[0] + channels.Zip(channels.Skip(1), (a, b) => 16.0 * a * b).Sum();
        double likelihood = spec.Likelihood == "pixelcnn" ? pixelCnn : spec.Likelihood == "gaussian-learned" ? d : 0;
        double prior = spec.Prior == "mog" ? spec.PriorComponents * 2 * l : spec.Prior == "vamp" ? spec.PriorComponents * d : 0;
        int[] sizes = spec.LatentSizes.Length == 0 ? [.. ModelSpec.DefaultLatentSizes] : spec.LatentSizes;
        double last = spec.Hidden.Length == 0 ? 1 : spec.Hidden[^1];
        return spec.Kind switch
        {
            "pixelcnn" => pixelCnn,
            "conv-vae" => 2 * (convolutions + innermost * 2 * l) + likelihood + prior,
            "hvae" or "conv-hvae" => 2 * Mlp(d, spec.Hidden, 1) + 2 * (convolutions + innermost * last)
                + sizes.Select((size, i) => Mlp(last, spec.Hidden, 2 * size) + (i + 1 < sizes.Length ? Mlp(sizes[i + 1], spec.Hidden, 2 * size) : 0)).Sum()
                + Mlp(sizes[0], spec.Hidden, d) + likelihood,
            _ => Mlp(d + c, spec.Hidden, 2 * l) + Mlp(l + c, spec.Hidden.Reverse(), d) + likelihood + prior,
        };
    }

    /// <summary>The size setting with the largest value: the one to lower when the model is too large.</summary>
    private static string LargestSetting(ModelSpec spec) => new (string Setting, long Value)[]
    {
        (nameof(ModelSpec.LatentSize), spec.LatentSize),
        (nameof(ModelSpec.Hidden), spec.Kind is "conv-vae" or "pixelcnn" ? 0 : spec.Hidden.DefaultIfEmpty().Max()),
        (nameof(ModelSpec.ConvChannels), spec.Kind is "conv-vae" or "conv-hvae" ? spec.ConvChannels.DefaultIfEmpty().Max() : 0),
        (nameof(ModelSpec.LatentSizes), spec.LatentSizes.DefaultIfEmpty().Max()),
        (nameof(ModelSpec.PixelCnnChannels), spec.Kind == "pixelcnn" || spec.Likelihood == "pixelcnn" ? spec.PixelCnnChannels : 0),
        (nameof(ModelSpec.PriorComponents), spec.Prior == "standard-normal" ? 0 : spec.PriorComponents),
    }.MaxBy(s => s.Value).Setting;

    private static LatentModel BuildVae(ModelSpec spec, Rng rng)
    {
        Activation activation = ActivationFactory.Parse(spec.Activation);
        int d = spec.Dimensions, l = spec.LatentSize;
        return AssembleVae(spec, rng,
            Mlp.Build(d, spec.Hidden, 2 * l, activation, rng),
            Mlp.Build(l, spec.Hidden.Reverse().ToArray(), d, activation, rng));
    }

    private static LatentModel BuildConvVae(ModelSpec spec, Rng rng) =>
        AssembleVae(spec, rng, ConvVae.Encoder(spec, 2 * spec.LatentSize, rng), ConvVae.Decoder(spec, spec.LatentSize, rng, DecoderChannels(spec)));

    /// <summary>MLP bodies one-hot-label wider: encoder [x, y] (D + C) → 2L, decoder [z, y] (L + C) → D.</summary>
    private static LatentModel BuildConditionalVae(ModelSpec spec, Rng rng)
    {
        if (spec.Classes < 2) throw new InvalidSettingException(nameof(ModelSpec.Classes), $"A cvae needs the number of classes (at least 2), not {spec.Classes}.");
        if (spec.Prior == "vamp") throw new InvalidSettingException(nameof(ModelSpec.Prior), "The VampPrior needs an unconditional encoder; a cvae takes the \"standard-normal\" or \"mog\" prior.");
        Activation activation = ActivationFactory.Parse(spec.Activation);
        int d = spec.Dimensions, l = spec.LatentSize, c = spec.Classes;
        return AssembleVae(spec, rng,
            Mlp.Build(d + c, spec.Hidden, 2 * l, activation, rng),
            Mlp.Build(l + c, spec.Hidden.Reverse().ToArray(), d, activation, rng));
    }

    /// <summary>One <see cref="Vae"/> from its bodies, with the likelihood and prior the spec names.</summary>
    private static Vae AssembleVae(ModelSpec spec, Rng rng, Layer encoder, Layer decoder)
    {
        int d = spec.Dimensions, l = spec.LatentSize;
        IObservationModel observation = Observation(spec, rng);
        if (spec.Prior != "standard-normal" && spec.PriorComponents < 1)
            throw new InvalidSettingException(nameof(ModelSpec.PriorComponents), $"The \"{spec.Prior}\" prior needs at least one component, not {spec.PriorComponents}.");
        // The VampPrior evaluates the model's own encoder; the model exists only after the prior, so it is reached through this variable.
        Vae? vae = null;
        IPrior prior = spec.Prior switch
        {
            "standard-normal" => new StandardNormalPrior(l),
            "mog" => new MixtureOfGaussiansPrior(spec.PriorComponents, l, rng),
            "vamp" => new VampPrior(spec.PriorComponents, d, l, u => vae!.Posterior(u), rng),
            _ => throw new InvalidSettingException(nameof(ModelSpec.Prior), $"Unknown prior \"{spec.Prior}\"; known priors: {string.Join(", ", Priors.Select(p => p.Name))}."),
        };
        vae = new Vae(spec, encoder, decoder, observation, prior);
        return vae;
    }

    /// <summary>The decoder likelihood the spec names.</summary>
    private static IObservationModel Observation(ModelSpec spec, Rng rng) => spec.Likelihood switch
    {
        "bernoulli" => new BernoulliObservation(),
        "gaussian" => new GaussianObservation(spec.Variance),
        "gaussian-learned" => new GaussianObservation(spec.Dimensions, spec.Variance),
        "pixelcnn" => PixelCnnLikelihood(spec, rng),
        _ => throw new InvalidSettingException(nameof(ModelSpec.Likelihood), $"A VAE's likelihood is \"bernoulli\", \"gaussian\", \"gaussian-learned\" or \"pixelcnn\", not \"{spec.Likelihood}\"."),
    };

    /// <summary>
    /// The autoregressive likelihood of the convolutional kinds: <see cref="ModelSpec.PixelCnnChannels"/> feature maps from
    /// the decoder, <see cref="ModelSpec.PixelCnnBlocks"/> masked residual blocks over the pixels, the maps entering where
    /// <see cref="ModelSpec.PixelCnnConditioning"/> says.
    /// </summary>
    private static PixelCnnObservation PixelCnnLikelihood(ModelSpec spec, Rng rng)
    {
        if (spec.Kind is not ("conv-vae" or "conv-hvae"))
            throw new InvalidSettingException(nameof(ModelSpec.Likelihood), $"The \"pixelcnn\" likelihood reads feature maps from a convolutional decoder: use it with conv-vae or conv-hvae, not {spec.Kind}.");
        if (spec.Channels != 1)
            throw new InvalidSettingException(nameof(ModelSpec.Likelihood), $"The \"pixelcnn\" likelihood models single-channel binarized images; these have {spec.Channels} channels.");
        if (spec.PixelCnnBlocks < 0) throw new InvalidSettingException(nameof(ModelSpec.PixelCnnBlocks), $"The number of residual blocks must not be negative, not {spec.PixelCnnBlocks}.");
        if (!ModelSpec.PixelCnnConditionings.Contains(spec.PixelCnnConditioning))
            throw new InvalidSettingException(nameof(ModelSpec.PixelCnnConditioning), $"The pixelcnn likelihood's conditioning is {string.Join(" or ", ModelSpec.PixelCnnConditionings.Select(c => $"\"{c}\""))}, not \"{spec.PixelCnnConditioning}\".");
        return new PixelCnnObservation(spec.PixelCnnChannels, spec.PixelCnnBlocks, spec.Height, spec.Width, rng, codeIntoBlocks: spec.PixelCnnConditioning == "blocks");
    }

    /// <summary>Output channels of a convolutional decoder: one per image channel, or the pixelcnn likelihood's feature maps.</summary>
    private static int DecoderChannels(ModelSpec spec) => spec.Likelihood == "pixelcnn" ? spec.PixelCnnChannels : spec.Channels;

    /// <summary>
    /// MLP blocks for the ladder VAE, with H = the last of <see cref="ModelSpec.Hidden"/>: up_1 D → Hidden (activation after
    /// each layer), up_i (i &gt; 1) H → Hidden, head_i Linear H → 2L_i, down_i MLP L_{i+1} → Hidden → 2L_i, decoder MLP
    /// L_1 → reversed Hidden → D. The "conv-hvae" kind replaces up_1 by the conv-vae encoder body (stride-2 convolutions of
    /// <see cref="ModelSpec.ConvChannels"/>, then Linear → H and the activation) and the decoder by the conv-vae decoder. Empty <see cref="ModelSpec.LatentSizes"/> become <see cref="ModelSpec.DefaultLatentSizes"/>
    /// and <see cref="ModelSpec.LatentSize"/> becomes their sum in the model's spec.
    /// </summary>
    private static LatentModel BuildHierarchicalVae(ModelSpec spec, Rng rng)
    {
        int[] sizes = spec.LatentSizes.Length == 0 ? [.. ModelSpec.DefaultLatentSizes] : spec.LatentSizes;
        if (sizes.Length < 2 || sizes.Any(l => l < 1))
            throw new InvalidSettingException(nameof(ModelSpec.LatentSizes), $"An hvae needs at least two stochastic layers of positive size (z_1 first), e.g. 64,32; got [{string.Join(", ", sizes)}].");
        if (spec.Prior != "standard-normal")
            throw new InvalidSettingException(nameof(ModelSpec.Prior), $"An hvae's top layer has the standard-normal prior; the lower layers' priors are learned top-down. The \"{spec.Prior}\" prior is for the one-layer kinds.");
        if (spec.Hidden.Length == 0) throw new InvalidSettingException(nameof(ModelSpec.Hidden), "An hvae needs at least one hidden width for its deterministic blocks.");
        spec = spec with { LatentSizes = sizes, LatentSize = sizes.Sum() };
        Activation activation = ActivationFactory.Parse(spec.Activation);
        int d = spec.Dimensions, h = spec.Hidden[^1], n = sizes.Length;
        var up = new Layer[n];
        var heads = new Layer[n];
        var down = new Layer[n - 1];
        bool conv = spec.Kind == "conv-hvae";
        for (int i = 0; i < n; i++)
        {
            up[i] = i == 0 && conv
                ? new Sequential(ConvVae.Encoder(spec, h, rng), ActivationFactory.Create(activation))
                : DeterministicBlock(i == 0 ? d : h, spec.Hidden, activation, rng);
            heads[i] = new Linear(h, 2 * sizes[i], rng);
            if (i < n - 1) down[i] = Mlp.Build(sizes[i + 1], spec.Hidden, 2 * sizes[i], activation, rng);
        }
        Layer decoder = conv ? ConvVae.Decoder(spec, sizes[0], rng, DecoderChannels(spec)) : Mlp.Build(sizes[0], spec.Hidden.Reverse().ToArray(), d, activation, rng);
        return new HierarchicalVae(spec, up, heads, down, decoder, Observation(spec, rng));
    }

    private static LatentModel BuildPixelCnn(ModelSpec spec, Rng rng)
    {
        if (spec.Likelihood != "bernoulli") throw new InvalidSettingException(nameof(ModelSpec.Likelihood), $"The pixelcnn has a Bernoulli likelihood per pixel (binarized images), not \"{spec.Likelihood}\".");
        if (spec.Prior != "standard-normal") throw new InvalidSettingException(nameof(ModelSpec.Prior), $"The pixelcnn has no latent space, so no \"{spec.Prior}\" prior.");
        return new PixelCnn(spec, rng);
    }

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

    private static LatentModel BuildAutoencoder(ModelSpec spec, Rng rng)
    {
        if (spec.Prior != "standard-normal") throw new InvalidSettingException(nameof(ModelSpec.Prior), $"An autoencoder has no prior; the \"{spec.Prior}\" prior needs a VAE kind.");
        Activation activation = ActivationFactory.Parse(spec.Activation);
        int d = spec.Dimensions, l = spec.LatentSize;
        return new Autoencoder(spec,
            Mlp.Build(d, spec.Hidden, l, activation, rng),
            Mlp.Build(l, spec.Hidden.Reverse().ToArray(), d, activation, rng));
    }
}
