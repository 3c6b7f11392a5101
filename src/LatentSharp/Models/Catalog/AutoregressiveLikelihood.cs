namespace LatentSharp.Models.Catalog;

/// <summary>
/// The likelihood setting of the autoregressive kinds (pixelcnn, gated-pixelcnn, row-lstm, diagonal-bilstm): which heads
/// they take, their checks, and what a head adds to the parameter count (see <see cref="AutoregressiveImageModel.HeadOf"/>).
/// </summary>
public static class AutoregressiveLikelihood
{
    /// <summary>"bernoulli" (binarized single-channel images), "categorical" (256-way softmax per sub-pixel), "logistic-mixture" (PixelCNN++).</summary>
    public static IReadOnlyList<string> Choices { get; } = ["bernoulli", "categorical", "logistic-mixture"];

    /// <summary>"likelihood", with the heads of the autoregressive kinds.</summary>
    public static ModelOption<string> Option { get; } = ModelOptions.Likelihood(Choices);

    /// <summary>Refuses a likelihood the kind <paramref name="kind"/> has no head for, and a bad mixture size.</summary>
    public static void Validate(string kind, ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!Choices.Contains(spec.Likelihood))
            throw new InvalidSettingException(nameof(ModelSpec.Likelihood), $"The {kind} has a bernoulli (binarized images), categorical or logistic-mixture (8-bit images) likelihood, not \"{spec.Likelihood}\".");
        VaeParts.ValidateEightBitLikelihood(spec);
    }

    /// <summary>
    /// Refuses images the head cannot model: the Bernoulli head takes single-channel binarized images only; the categorical
    /// head on C &gt; 1 channels orders the feature channels in C groups (f mod C), so that when
    /// <paramref name="channelsMultipleOf"/> (a gate's or an LSTM state's channels must stay one group) it needs feature
    /// channels that are a multiple of C.
    /// </summary>
    public static void ValidateImages(string kind, ModelSpec spec, bool channelsMultipleOf)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string images = $"{spec.Channels}x{spec.Height}x{spec.Width}";
        if (spec.Likelihood == "bernoulli" && spec.Channels != 1)
            throw new InvalidSettingException(nameof(ModelSpec.Kind),
                $"The {kind} needs single-channel binarized images; these are {images}. Its categorical and logistic-mixture likelihoods model 8-bit colour images.");
        if (spec.Likelihood != "categorical" || spec.Channels == 1) return;
        if (channelsMultipleOf && spec.PixelCnnChannels % spec.Channels != 0)
            throw new InvalidSettingException(nameof(ModelSpec.PixelCnnChannels),
                $"The {kind}'s categorical likelihood on {spec.Channels}-channel images orders its feature channels in {spec.Channels} groups: use a multiple of {spec.Channels} channels, not {spec.PixelCnnChannels}.");
    }

    /// <summary>P, the network outputs per pixel of the head of <paramref name="spec"/> (1 for an unknown likelihood).</summary>
    public static int OutputsPerPixel(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int c = spec.Channels, k = spec.MixtureComponents;
        return spec.Likelihood switch
        {
            "categorical" => 256 * c,
            "logistic-mixture" => k * (1 + 2 * c + c * (c - 1) / 2),
            _ => 1,
        };
    }

    /// <summary>
    /// The parameters the head and the image's channels add to a single-channel Bernoulli model: <paramref name="firstLayerPerInputChannel"/>
    /// weights per extra input channel, and the output 1×1 of <paramref name="features"/> → P instead of → 1.
    /// </summary>
    public static double ExtraParameters(ModelSpec spec, double firstLayerPerInputChannel, double features) =>
        firstLayerPerInputChannel * (spec.Channels - 1) + (features + 1) * (OutputsPerPixel(spec) - 1);

    /// <summary>The head in words, for a kind's description.</summary>
    public static string Describe(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Likelihood switch
        {
            "categorical" => "256-way softmax per sub-pixel" + (spec.Channels > 1 ? " (R → G → B channel-group masks)" : ""),
            "logistic-mixture" => $"discretized logistic mixture of {spec.MixtureComponents} per pixel" + (spec.Channels > 1 ? " (means linear in the earlier sub-pixels)" : ""),
            _ => "Bernoulli logits per pixel",
        };
    }
}
