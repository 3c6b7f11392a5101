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

    public static LatentModel Build(ModelSpec spec, Rng rng)
    {
        if (!Kinds.TryGetValue(spec.Kind, out var entry))
            throw new ArgumentException($"Unknown model kind \"{spec.Kind}\"; known kinds: {string.Join(", ", Kinds.Keys)}.");
        if (spec.LatentSize < 1) throw new ArgumentException($"The latent size must be at least 1, not {spec.LatentSize}.");
        if (spec.Hidden.Any(h => h < 1)) throw new ArgumentException($"Hidden layer widths must be positive: [{string.Join(", ", spec.Hidden)}].");
        if (spec.Classes < 0) throw new ArgumentException($"The number of classes must not be negative, not {spec.Classes}.");
        if (spec.Kind != "cvae" && spec.Classes != 0)
            throw new ArgumentException($"Only a \"cvae\" is conditioned on classes; a \"{spec.Kind}\" has Classes = 0, not {spec.Classes}.");
        return entry.Build(spec, rng);
    }

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
        if (spec.Classes < 2) throw new ArgumentException($"A cvae needs the number of classes (at least 2), not {spec.Classes}.");
        if (spec.Prior == "vamp") throw new ArgumentException("The VampPrior needs an unconditional encoder; a cvae takes the \"standard-normal\" or \"mog\" prior.");
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
            throw new ArgumentException($"The \"{spec.Prior}\" prior needs at least one component, not {spec.PriorComponents}.");
        // The VampPrior evaluates the model's own encoder; the model exists only after the prior, so it is reached through this variable.
        Vae? vae = null;
        IPrior prior = spec.Prior switch
        {
            "standard-normal" => new StandardNormalPrior(l),
            "mog" => new MixtureOfGaussiansPrior(spec.PriorComponents, l, rng),
            "vamp" => new VampPrior(spec.PriorComponents, d, l, u => vae!.Posterior(u), rng),
            _ => throw new ArgumentException($"Unknown prior \"{spec.Prior}\"; known priors: {string.Join(", ", Priors.Select(p => p.Name))}."),
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
        _ => throw new ArgumentException($"A VAE's likelihood is \"bernoulli\", \"gaussian\", \"gaussian-learned\" or \"pixelcnn\", not \"{spec.Likelihood}\"."),
    };

    /// <summary>
    /// The autoregressive likelihood of the convolutional kinds: <see cref="ModelSpec.PixelCnnChannels"/> feature maps from
    /// the decoder, <see cref="ModelSpec.PixelCnnBlocks"/> masked residual blocks over the pixels, the maps entering where
    /// <see cref="ModelSpec.PixelCnnConditioning"/> says.
    /// </summary>
    private static PixelCnnObservation PixelCnnLikelihood(ModelSpec spec, Rng rng)
    {
        if (spec.Kind is not ("conv-vae" or "conv-hvae"))
            throw new ArgumentException($"The \"pixelcnn\" likelihood reads feature maps from a convolutional decoder: use it with conv-vae or conv-hvae, not {spec.Kind}.");
        if (spec.Channels != 1)
            throw new ArgumentException($"The \"pixelcnn\" likelihood models single-channel binarized images; these have {spec.Channels} channels.");
        if (spec.PixelCnnBlocks < 0) throw new ArgumentException($"The number of residual blocks must not be negative, not {spec.PixelCnnBlocks}.");
        if (!ModelSpec.PixelCnnConditionings.Contains(spec.PixelCnnConditioning))
            throw new ArgumentException($"The pixelcnn likelihood's conditioning is {string.Join(" or ", ModelSpec.PixelCnnConditionings.Select(c => $"\"{c}\""))}, not \"{spec.PixelCnnConditioning}\".");
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
            throw new ArgumentException($"An hvae needs at least two stochastic layers of positive size (z_1 first), e.g. 64,32; got [{string.Join(", ", sizes)}].");
        if (spec.Prior != "standard-normal")
            throw new ArgumentException($"An hvae's top layer has the standard-normal prior; the lower layers' priors are learned top-down. The \"{spec.Prior}\" prior is for the one-layer kinds.");
        if (spec.Hidden.Length == 0) throw new ArgumentException("An hvae needs at least one hidden width for its deterministic blocks.");
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
        if (spec.Likelihood != "bernoulli") throw new ArgumentException($"The pixelcnn has a Bernoulli likelihood per pixel (binarized images), not \"{spec.Likelihood}\".");
        if (spec.Prior != "standard-normal") throw new ArgumentException($"The pixelcnn has no latent space, so no \"{spec.Prior}\" prior.");
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
        if (spec.Prior != "standard-normal") throw new ArgumentException($"An autoencoder has no prior; the \"{spec.Prior}\" prior needs a VAE kind.");
        Activation activation = ActivationFactory.Parse(spec.Activation);
        int d = spec.Dimensions, l = spec.LatentSize;
        return new Autoencoder(spec,
            Mlp.Build(d, spec.Hidden, l, activation, rng),
            Mlp.Build(l, spec.Hidden.Reverse().ToArray(), d, activation, rng));
    }
}
