using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

/// <summary>
/// Each model-zoo variant learns on the shipped sample: two epochs on 1000 real images raise the test ELBO (from about
/// −550 to −380…−410 for the MLP variants, −475 for the small conv-vae; about 1–3 s each on the loaded 2-core machine, the conv-vae the slowest).
/// </summary>
public class ZooTrainingTests
{
    private static readonly Lazy<DataSplits> Sample = new(() =>
    {
        DataSplits sample = new DatasetResolver().Load("sample");
        return new DataSplits(sample.Train.Subset(Enumerable.Range(0, 1000).ToArray()), sample.Test.Subset(Enumerable.Range(0, 200).ToArray()));
    });

    private static readonly ModelSpec Tiny = new() { LatentSize = 8, Hidden = [64], ConvChannels = [8, 16], PriorComponents = 10 };

    public static TheoryData<string, string, int> Variants => new()
    {
        { "vae", "standard-normal", 3 },   // IWAE, K = 3
        { "conv-vae", "standard-normal", 0 },
        { "cvae", "standard-normal", 0 },
        { "vae", "mog", 0 },
        { "vae", "vamp", 0 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void TwoEpochs_RaiseTheTestElbo(string kind, string prior, int importanceSamples)
    {
        DataSplits data = Sample.Value;
        ModelSpec spec = Tiny with { Kind = kind, Prior = prior, Classes = kind == "cvae" ? data.Train.ClassCount : 0 };
        var options = new TrainingOptions { Epochs = 2, BatchSize = 100, LearningRate = 3e-3f, Seed = 3, Binarization = Binarization.Dynamic, ImportanceSamples = importanceSamples };
        var trainer = new Trainer(ModelCatalog.Build(spec, new Rng(2)), options);
        double before = trainer.Evaluate(data.Test.Binarize(new Rng(20_141_222))).Metrics["elbo"];

        TrainingState state = trainer.Fit(data);

        double after = state.Test!.Metrics["elbo"];
        Assert.True(after > before + 50, $"{spec}: test ELBO {before:F1} → {after:F1} after two epochs");
        Assert.True(state.History[^1].Validation["elbo"] > state.History[0].Validation["elbo"], $"{spec}: the second epoch should improve on the first");
        if (importanceSamples > 0) Assert.True(state.History[^1].Train["iwae"] >= state.History[^1].Train["elbo"]);
    }
}
