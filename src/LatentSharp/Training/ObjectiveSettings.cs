using LatentSharp.Data;
using LatentSharp.Models;

namespace LatentSharp.Training;

/// <summary>The training settings that act on latent draws and KL terms, checked against what a model's terms have.</summary>
public static class ObjectiveSettings
{
    /// <summary>
    /// The checks of <see cref="Validate(TermsKind, TrainingOptions)"/> for the kind of <paramref name="spec"/>, and refuses
    /// binarizing the images for a likelihood of 8-bit values (it models all 256 levels of each sub-pixel).
    /// </summary>
    public static void Validate(ModelSpec spec, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        Validate(ModelCatalog.Find(spec.Kind)?.Terms ?? TermsKind.Bound, options);
        if (spec.HasEightBitLikelihood && options.Binarization != Binarization.None)
        {
            bool head = spec.Likelihood == "pixelcnn";
            throw new InvalidSettingException(nameof(options.Binarization),
                $"The \"{(head ? spec.PixelCnnHead : spec.Likelihood)}\" {(head ? "pixelcnn head" : "likelihood")} models the 256 levels of 8-bit images, not binarized pixels: train it without binarization, or use the bernoulli {(head ? "head" : "likelihood")} on binarized images.");
        }
    }

    /// <summary>
    /// Refuses settings the model's terms would silently ignore or cannot use: importance samples, noise samples, free bits,
    /// β and KL warm-up need a bound with latent draws (not an exact likelihood, not an autoencoder's reconstruction loss).
    /// </summary>
    public static void Validate(TermsKind terms, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (terms == TermsKind.Bound) return;
        string model = terms == TermsKind.Exact ? "a model with an exact likelihood" : "an autoencoder";
        static void Refuse(string setting, string what, string model) =>
            throw new InvalidSettingException(setting, $"{what} needs a model with latent draws and a KL term; {model} has none: leave it out.");
        if (options.ImportanceSamples != 0) Refuse(nameof(options.ImportanceSamples), "The importance-weighted bound", model);
        if (options.Samples != 1) Refuse(nameof(options.Samples), "Drawing several noise samples per example", model);
        if (options.FreeBits != 0) Refuse(nameof(options.FreeBits), "Free bits", model);
        if (options.Beta != 1) Refuse(nameof(options.Beta), "A KL weight β", model);
        if (options.WarmupEpochs != 0) Refuse(nameof(options.WarmupEpochs), "KL warm-up", model);
    }
}
