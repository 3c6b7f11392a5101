using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>What the capabilities mean in words, and the helpers every model with a latent space shares.</summary>
public static class ModelCapabilities
{
    private static readonly (Type Capability, Func<LatentModel, bool> Has)[] Checks =
    [
        (typeof(ILatentSpace), m => m.Has<ILatentSpace>()),
        (typeof(IGenerative), m => m.Has<IGenerative>()),
        (typeof(IHasPrior), m => m.Has<IHasPrior>()),
        (typeof(ILayeredLatents), m => m.Has<ILayeredLatents>()),
        (typeof(IConditional), m => m.Has<IConditional>()),
        (typeof(ILikelihood), m => m.Has<ILikelihood>()),
        (typeof(IExactLikelihood), m => m.Has<IExactLikelihood>()),
        (typeof(IEncoderDecoder), m => m.Has<IEncoderDecoder>()),
    ];

    /// <summary>The capability interfaces, in the order <see cref="Of"/> lists them.</summary>
    public static IReadOnlyList<Type> All { get; } = Checks.Select(c => c.Capability).ToArray();

    /// <summary>The capabilities <paramref name="model"/> has, of <see cref="All"/>.</summary>
    public static IReadOnlyList<Type> Of(LatentModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Checks.Where(c => c.Has(model)).Select(c => c.Capability).ToArray();
    }

    /// <summary>"needs a model with a latent space; the pixelcnn has none": what follows the command's name when <paramref name="model"/> lacks <typeparamref name="T"/>.</summary>
    public static string Lacking<T>(LatentModel model) where T : class
    {
        ArgumentNullException.ThrowIfNull(model);
        string kind = model.Spec.Kind;
        return typeof(T) switch
        {
            var t when t == typeof(ILatentSpace) => $"needs a model with a latent space; the {kind} has none",
            var t when t == typeof(IGenerative) => $"needs a model that draws images; the {kind} does not",
            var t when t == typeof(IHasPrior) => $"needs a latent-variable model with a prior and a decoder likelihood; the {kind} has none",
            var t when t == typeof(ILayeredLatents) => $"needs a hierarchical model with several stochastic layers; the {kind} has a single latent layer or none",
            var t when t == typeof(IConditional) => $"needs a conditional model; the {kind} is not conditioned on classes",
            var t when t == typeof(IExactLikelihood) => $"needs a model with an exact likelihood; the {kind} has none",
            var t when t == typeof(ILikelihood) => $"needs a model with a likelihood; the {kind} has none",
            var t when t == typeof(IEncoderDecoder) && !model.Has<ILatentSpace>() => $"needs a model with a latent space; the {kind} has none",
            var t when t == typeof(IEncoderDecoder) && model.Spec.Likelihood == "pixelcnn" =>
                $"needs a decoder that gives every pixel's mean at once; the {kind}'s pixelcnn likelihood is autoregressive (train it with the bernoulli or a gaussian likelihood)",
            var t when t == typeof(IEncoderDecoder) && model is Vae { PosteriorFlow: { } flow } =>
                $"needs a code that is the encoder network's output; the {kind}'s code passes through its {flow.Name} posterior flow (train it with no posterior flow)",
            var t when t == typeof(IEncoderDecoder) =>
                $"needs one encoder and one decoder network with a bernoulli or gaussian likelihood; the {kind} with the {model.Spec.Likelihood} likelihood is not one",
            _ => $"needs a model that is {typeof(T).Name}; the {kind} is not",
        };
    }

    /// <summary>Decode(Encode(x)). [B, D] (+ condition [B, C]) → [B, D]</summary>
    public static Tensor Reconstruct(this ILatentSpace model, Tensor x, Tensor? condition = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Decode(model.Encode(x, condition), condition);
    }
}
