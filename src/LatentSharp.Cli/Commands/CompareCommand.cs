using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LatentSharp.Data;
using LatentSharp.Evaluation;

namespace LatentSharp.Cli.Commands;

/// <summary>
/// <c>latent compare</c>: the NLLs of several eval.json reports next to each other, and each one's difference from the
/// first with the standard error of the paired, image-by-image difference (<see cref="NllComparison"/>).
/// </summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var reports = new Argument<string[]>("reports")
        {
            Description = "eval.json files written by latent eval on the same images; the first is the reference.",
            Arity = new ArgumentArity(2, 100),
        };
        var command = new Command("compare", "Compare models evaluated on the same images: NLL, and the paired difference from the first with its standard error.")
        {
            reports,
        };
        command.SetAction(parse =>
        {
            string[] paths = parse.GetValue(reports)!;
            EvaluationReport[] loaded = paths.Select(Read).ToArray();
            IReadOnlyList<NllComparison.Row> rows = NllComparison.Against(loaded[0], loaded[1..]);
            parse.InvocationConfiguration.Output.Write(FormatTable(paths, loaded, rows));
            return CommandRunner.Ok;
        });
        return command;
    }

    private static EvaluationReport Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such evaluation report (latent eval writes eval.json next to the checkpoint).", path);
        try
        {
            return EvaluationReportWriter.Read(path);
        }
        catch (JsonException e)
        {
            throw new InvalidDataFileException(path, $"not an evaluation report ({e.Message})", "Run latent eval again to replace it.", e);
        }
    }

    private static string FormatTable(string[] paths, EvaluationReport[] reports, IReadOnlyList<NllComparison.Row> rows)
    {
        EvaluationReport reference = reports[0];
        string unit = reference.Convention switch
        {
            NllConvention.Dequantized8Bit => "NLL (nats, dequantized)",
            NllConvention.Discrete8Bit => "NLL (nats, 8-bit likelihood)",
            _ => "NLL (nats)",
        };
        var lines = new List<string[]> { new[] { "report", "ELBO", unit, "Δ NLL vs first (paired)" } };
        lines.Add([paths[0], Number(reference.Elbo), WithError(Nll(reference), reference.NllStandardError), "reference"]);
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            lines.Add([paths[i + 1], Number(row.Report.Elbo), WithError(Nll(row.Report), row.Report.NllStandardError),
                WithError(row.Difference, row.PairedStandardError, signed: true)]);
        }
        int[] widths = Enumerable.Range(0, 4).Select(c => lines.Max(l => l[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (string[] line in lines)
            text.Append(string.Join("  ", line.Select((cell, c) => c == 3 ? cell : cell.PadRight(widths[c])))).Append('\n');
        text.Append(CultureInfo.InvariantCulture,
            $"{reference.NllPerImage!.Length} images of {reference.Dataset} / {reference.Split}; Δ < 0: lower NLL than the reference.\n");
        return text.ToString();
    }

    /// <summary>The mean per-image NLL in nats, in whichever convention the report holds.</summary>
    private static double Nll(EvaluationReport report) => report.NllPerImage!.Average();

    private static string Number(double? value) => value is double v ? v.ToString("F2", CultureInfo.InvariantCulture) : "–";

    private static string WithError(double value, double? standardError, bool signed = false) =>
        (signed ? value.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture) : value.ToString("F2", CultureInfo.InvariantCulture))
        + (standardError is double se ? " ± " + se.ToString("F2", CultureInfo.InvariantCulture) : "");
}
