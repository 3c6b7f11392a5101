using LatentSharp.Data;

namespace LatentSharp.Evaluation;

/// <summary>What <see cref="ModelEvaluation"/> measures and on how much data.</summary>
public sealed record EvaluationOptions
{
    /// <summary>The split whose ELBO, NLL, active units and outlier scores are measured: "test" or "train".</summary>
    public string Split { get; init; } = "test";

    /// <summary>K, importance samples per image for the NLL.</summary>
    public int Samples { get; init; } = ImportanceSampledNll.DefaultSamples;

    /// <summary>Evaluate only the first N images of the split (and of the out-of-distribution set); null: all of them.</summary>
    public int? Images { get; init; }

    /// <summary>
    /// Evaluate on binary images: each split is binarized once by <see cref="TestBinarization"/>, exactly as the trainer
    /// binarizes its test split, so that train-time test ELBO and evaluation see the same images.
    /// <see cref="TestBinarization.AppliesAfter"/> says whether a model's training binarization asks for it.
    /// </summary>
    public bool Binarize { get; init; }

    /// <summary>Run the linear probes (train split → test split).</summary>
    public bool Probe { get; init; } = true;

    /// <summary>
    /// Use only the first N training images wherever the training split is used (probes, PCA / pPCA fit, background model);
    /// null: all of them.
    /// </summary>
    public int? TrainImages { get; init; }

    /// <summary>The out-of-distribution set of the outlier scores, or null for none.</summary>
    public OutOfDistributionSet? OutOfDistribution { get; init; }

    /// <summary>
    /// The background model of the likelihood-ratio outlier score. Compression by default: on binarized Fashion-MNIST vs
    /// MNIST it ranks far better than the pixel model (docs/results.md).
    /// </summary>
    public OutlierBackground Background { get; init; } = OutlierBackground.Compression;

    /// <summary>
    /// k of the hierarchical likelihood-ratio outlier score LLR&gt;k (<see cref="LayeredLikelihoodRatio"/>): how many of the
    /// lowest latent layers its second bound takes from the prior. Used for models with several layers only.
    /// </summary>
    public int LlrPriorLayers { get; init; } = LayeredLikelihoodRatio.DefaultPriorLayers;

    /// <summary>K, importance samples per image of each of the two bounds of LLR&gt;k.</summary>
    public int LlrSamples { get; init; } = LayeredLikelihoodRatio.DefaultSamples;

    /// <summary>
    /// Whether the second bound of LLR&gt;k sets its lowest k layers to the prior's means (the default, as Havtorn et al.'s
    /// published scoring does) or draws them, as the bound's formula reads. Where the lowest layer is large (feature maps),
    /// the drawn layer's noise swamps the score: AUROC 0.996 with the means against 0.979 drawn on binarized Fashion-MNIST
    /// vs MNIST (docs/results.md).
    /// </summary>
    public bool LlrPriorMean { get; init; } = true;

    /// <summary>Seed of the evaluation's own draws (ELBO noise, importance samples, dequantization).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Images per forward pass for the ELBO and the encodings, at most: <see cref="Models.LatentModel.EvaluationBatchSize"/> lowers it for models with large activations.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Throws <see cref="InvalidSettingException"/> naming the first setting out of range (split, K, image counts, batch size).</summary>
    public void Validate()
    {
        if (Split is not ("test" or "train")) throw new InvalidSettingException(nameof(Split), $"The split must be test or train, not \"{Split}\".");
        if (Samples < 1) throw new InvalidSettingException(nameof(Samples), $"The importance samples K must be at least 1, not {Samples}.");
        if (Images is < 1) throw new InvalidSettingException(nameof(Images), $"The number of images must be at least 1, not {Images}.");
        if (TrainImages is < 2) throw new InvalidSettingException(nameof(TrainImages), $"The number of training images must be at least 2, not {TrainImages}.");
        if (LlrPriorLayers < 0) throw new InvalidSettingException(nameof(LlrPriorLayers), $"LLR>k takes k = 0 or more lowest layers from the prior, not {LlrPriorLayers}.");
        if (LlrSamples < 1) throw new InvalidSettingException(nameof(LlrSamples), $"The importance samples of LLR>k must be at least 1, not {LlrSamples}.");
        if (BatchSize < 1) throw new InvalidSettingException(nameof(BatchSize), $"The evaluation batch size must be at least 1, not {BatchSize}.");
    }
}

/// <summary>The background model log p_background(x) of the likelihood-ratio score −(log p_model(x) − log p_background(x)).</summary>
public enum OutlierBackground
{
    /// <summary>Independent Bernoulli pixels fitted on the training images: <see cref="PixelBernoulliBackground"/>.</summary>
    Pixels,

    /// <summary>−(PNG-compressed length in nats), the input-complexity correction of Serrà et al. (2020): <see cref="CompressionBackground"/>.</summary>
    Compression,
}

/// <summary>
/// The out-of-distribution side of the outlier scores: a data set found (its test split is used), or the name of one that
/// was asked for but not found, with the reason, which the report then carries as a note instead of failing.
/// </summary>
public sealed record OutOfDistributionSet(string Name, Dataset? Test, string? MissingReason)
{
    /// <summary>A data set that was found; its test split <paramref name="test"/> is scored.</summary>
    public static OutOfDistributionSet Found(string name, Dataset test) => new(name, test ?? throw new ArgumentNullException(nameof(test)), null);

    /// <summary>A data set that was asked for but not found, and why.</summary>
    public static OutOfDistributionSet Missing(string name, string reason) => new(name, null, reason);
}
