namespace LatentSharp.Evaluation;

/// <summary>
/// Compares models by their importance-sampled NLL on the same images, image by image.
/// </summary>
/// <remarks>
/// Two models evaluated on the same test images have strongly correlated per-image NLLs (a complex image is costly for
/// both), so the standard error of the difference of their means, sd(nll_b − nll_a) / √N, is much smaller than either
/// model's own standard error. A difference of a nat or two between variants is only visible this way.
/// </remarks>
public static class NllComparison
{
    /// <summary>One model against the reference: Δ = mean_i (nll_i − reference nll_i), negative when it is better.</summary>
    public sealed record Row(EvaluationReport Report, double Difference, double PairedStandardError);

    /// <summary>
    /// Each of <paramref name="others"/> against <paramref name="reference"/>. Every report must hold per-image NLLs
    /// (written by <c>latent eval</c>) of the same data set, split, number of images and likelihood convention.
    /// </summary>
    /// <exception cref="ArgumentException">A report has no per-image NLLs, or was evaluated on other images.</exception>
    public static IReadOnlyList<Row> Against(EvaluationReport reference, IReadOnlyList<EvaluationReport> others)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(others);
        double[] baseline = PerImage(reference);
        var rows = new List<Row>(others.Count);
        foreach (EvaluationReport other in others)
        {
            ArgumentNullException.ThrowIfNull(other);
            double[] values = PerImage(other);
            if (other.Dataset != reference.Dataset || other.Split != reference.Split || values.Length != baseline.Length
                || other.Convention != reference.Convention)
                throw new ArgumentException(
                    $"'{other.Model}' was evaluated on {Describe(other)} but '{reference.Model}' on {Describe(reference)}: "
                    + "a paired comparison needs the same images (same data, split, number of images and likelihood convention).");
            rows.Add(Pair(other, values, baseline));
        }
        return rows;
    }

    private static Row Pair(EvaluationReport report, double[] values, double[] baseline)
    {
        int n = values.Length;
        double mean = 0;
        for (int i = 0; i < n; i++) mean += values[i] - baseline[i];
        mean /= n;
        double sumSquares = 0;
        for (int i = 0; i < n; i++)
        {
            double deviation = values[i] - baseline[i] - mean;
            sumSquares += deviation * deviation;
        }
        double standardError = n > 1 ? Math.Sqrt(sumSquares / (n - 1) / n) : double.NaN;
        return new Row(report, mean, standardError);
    }

    private static double[] PerImage(EvaluationReport report) =>
        report.NllPerImage is { Length: > 0 } values
            ? values
            : throw new ArgumentException($"'{report.Model}' has no per-image NLLs: evaluate it with latent eval (which writes them) and a likelihood model.");

    private static string Describe(EvaluationReport report) =>
        $"{report.Dataset} / {report.Split}, {report.NllPerImage?.Length ?? 0} images"
        + report.Convention switch
        {
            NllConvention.Dequantized8Bit => ", dequantized",
            NllConvention.Discrete8Bit => ", 8-bit likelihood",
            _ => "",
        };
}
