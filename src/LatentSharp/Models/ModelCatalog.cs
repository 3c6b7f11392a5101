using LatentSharp.Distributions;
using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>From a <see cref="ModelSpec"/> to a freshly initialised model: the one place that knows every kind.</summary>
public static class ModelCatalog
{
    private static readonly Dictionary<string, (string Description, Func<ModelSpec, Rng, LatentModel> Build)> Kinds = new(StringComparer.Ordinal)
    {
        ["vae"] = ("variational autoencoder with MLP encoder and decoder", BuildVae),
        ["ae"] = ("deterministic autoencoder with MLP encoder and decoder", BuildAutoencoder),
    };

    public static IEnumerable<(string Kind, string Description)> Available => Kinds.Select(k => (k.Key, k.Value.Description));

    public static LatentModel Build(ModelSpec spec, Rng rng)
    {
        if (!Kinds.TryGetValue(spec.Kind, out var entry))
            throw new ArgumentException($"Unknown model kind \"{spec.Kind}\"; known kinds: {string.Join(", ", Kinds.Keys)}.");
        if (spec.LatentSize < 1) throw new ArgumentException($"The latent size must be at least 1, not {spec.LatentSize}.");
        if (spec.Hidden.Any(h => h < 1)) throw new ArgumentException($"Hidden layer widths must be positive: [{string.Join(", ", spec.Hidden)}].");
        return entry.Build(spec, rng);
    }

    private static LatentModel BuildVae(ModelSpec spec, Rng rng)
    {
        Activation activation = ActivationFactory.Parse(spec.Activation);
        int d = spec.Dimensions, l = spec.LatentSize;
        Layer encoder = Mlp.Build(d, spec.Hidden, 2 * l, activation, rng);
        Layer decoder = Mlp.Build(l, spec.Hidden.Reverse().ToArray(), d, activation, rng);
        IObservationModel observation = spec.Likelihood switch
        {
            "bernoulli" => new BernoulliObservation(),
            "gaussian" => new GaussianObservation(spec.Variance),
            "gaussian-learned" => new GaussianObservation(d, spec.Variance),
            _ => throw new ArgumentException($"A VAE's likelihood is \"bernoulli\", \"gaussian\" or \"gaussian-learned\", not \"{spec.Likelihood}\"."),
        };
        return new Vae(spec, encoder, decoder, observation, new StandardNormalPrior(l));
    }

    private static LatentModel BuildAutoencoder(ModelSpec spec, Rng rng)
    {
        Activation activation = ActivationFactory.Parse(spec.Activation);
        int d = spec.Dimensions, l = spec.LatentSize;
        return new Autoencoder(spec,
            Mlp.Build(d, spec.Hidden, l, activation, rng),
            Mlp.Build(l, spec.Hidden.Reverse().ToArray(), d, activation, rng));
    }
}
