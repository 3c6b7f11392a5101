using LatentSharp.Data;
using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Evaluation;

/// <summary>A small CVAE trained once on the pooled 14×14 sample (as <see cref="SmallTrainedVae"/>), so that labels matter.</summary>
public sealed class SmallTrainedCvae
{
    public SmallTrainedCvae()
    {
        DataSplits sample = new DatasetResolver().Load("sample");
        Data = new DataSplits(SmallTrainedVae.Pooled(sample.Train, 1500), SmallTrainedVae.Pooled(sample.Test, 100));
        Model = ModelCatalog.Build(new ModelSpec { Kind = "cvae", Height = 14, Width = 14, Hidden = [32], LatentSize = 4, Classes = 10 }, new Rng(5));
        new Trainer(Model, new TrainingOptions { Epochs = 4, BatchSize = 64, Seed = 5 }).Fit(Data);
        Model.Eval();
    }

    public DataSplits Data { get; }

    public LatentModel Model { get; }
}

public sealed class ConditionalEvaluationTests(SmallTrainedCvae trained) : IClassFixture<SmallTrainedCvae>
{
    [Fact]
    public void Run_Cvae_GivesTheConditionalNllOfEachImageUnderItsOwnLabel()
    {
        const int K = 1000;
        EvaluationReport report = ModelEvaluation.Run(trained.Model, trained.Data, new EvaluationOptions { Samples = K, Probe = false });
        Dataset test = trained.Data.Test;
        int n = test.Count, d = test.Dimensions;
        Assert.Equal(n, report.NllPerImage!.Length);
        Assert.True(report.NllNats <= -report.Elbo, $"NLL {report.NllNats} should not exceed −ELBO {-report.Elbo}");
        Assert.Contains(report.Notes!, note => note.Contains("log p(x | y)", StringComparison.Ordinal));

        // Each image alone under its own label (another random stream) agrees up to Monte Carlo noise; under a wrong
        // label it is clearly less likely. Images scattered back in the wrong order would fail the first check.
        var estimator = new ImportanceSampledNll(K);
        double ownGap = 0, wrongGap = 0;
        for (int i = 0; i < n; i++)
        {
            float[] image = test.Image(i).ToArray();
            int label = test.Labels[i], wrong = (label + 5) % trained.Model.Require<IConditional>("the test").Classes;
            double own = -estimator.LogMarginals(ModelLogWeights.For(trained.Model, label), image, 1, d, new Rng((ulong)i + 50))[0];
            double other = -estimator.LogMarginals(ModelLogWeights.For(trained.Model, wrong), image, 1, d, new Rng((ulong)i + 50))[0];
            ownGap += Math.Abs(own - report.NllPerImage[i]) / n;
            wrongGap += (other - report.NllPerImage[i]) / n;
        }
        Assert.True(ownGap < 0.2, $"own label: mean |difference| {ownGap:F3} nats (wrong label: {wrongGap:F3})");
        Assert.True(wrongGap > 0.4, $"a wrong label should cost clearly more than the noise; it cost {wrongGap:F3} nats on average");
    }

    [Fact]
    public void Run_Cvae_SkipsOutlierScoresWithAReason()
    {
        var options = new EvaluationOptions { Samples = 5, Probe = false, Images = 20, OutOfDistribution = OutOfDistributionSet.Found("sample", trained.Data.Test) };
        EvaluationReport report = ModelEvaluation.Run(trained.Model, trained.Data, options);
        Assert.Null(report.AurocLikelihood);
        Assert.Contains(report.Notes!, note => note.Contains("conditional on a label", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_Cvae_LabelOutsideTheModelsClasses_IsRefusedNamingTheLabel()
    {
        Dataset test = trained.Data.Test;
        int[] labels = test.Labels[..20];
        labels[7] = 12;
        var bad = new Dataset(test.Name, 20, test.Rows, test.Cols, test.Pixels[..(20 * test.Dimensions)], labels);   // no class names: 13 classes by label
        var error = Assert.ThrowsAny<ArgumentException>(() =>
            ModelEvaluation.Run(trained.Model, new DataSplits(trained.Data.Train, bad), new EvaluationOptions { Samples = 2, Probe = false }));
        Assert.Contains("12", error.Message);
    }

    [Fact]
    public void LogWeights_ConditionalModelWithoutLabel_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelLogWeights.For(trained.Model));
        Assert.Contains("label", error.Message);
    }
}
