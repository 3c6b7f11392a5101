using LatentSharp.Data;

namespace LatentSharp.Evaluation;

/// <summary>
/// The outlier part of an evaluation: AUROC and FPR at 95% TPR of the raw score −log p(x) and of the likelihood-ratio
/// score against the background model of <see cref="EvaluationOptions.Background"/>, evaluated images (in) against the
/// out-of-distribution set (out).
/// </summary>
internal static class OutlierScores
{
    /// <summary>
    /// The scores from the model's log p(x) of the evaluated images, <paramref name="logModelIn"/> [N], and of the
    /// out-of-distribution images, <paramref name="logModelOf"/>, timed in <paramref name="parts"/>; a note when the set asked
    /// for is missing.
    /// </summary>
    public static EvaluationReport Measure(EvaluationReport report, EvaluationInputs inputs, EvaluationOptions options,
        double[] logModelIn, Func<Dataset, double[]> logModelOf, PartTimer parts, List<string> notes)
    {
        if (options.OutOfDistribution is not { } requested) return report;
        if (inputs.OutOfDistribution is not { } ood)
        {
            notes.Add($"Outlier scores vs {requested.Name} skipped: {requested.MissingReason ?? "no images"}");
            return report with { OutOfDistribution = requested.Name };
        }
        return parts.Time("outliers", () => Scores(report, inputs, options, requested, ood, logModelIn, logModelOf, notes));
    }

    private static EvaluationReport Scores(EvaluationReport report, EvaluationInputs inputs, EvaluationOptions options,
        OutOfDistributionSet requested, Dataset ood, double[] logModelIn, Func<Dataset, double[]> logModelOf, List<string> notes)
    {
        var (backgroundOf, backgroundNote) = Background(inputs, options.Background, ood);
        double[] logModelOut = logModelOf(ood);
        double[] backgroundIn = backgroundOf(inputs.Evaluated);
        double[] backgroundOut = backgroundOf(ood);
        double[] rawIn = OutlierDetection.NegativeLogLikelihoodScores(logModelIn), rawOut = OutlierDetection.NegativeLogLikelihoodScores(logModelOut);
        double[] ratioIn = OutlierDetection.LikelihoodRatioScores(logModelIn, backgroundIn);
        double[] ratioOut = OutlierDetection.LikelihoodRatioScores(logModelOut, backgroundOut);
        notes.Add($"Outliers: {inputs.Count} {inputs.Name} {options.Split} images (in) vs the first {ood.Count} {requested.Name} test images (out); "
            + backgroundNote);
        return report with
        {
            OutOfDistribution = requested.Name,
            OutlierBackground = options.Background.ToString().ToLowerInvariant(),
            AurocLikelihood = OutlierDetection.Auroc(rawIn, rawOut),
            AurocRatio = OutlierDetection.Auroc(ratioIn, ratioOut),
            FprAt95Likelihood = OutlierDetection.FalsePositiveRateAtTruePositiveRate(rawIn, rawOut),
            FprAt95Ratio = OutlierDetection.FalsePositiveRateAtTruePositiveRate(ratioIn, ratioOut),
        };
    }

    /// <summary>log p_background(x) per image of a data set, and the note that says what it is.</summary>
    private static (Func<Dataset, double[]> LogLikelihoodOf, string Note) Background(EvaluationInputs inputs, OutlierBackground background, Dataset ood)
    {
        if (background == OutlierBackground.Compression)
        {
            var compressor = new CompressionBackground(ood.Cols, ood.Rows, ood.Channels);
            return (x => compressor.LogLikelihood(x.Pixels, x.Count),
                "background = −(PNG-compressed length in nats), the input-complexity score of Serrà et al. (2020).");
        }
        var pixels = PixelBernoulliBackground.Fit(inputs.BackgroundTrain.Pixels, inputs.BackgroundTrain.Count, inputs.Dimensions);
        return (x => pixels.LogLikelihood(x.Pixels, x.Count), "background = independent Bernoulli pixels fitted on the training images.");
    }
}
