using LatentSharp.Cli;
using LatentSharp.Cli.Commands;
using LatentSharp.Evaluation;
using LatentSharp.Training;

namespace LatentSharp.Tests.Cli;

/// <summary>A tiny VAE trained once by <c>latent train</c> on the shipped sample with dynamic binarization.</summary>
public sealed class TinyTrainedRun : IDisposable
{
    public TinyTrainedRun()
    {
        var (code, _, error) = EvalCommandTests.Run("train", "--epochs", "1", "--hidden", "32", "--latent", "4", "--binarize", "dynamic", "-o", Folder);
        if (code != 0) throw new InvalidOperationException("latent train failed: " + error);
    }

    public string Folder { get; } = Directory.CreateTempSubdirectory("ls-eval-").FullName;

    public string Checkpoint => Path.Combine(Folder, Trainer.LatestCheckpoint);

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

public sealed class EvalCommandTests(TinyTrainedRun run) : IClassFixture<TinyTrainedRun>
{
    internal static (int Code, string Output, string Error) Run(params string[] args) => Latent.Run(args);

    private static readonly string[] Quick = ["--importance-samples", "50", "--images", "100", "--no-probe", "--threads", "2"];

    [Fact]
    public void Eval_TinyModelOnTheSample_PrintsTheTableAndWritesEvalJsonNextToTheCheckpoint()
    {
        var (code, output, error) = Run(["eval", "--model", run.Checkpoint, "--ood", "none", .. Quick]);
        Assert.True(code == 0, error);
        Assert.Contains("NLL, K = 50", output);
        Assert.Contains("binarized once, seed 20141222", output);

        EvaluationReport report = EvaluationReportWriter.Read(Path.Combine(run.Folder, EvaluationReportWriter.DefaultFileName));
        Assert.Equal(100, report.Images);
        foreach (double? value in new[] { report.Elbo, report.Reconstruction, report.Kl, report.NllNats, report.NllBitsPerDim })
            Assert.True(value is double v && double.IsFinite(v), $"{value} is not a finite number");
        Assert.True(report.NllNats <= -report.Elbo, $"NLL {report.NllNats} should not exceed −ELBO {-report.Elbo}");
        Assert.False(File.Exists(Path.Combine(run.Folder, EvaluationReportWriter.DefaultFileName + EvalCommand.ProgressSuffix)));   // gone once the report is written
        Assert.Null(report.DequantizedBitsPerDim);
        Assert.Equal(4, report.KlPerDimension!.Length);
        Assert.True(report.Seconds > 0);
    }

    [Fact]
    public void Eval_CorruptProgressFileBesideTheReport_NamesItAndSaysWhatToDo()
    {
        string json = Path.Combine(run.Folder, "corrupt-progress.json");
        File.WriteAllText(json + EvalCommand.ProgressSuffix, "not json");
        var (code, _, error) = Run(["eval", "--model", run.Checkpoint, "--ood", "none", "-o", json, .. Quick]);
        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains("corrupt-progress.json.progress", error);
        Assert.Contains("delete it", error);
    }

    [Fact]
    public void Eval_MissingOutOfDistributionSet_SucceedsWithANote()
    {
        string nowhere = Path.Combine(run.Folder, "no-such-set");
        string json = Path.Combine(run.Folder, "ood-missing.json");
        var (code, output, error) = Run(["eval", "--model", run.Checkpoint, "--ood", nowhere, "-o", json, .. Quick]);
        Assert.True(code == 0, error);
        Assert.Contains("note: Outlier scores vs", output);
        Assert.Contains("no-such-set", output);
        EvaluationReport report = EvaluationReportWriter.Read(json);
        Assert.Null(report.AurocLikelihood);
        Assert.Contains(report.Notes!, n => n.Contains("skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void Eval_OutOfDistributionGiven_ReportsBothAurocsNextToTheModelFreeBaselines()
    {
        string json = Path.Combine(run.Folder, "ood-sample.json");
        var (code, output, error) = Run(["eval", "--model", run.Checkpoint, "--ood", "sample", "-o", json, .. Quick]);
        Assert.True(code == 0, error);
        EvaluationReport report = EvaluationReportWriter.Read(json);
        // The sample against itself: the same 100 images on both sides.
        Assert.InRange(report.AurocLikelihood!.Value, 0.4, 0.6);
        Assert.InRange(report.AurocRatio!.Value, 0.4, 0.6);
        Assert.NotNull(report.FprAt95Ratio);
        Assert.Equal(0.5, report.AurocPixelBaseline);
        Assert.Equal(0.5, report.AurocCompressionBaseline);
        Assert.Contains("model-free: pixel likelihood    0.500", output);
        Assert.Contains("model-free: compressed length   0.500", output);
        Assert.Null(report.AurocLlr);   // one latent layer
    }

    [Theory]
    [InlineData(null, "compression")]
    [InlineData("pixels", "pixels")]
    [InlineData("compression", "compression")]
    public void Eval_Background_IsSelectableAndRecorded(string? background, string expected)
    {
        string json = Path.Combine(run.Folder, $"ood-background-{background ?? "default"}.json");
        string[] choice = background is null ? [] : ["--background", background];
        var (code, output, error) = Run(["eval", "--model", run.Checkpoint, "--ood", "sample", "-o", json, .. choice, .. Quick]);
        Assert.True(code == 0, error);
        Assert.Contains($"likelihood ratio ({expected})", output);
        EvaluationReport report = EvaluationReportWriter.Read(json);
        Assert.Equal(expected, report.OutlierBackground);
        Assert.InRange(report.AurocRatio!.Value, 0.4, 0.6); // the sample against itself
    }

    [Fact]
    public void Compare_MoreImportanceSamples_GiveALowerNllOnTheSameImages()
    {
        string one = Path.Combine(run.Folder, "k1.json"), many = Path.Combine(run.Folder, "k100.json");
        string[] common = ["eval", "--model", run.Checkpoint, "--ood", "none", "--images", "100", "--no-probe"];
        Assert.Equal(0, Run([.. common, "--importance-samples", "1", "-o", one]).Code);
        Assert.Equal(0, Run([.. common, "--importance-samples", "100", "-o", many]).Code);
        Assert.Equal(100, EvaluationReportWriter.Read(many).NllPerImage!.Length);

        var (code, output, error) = Run("compare", one, many);
        Assert.True(code == 0, error);
        Assert.Contains("reference", output);
        // The K = 100 bound is tighter than the one-sample bound (−ELBO) on every image: a clearly negative difference.
        string difference = output.Split('\n').Single(l => l.StartsWith(many, StringComparison.Ordinal)).Split("  ")[^1];
        Assert.StartsWith("−", difference);
    }

    [Fact]
    public void Compare_CorruptOrMissingReport_NamesTheFile()
    {
        string corrupt = Path.Combine(run.Folder, "corrupt.json");
        File.WriteAllText(corrupt, "{ not json");
        var (code, _, error) = Run("compare", corrupt, corrupt);
        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains("corrupt.json", error);
        (code, _, error) = Run("compare", Path.Combine(run.Folder, "absent.json"), corrupt);
        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains("absent.json", error);
        (code, _, error) = Run("compare", corrupt); // one report: nothing to compare with
        Assert.NotEqual(0, code);
        Assert.Contains("reports", error);
    }

    [Theory]
    [InlineData("--importance-samples", "0", "--importance-samples")]
    [InlineData("--split", "valid", "valid")]
    [InlineData("--threads", "0", "--threads")]
    [InlineData("--images", "0", "--images")]
    [InlineData("--llr-samples", "0", "--llr-samples")]
    [InlineData("--llr-k", "-1", "--llr-k")]
    [InlineData("--llr-prior-mean", "maybe", "maybe")]
    public void Eval_BadArguments_FailWithAMessageNamingTheOption(string option, string value, string expected)
    {
        var (code, _, error) = Run("eval", "--model", run.Checkpoint, option, value);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData(null, true, "LLR>1 (prior means), K = 5")]
    [InlineData("false", false, "LLR>1 (prior draws), K = 5")]
    public void Eval_HierarchicalModel_LlrPriorMeanByDefault_PrintsAndRecordsWhichBound(string? priorMean, bool recorded, string expected)
    {
        string folder = Path.Combine(run.Folder, "hvae-" + (priorMean ?? "default"));
        var (trained, _, trainError) = Run("train", "--kind", "hvae", "--latent-sizes", "4,2", "--hidden", "16", "--epochs", "1", "--binarize", "dynamic", "-o", folder);
        Assert.True(trained == 0, trainError);
        string json = Path.Combine(folder, "llr.json");
        string[] choice = priorMean is null ? [] : ["--llr-prior-mean", priorMean];
        var (code, output, error) = Run(["eval", "--model", Path.Combine(folder, Trainer.LatestCheckpoint), "--ood", "sample", "--images", "40",
            "--importance-samples", "5", "--llr-samples", "5", "--no-probe", "-o", json, .. choice]);
        Assert.True(code == 0, error);
        Assert.Contains(expected, output);
        EvaluationReport report = EvaluationReportWriter.Read(json);
        Assert.Equal(recorded, report.LlrPriorMean);
        Assert.Equal(0.5, report.AurocLlr);   // the sample against itself
    }

    [Fact]
    public void Eval_NeitherModelNorBaseline_SaysWhatToGive()
    {
        var (code, _, error) = Run("eval");
        Assert.NotEqual(0, code);
        Assert.Contains("--model", error);
        Assert.Contains("--baseline", error);
    }

    [Fact]
    public void Eval_MissingCheckpoint_NamesTheFile()
    {
        var (code, _, error) = Run("eval", "--model", Path.Combine(run.Folder, "missing.safetensors"), "--ood", "none");
        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains("missing.safetensors", error);
    }

    [Fact]
    public void Eval_BaselineWithBadLatentSize_SaysSo()
    {
        var (code, _, error) = Run("eval", "--baseline", "ppca", "--latent", "0", "--ood", "none", "-o", Path.Combine(run.Folder, "p.json"));
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("--latent", error);
    }

    [Fact]
    public void Eval_BaselineWithAsManyLatentDimensionsAsPixels_NamesTheFlagOfTheLibrarySetting()
    {
        var (code, _, error) = Run("eval", "--baseline", "ppca", "--latent", "784", "--ood", "none", "-o", Path.Combine(run.Folder, "p784.json"));
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.StartsWith("latent: --latent: ", error);
        Assert.Contains("783", error);
    }
}
