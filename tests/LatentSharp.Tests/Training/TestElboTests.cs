using LatentSharp.Data;
using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Tests.Evaluation;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

/// <summary>The trainer's test metrics and <c>latent eval</c>'s ELBO come from the same terms and the same sums.</summary>
public class TestElboTests
{
    [Fact]
    public void Evaluate_ModelWhoseDrawsDoNotMatter_GivesModelEvaluationsElbo()
    {
        // With every decoder weight zero, log p(x|z) does not depend on z and the closed-form KL never did: the two
        // evaluations, which draw their noise from different streams, must then agree to the rounding of their sums.
        DataSplits sample = new DatasetResolver().Load("sample");
        var data = new DataSplits(SmallTrainedVae.Pooled(sample.Train, 100), SmallTrainedVae.Pooled(sample.Test, 150));
        LatentModel model = ModelCatalog.Build(new ModelSpec { Height = 14, Width = 14, Hidden = [16], LatentSize = 3 }, new Rng(5));
        foreach (var (name, p) in model.NamedParameters())
            if (name.StartsWith("decoder", StringComparison.Ordinal) && name.EndsWith("weight", StringComparison.Ordinal)) Array.Clear(p.Data);

        var options = new TrainingOptions { Seed = 9, Binarization = Binarization.Dynamic, EvaluationBatchSize = 64 };
        var trainer = new Trainer(model, options);
        IReadOnlyDictionary<string, double> test = trainer.Evaluate(data.Test.Binarize(new Rng(Dataset.TestBinarizationSeed))).Metrics;
        EvaluationReport report = ModelEvaluation.Run(model, data, new EvaluationOptions { Samples = 1, Binarize = true, Probe = false, BatchSize = 50 });

        Assert.Equal(test[TermSums.Elbo], report.Elbo!.Value, 9);
        Assert.Equal(test[TermSums.Reconstruction], report.Reconstruction!.Value, 9);
        Assert.Equal(test[TermSums.Kl], report.Kl!.Value, 9);
    }
}
