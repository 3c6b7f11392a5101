using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LatentSharp.Evaluation;

/// <summary>
/// Writes an <see cref="EvaluationReport"/> as indented camelCase JSON (the file <c>latent eval</c> leaves next to the
/// checkpoint) and as the plain-text table it prints. Unmeasured values are JSON null and "–" in the table.
/// </summary>
public static class EvaluationReportWriter
{
    /// <summary>The file name used next to a checkpoint.</summary>
    public const string DefaultFileName = "eval.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // NaN can come out of a diverged model; write it rather than fail the whole report.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The report as indented camelCase JSON (NaN written as "NaN").</summary>
    public static string ToJson(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(report, Options);
    }

    /// <summary>The report in <paramref name="json"/>, as <see cref="ToJson"/> writes it; throws <see cref="System.Text.Json.JsonException"/> for malformed JSON.</summary>
    public static EvaluationReport FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonSerializer.Deserialize<EvaluationReport>(json, Options)
            ?? throw new JsonException("The evaluation report JSON is null.");
    }

    /// <summary>Writes the JSON to <paramref name="path"/> atomically (temporary file, then move), so a crash leaves no half file.</summary>
    public static void Write(EvaluationReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.WriteAllText(path, ToJson(report) + "\n");
    }

    /// <summary>The report in the JSON file at <paramref name="path"/>.</summary>
    public static EvaluationReport Read(string path) => FromJson(File.ReadAllText(path));

    /// <summary>The report as a two-column table, one quantity per line, invariant culture.</summary>
    public static string FormatTable(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rows = new List<(string Name, string Value)>
        {
            ("model", report.Model),
            ("data", $"{report.Dataset} / {report.Split} ({report.Images} images, D = {report.Dimensions})"),
            ("ELBO (nats)", Number(report.Elbo, "F2")),
            ("  reconstruction", Number(report.Reconstruction, "F2")),
            ("  KL", Number(report.Kl, "F2")),
            (report.NllExact ? "NLL, exact (nats)" : $"NLL, K = {Integer(report.NllSamples)} (nats)", Number(report.NllNats, "F2") + StandardError(report.NllNats, report.NllStandardError)),
            ("  bits/dim", Number(report.NllBitsPerDim, "F4")),
            ("dequantized 8-bit bits/dim", Number(report.DequantizedBitsPerDim, "F4") + StandardError(report.DequantizedBitsPerDim, BitsPerDimError(report), "F4")),
            ("8-bit bits/dim", Number(report.EightBitBitsPerDim, "F4") + StandardError(report.EightBitBitsPerDim, BitsPerDimError(report), "F4")),
            ("  ELBO bits/dim", Number(report.ElboBitsPerDim, "F4")),
            ($"active units (> {Number(report.ActiveUnitThreshold, "G3")})",
                report.ActiveUnits is int au ? $"{au} of {(report.LatentDimensions ?? report.KlPerDimension?.Length)?.ToString(CultureInfo.InvariantCulture) ?? "?"}" : "–"),
            ("KL per dimension (sorted)", report.KlPerDimension is null ? "–" : string.Join(" ", report.KlPerDimension.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))),
            ("probe images", report.ProbeImages ?? "–"),
            ("probe accuracy: latent means", Percent(report.ProbeAccuracyLatent)),
            ("probe accuracy: PCA, same size", Percent(report.ProbeAccuracyPca)),
            ("probe accuracy: raw 8-bit pixels", Percent(report.ProbeAccuracyPixels)),
            ($"AUROC vs {report.OutOfDistribution ?? "–"}: likelihood", Number(report.AurocLikelihood, "F3")),
            (RatioLabel(report), Number(report.AurocRatio, "F3")),
            (LlrLabel(report), Number(report.AurocLlr, "F3")),
            ("  model-free: pixel likelihood", Number(report.AurocPixelBaseline, "F3")),
            ("  model-free: compressed length", Number(report.AurocCompressionBaseline, "F3")),
            ("FPR at 95% TPR: likelihood", Number(report.FprAt95Likelihood, "F3")),
            (RatioLabel(report), Number(report.FprAt95Ratio, "F3")),
            (LlrLabel(report), Number(report.FprAt95Llr, "F3")),
            ("seconds", report.Seconds.ToString("F1", CultureInfo.InvariantCulture)),
        };
        foreach (var (part, seconds) in report.SecondsByPart ?? new Dictionary<string, double>())
            rows.Add(("  " + part, seconds.ToString("F1", CultureInfo.InvariantCulture)));
        int width = rows.Max(r => r.Name.Length);
        var text = new StringBuilder();
        foreach (var (name, value) in rows) text.Append(name.PadRight(width + 2)).Append(value).Append('\n');
        foreach (string note in report.Notes ?? []) text.Append("note: ").Append(note).Append('\n');
        return text.ToString();
    }

    private static double? BitsPerDimError(EvaluationReport report) =>
        report.NllStandardError is double se ? se / (report.Dimensions * Math.Log(2)) : null;

    private static string Number(double? value, string format) => value is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string Integer(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "–";

    private static string RatioLabel(EvaluationReport report) =>
        report.OutlierBackground is string background ? $"  likelihood ratio ({background})" : "  likelihood ratio";

    private static string LlrLabel(EvaluationReport report) =>
        report.LlrPriorLayers is int k
            ? $"  LLR>{k.ToString(CultureInfo.InvariantCulture)}{(report.LlrPriorMean == true ? " (prior means)" : " (prior draws)")}, K = {Integer(report.LlrSamples)}"
            : "  LLR>k";

    private static string Percent(double? value) => value is double v ? (100 * v).ToString("F1", CultureInfo.InvariantCulture) + " %" : "–";

    private static string StandardError(double? value, double? se, string format = "F2") =>
        value is not null && se is double s ? " ± " + s.ToString(format, CultureInfo.InvariantCulture) : "";
}
