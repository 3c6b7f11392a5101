using System.Globalization;
using LatentSharp.Data;
using LatentSharp.Evaluation;
using LatentSharp.Imaging;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Reports;

/// <summary>
/// The one-page HTML report of a trained model: what it is, its training curves (from the checkpoint's history), its
/// evaluation table (when <c>latent eval</c> left an eval.json beside the checkpoint), and its pictures: samples,
/// reconstructions, an interpolation, a traversal, the embedding and the decoded manifold.
/// </summary>
public static class RunReport
{
    /// <summary>The report's default file name.</summary>
    public const string FileName = "report.html";

    /// <summary>What goes into a report besides the model: where it came from and the test data to show.</summary>
    public sealed record Inputs(string CheckpointPath, Checkpoint Checkpoint, Dataset Test, ulong Seed)
    {
        /// <summary>The evaluation table, when there is one.</summary>
        public EvaluationReport? Evaluation { get; init; }

        /// <summary>Why there is no evaluation table (shown instead of it).</summary>
        public string? EvaluationNote { get; init; }
    }

    /// <summary>The report page for <paramref name="inputs"/>; throws <see cref="UnsupportedByModelException"/> for a model without a latent space.</summary>
    public static HtmlReport Build(Inputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        LatentModel model = inputs.Checkpoint.Model;
        ILatentSpace space = model.Require<ILatentSpace>("The run report");
        model.RequireUnconditional("The run report");
        TrainingState? training = inputs.Checkpoint.Training;
        Dataset test = inputs.Test;
        model.Eval();

        var report = new HtmlReport($"LatentSharp report: {Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(inputs.CheckpointPath)))}");
        report.Table(["", ""],
        [
            ["checkpoint", inputs.CheckpointPath],
            ["model", model.Spec.ToString()],
            ["parameters", model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)],
            ["figures from", $"{test.Name}, {test.Count} images"],
            ["epochs", training is null ? "no training state in the checkpoint" : $"{training.CompletedEpochs} (best: {training.BestEpoch})"],
        ]);

        report.Heading("Hyperparameters");
        report.Table(["setting", "value"],
            RunConfig.Hyperparameters(model.Spec, training?.Options).Select(h => (IReadOnlyList<string>)[h.Name, h.Value]));

        report.Heading("Training");
        if (training is null || training.History.Count == 0) report.Paragraph("The checkpoint holds no training history.");
        else
        {
            foreach (string svg in TrainingCurves(training.History)) report.Svg(svg);
            EpochReport last = training.History[^1];
            report.Table(["metric, epoch " + last.Epoch.ToString(CultureInfo.InvariantCulture), "train", "test"],
                MetricNames(training.History).Select(m => (IReadOnlyList<string>)
                    [m, Number(last.Train.GetValueOrDefault(m, double.NaN)), Number(last.Test.GetValueOrDefault(m, double.NaN))]));
        }

        report.Heading("Evaluation");
        if (inputs.Evaluation is not null) report.Preformatted(EvaluationReportWriter.FormatTable(inputs.Evaluation));
        else report.Paragraph(inputs.EvaluationNote ?? $"No {EvaluationReportWriter.DefaultFileName} beside the checkpoint: run latent eval to add the table.");

        report.Heading("Pictures");
        float[] codes = LatentFigures.Codes(model, test);
        int n = test.Count, l = space.LatentSize, h = model.Spec.Height, w = model.Spec.Width;
        LatentFrame frame = LatentFrame.For(model, codes, n);

        report.Figure(Figures.Samples(model, 64, new Rng(inputs.Seed), test),
            model.Has<IHasPrior>() ? "Samples: decoder means of 64 draws from the prior" : $"Samples: decoded draws from {frame.Description}");
        report.Figure(Figures.Reconstructions(model, test), "Reconstructions: test images (data) over their reconstructions (recon)");
        int to = LatentFigures.OtherClassIndex(test, 0);
        report.Figure(LatentFigures.Interpolation(model, test.Image(0), test.Image(to), 10, [InterpolationPath.Linear, InterpolationPath.Spherical], h, w),
            $"Interpolation in latent space from test {LatentFigures.Describe(test, 0)} to {LatentFigures.Describe(test, to)}");
        int[] dims = LatentFigures.DefaultTraversalDimensions(codes, n, l);
        report.Figure(LatentFigures.Traversal(model, test.Image(0), dims, frame, 3, 9, h, w),
            $"Traversal of test {LatentFigures.Describe(test, 0)}: each row sets one dimension to centre + k·scale of {frame.Description}, k from -3 to 3"
            + (dims.Length < l ? $" (the {dims.Length} most active of {l} dimensions)" : ""));
        report.Figure(LatentFigures.EmbeddingSvg(model, test), "Embedding of the test set, coloured by class" + (l > 2 ? " (first two principal components)" : ""));
        if (l >= 2)
        {
            var (x, y) = LatentFigures.DefaultManifoldDimensions(codes, n, l);
            report.Figure(LatentFigures.ManifoldSvg(model, frame, 15, x, y, h, w),
                $"Decoded manifold over z{x} (left to right) and z{y} (bottom to top) at the quantiles (i + 1/2)/15 of {frame.Description}"
                + (l > 2 ? "; the other dimensions at the centre" : ""));
        }
        return report;
    }

    /// <summary>One SVG chart per metric of the history (train and test over epochs), then the active units.</summary>
    public static IReadOnlyList<string> TrainingCurves(IReadOnlyList<EpochReport> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        double[] epochs = history.Select(r => (double)r.Epoch).ToArray();
        var charts = new List<string>();
        foreach (string metric in MetricNames(history))
        {
            var plot = new SvgLinePlot { Title = Title(metric), YLabel = metric == "loss" ? "per image" : "nats per image" };
            charts.Add(plot.Render(
            [
                new LineSeries("train", epochs, history.Select(r => r.Train.GetValueOrDefault(metric, double.NaN)).ToArray()),
                new LineSeries("test", epochs, history.Select(r => r.Test.GetValueOrDefault(metric, double.NaN)).ToArray()),
            ]));
        }
        charts.Add(new SvgLinePlot { Title = "active units (test)", YLabel = "dimensions" }
            .Render([new LineSeries("test", epochs, history.Select(r => (double)r.ActiveUnits).ToArray())]));
        return charts;
    }

    private static readonly string[] KnownOrder = ["elbo", "reconstruction", "kl", "loss"];

    private static IEnumerable<string> MetricNames(IReadOnlyList<EpochReport> history) =>
        history.SelectMany(r => r.Train.Keys.Concat(r.Test.Keys)).Distinct()
            .OrderBy(m => Array.IndexOf(KnownOrder, m) is int i && i >= 0 ? i : KnownOrder.Length).ThenBy(m => m, StringComparer.Ordinal);

    private static string Title(string metric) => metric switch
    {
        "elbo" => "ELBO",
        "reconstruction" => "reconstruction log p(x|z)",
        "kl" => "KL(q(z|x) || p(z))",
        _ => metric,
    };

    private static string Number(double v) => double.IsFinite(v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "–";
}
