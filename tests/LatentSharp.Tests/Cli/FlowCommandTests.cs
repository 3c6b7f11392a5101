using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Reports;
using LatentSharp.Training;

namespace LatentSharp.Tests.Cli;

public sealed class FlowCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-flows-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Train_IafPosteriorAndRealNvpPrior_RaisesTheValidationElbo_ResumesAndEvaluates()
    {
        var (code, output, error) = Latent.Run("train", "--epochs", "3", "--hidden", "64", "--latent", "4", "--validation", "500", "--threads", "2",
            "--posterior-flow", "iaf", "--flow-steps", "2", "--flow-hidden", "16", "--prior", "realnvp", "--prior-flow-steps", "2", "-o", _dir);
        Assert.True(code == 0, error);
        Assert.Contains("iaf posterior K=2", output);
        string latest = Path.Combine(_dir, Trainer.LatestCheckpoint);
        Checkpoint checkpoint = Checkpoint.Load(latest);
        Assert.Equal(("iaf", 2, 16, "realnvp", 2), (checkpoint.Model.Spec.PosteriorFlow, checkpoint.Model.Spec.FlowSteps, checkpoint.Model.Spec.FlowHidden, checkpoint.Model.Spec.Prior, checkpoint.Model.Spec.PriorFlowSteps));
        double[] validationElbo = [.. checkpoint.Training!.History.Select(e => e.Validation[TermSums.Elbo])];
        Assert.True(validationElbo[^1] > validationElbo[0], $"validation ELBO by epoch: {string.Join(", ", validationElbo)}");
        Assert.True(File.Exists(Path.Combine(_dir, Figures.SamplesFile)));

        (code, output, error) = Latent.Run("train", "--epochs", "4", "--resume", latest);
        Assert.True(code == 0, error);
        Assert.Contains("epoch   4", output);
        Assert.Equal(4, Checkpoint.Load(latest).Training!.CompletedEpochs);

        (code, output, error) = Latent.Run("eval", "--model", latest, "--ood", "none", "--samples", "50", "--images", "100", "--no-probe", "--threads", "2");
        Assert.True(code == 0, error);
        Assert.Contains("NLL, K = 50", output);
        EvaluationReport report = EvaluationReportWriter.Read(Path.Combine(_dir, EvaluationReportWriter.DefaultFileName));
        Assert.True(report.NllNats is double nll && double.IsFinite(nll) && nll <= -report.Elbo, $"NLL {report.NllNats} against −ELBO {-report.Elbo}");
    }
}
