using LatentSharp.Data;

namespace LatentSharp.Evaluation;

/// <summary>
/// The outlier part of an evaluation: AUROC and FPR at 95% TPR of the raw score −log p(x), of the likelihood-ratio score
/// against the background model of <see cref="EvaluationOptions.Background"/> and, for a model with several latent layers,
/// of LLR&gt;k (<see cref="LayeredLikelihoodRatio"/>), evaluated images (in) against the out-of-distribution set (out); next
/// to them the AUROC of the two model-free scores on the same images (pixel likelihood, compressed length), so that a
/// model's score is read against what needs no model at all.
/// </summary>
internal static class OutlierScores
{
    /// <summary>
    /// The scores from the model's log p(x) of the evaluated images, <paramref name="logModelIn"/> [N], and of the
    /// out-of-distribution images, <paramref name="logModelOf"/>, and LLR&gt;k of a data set's images,
    /// <paramref name="layeredRatioOf"/> (null: the model has one latent layer), timed in <paramref name="parts"/>; a note
    /// when the set asked for is missing.
    /// </summary>
    public static EvaluationReport Measure(EvaluationReport report, EvaluationInputs inputs, EvaluationOptions options,
        double[] logModelIn, Func<Dataset, double[]> logModelOf, Func<Dataset, double[]>? layeredRatioOf, PartTimer parts, List<string> notes)
    {
        if (options.OutOfDistribution is not { } requested) return report;
        if (inputs.OutOfDistribution is not { } ood)
        {
            notes.Add($"Outlier scores vs {requested.Name} skipped: {requested.MissingReason ?? "no images"}");
            return report with { OutOfDistribution = requested.Name };
        }
        report = parts.Time("outliers", () => Scores(report, inputs, options, requested, ood, logModelIn, logModelOf, notes));
        if (layeredRatioOf is not null)
            report = parts.Time("outliers: LLR>k", () => LayeredRatio(report, inputs, options, ood, layeredRatioOf, notes));
        return report;
    }

    private static EvaluationReport Scores(EvaluationReport report, EvaluationInputs inputs, EvaluationOptions options,
        OutOfDistributionSet requested, Dataset ood, double[] logModelIn, Func<Dataset, double[]> logModelOf, List<string> notes)
    {
        var pixels = PixelBernoulliBackground.Fit(inputs.BackgroundTrain.Pixels, inputs.BackgroundTrain.Count, inputs.Dimensions);
        var compressor = new CompressionBackground(ood.Cols, ood.Rows, ood.Channels);
        Func<Dataset, double[]> pixelsOf = x => pixels.LogLikelihood(x.Pixels, x.Count);
        Func<Dataset, double[]> compressionOf = x => compressor.LogLikelihood(x.Pixels, x.Count);
        var (background, backgroundNote) = options.Background == OutlierBackground.Compression
            ? (compressionOf, "background = −(PNG-compressed length in nats), the input-complexity score of Serrà et al. (2020).")
            : (pixelsOf, "background = independent Bernoulli pixels fitted on the training images.");

        double[] logModelOut = logModelOf(ood);
        double[] backgroundIn = background(inputs.Evaluated);
        double[] backgroundOut = background(ood);
        double[] rawIn = OutlierDetection.NegativeLogLikelihoodScores(logModelIn), rawOut = OutlierDetection.NegativeLogLikelihoodScores(logModelOut);
        double[] ratioIn = OutlierDetection.LikelihoodRatioScores(logModelIn, backgroundIn);
        double[] ratioOut = OutlierDetection.LikelihoodRatioScores(logModelOut, backgroundOut);
        notes.Add($"Outliers: {inputs.Count} {inputs.Name} {options.Split} images (in) vs the first {ood.Count} {requested.Name} test images (out); "
            + backgroundNote);
        notes.Add("Model-free outlier baselines on the same images: the likelihood under independent Bernoulli pixels fitted on the training "
            + "images, and the PNG-compressed length, each scored in the direction that separates the sets better (too cheap or too dear); "
            + "a model's score is worth shipping only above both.");
        return report with
        {
            OutOfDistribution = requested.Name,
            OutlierBackground = options.Background.ToString().ToLowerInvariant(),
            AurocLikelihood = OutlierDetection.Auroc(rawIn, rawOut),
            AurocRatio = OutlierDetection.Auroc(ratioIn, ratioOut),
            FprAt95Likelihood = OutlierDetection.FalsePositiveRateAtTruePositiveRate(rawIn, rawOut),
            FprAt95Ratio = OutlierDetection.FalsePositiveRateAtTruePositiveRate(ratioIn, ratioOut),
            AurocPixelBaseline = ModelFreeAuroc(pixelsOf, inputs.Evaluated, ood),
            AurocCompressionBaseline = ModelFreeAuroc(compressionOf, inputs.Evaluated, ood),
        };
    }

    /// <summary>
    /// How well a model-free density <paramref name="logLikelihoodOf"/> alone tells the sets apart: the AUROC of −log p(x),
    /// or of log p(x) where that is higher. Outliers can be the images such a density finds too cheap (simple digits
    /// against clothes) as well as too dear, and a baseline is there to say what needs no model, so it gets either direction.
    /// </summary>
    internal static double ModelFreeAuroc(Func<Dataset, double[]> logLikelihoodOf, Dataset inDistribution, Dataset ood)
    {
        double auroc = OutlierDetection.Auroc(OutlierDetection.NegativeLogLikelihoodScores(logLikelihoodOf(inDistribution)),
            OutlierDetection.NegativeLogLikelihoodScores(logLikelihoodOf(ood)));
        return Math.Max(auroc, 1 - auroc);
    }

    private static EvaluationReport LayeredRatio(EvaluationReport report, EvaluationInputs inputs, EvaluationOptions options, Dataset ood,
        Func<Dataset, double[]> layeredRatioOf, List<string> notes)
    {
        double[] llrIn = layeredRatioOf(inputs.Evaluated), llrOut = layeredRatioOf(ood);
        string fromPrior = options.LlrPriorMean ? "set to the prior's means" : "drawn from the prior";
        notes.Add($"LLR>{options.LlrPriorLayers} = L(x) − L>{options.LlrPriorLayers}(x) (Havtorn et al. 2021): the bound with the lowest "
            + $"{options.LlrPriorLayers} latent layer(s) {fromPrior} subtracted from the full bound, each with K = {options.LlrSamples} "
            + "importance samples and the same draws; higher = more anomalous.");
        return report with
        {
            LlrPriorLayers = options.LlrPriorLayers,
            LlrSamples = options.LlrSamples,
            LlrPriorMean = options.LlrPriorMean,
            AurocLlr = OutlierDetection.Auroc(llrIn, llrOut),
            FprAt95Llr = OutlierDetection.FalsePositiveRateAtTruePositiveRate(llrIn, llrOut),
        };
    }
}
