using System.Text.Json.Nodes;
using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

/// <summary>The validation split: what the per-epoch metrics, the best checkpoint and early stopping are judged on.</summary>
public sealed class ValidationSplitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-validation-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly ModelSpec Spec = new() { LatentSize = 2, Hidden = [16] };

    /// <summary>Records the test ELBO of every epoch's weights, as a trainer that chose on the test split would see it.</summary>
    private sealed class TestElboPerEpoch(Trainer trainer, Dataset test) : ITrainingObserver
    {
        public List<double> Elbos { get; } = [];

        public void EpochStarted(int epoch, int epochs, int steps) { }

        public void StepCompleted(int epoch, int step, int steps, double loss, double examplesPerSecond) { }

        public void EpochCompleted(EpochReport report) => Elbos.Add(trainer.Evaluate(test).Metrics[TermSums.Elbo]);
    }

    [Fact]
    public void BestCheckpoint_FollowsTheValidationElbo_NotTheTestElbo()
    {
        // Test images unlike the training images (each pixel inverted): the better the model fits the training images, the
        // worse it scores them, so a choice on the test split would pick another epoch than the choice on the validation split.
        DataSplits sample = new DatasetResolver().Load("sample");
        Dataset test = sample.Test.Subset([.. Enumerable.Range(0, 100)]);
        var inverted = new Dataset("inverted", test.Count, test.Rows, test.Cols, [.. test.Pixels.Select(p => 1 - p)]);
        var data = new DataSplits(sample.Train.Subset([.. Enumerable.Range(0, 400)]), inverted);
        LatentModel model = ModelCatalog.Build(Spec, new Rng(2));
        var trainer = new Trainer(model, new TrainingOptions { Epochs = 4, BatchSize = 50, Seed = 5, ValidationImages = 80 });
        var observer = new TestElboPerEpoch(new Trainer(model, new TrainingOptions { Seed = 5 }), inverted);

        TrainingState state = trainer.Fit(data, _dir, observer);

        int byValidation = 1 + state.History.Select(r => r.Validation[TermSums.Elbo]).ToList().IndexOf(state.History.Max(r => r.Validation[TermSums.Elbo]));
        int byTest = 1 + observer.Elbos.IndexOf(observer.Elbos.Max());
        Assert.NotEqual(byTest, byValidation);   // the data tells the two choices apart
        Assert.Equal(byValidation, state.BestEpoch);
        Assert.Equal(80, state.Options.ValidationImages);
        Checkpoint best = Checkpoint.Load(Path.Combine(_dir, Trainer.BestCheckpoint));
        Assert.Equal(byValidation, best.Training!.BestEpoch);
        Assert.Equal(observer.Elbos[byValidation - 1], state.Test!.Metrics[TermSums.Elbo], 9);   // the test split scored once, with the best weights
        Assert.Equal((byValidation, 100), (state.Test.Epoch, state.Test.Images));
        Assert.Equal(state.Test.Metrics, best.Training.Test!.Metrics);
    }

    private static TrainingOptions EarlyStopping(int epochs) =>
        TinyRun.Options(epochs) with { LearningRate = 3e-2f, Patience = 2, ValidationImages = 12 };

    [Fact]
    public void Patience_StopsAfterThatManyEpochsWithoutImprovement()
    {
        TrainingState state = new Trainer(ModelCatalog.Build(TinyRun.Spec, new Rng(3)), EarlyStopping(60)).Fit(TinyRun.Data(), _dir);

        Assert.True(state.CompletedEpochs < 60, "the tiny run should stop early");
        Assert.True(state.StoppedEarly);
        Assert.Equal(state.BestEpoch + 2, state.CompletedEpochs);
        double best = double.NegativeInfinity;
        int sinceBest = 0;
        foreach (EpochReport r in state.History.Take(state.CompletedEpochs - 1))
        {
            sinceBest = r.Score > best ? 0 : sinceBest + 1;
            best = Math.Max(best, r.Score);
            Assert.True(sinceBest < 2, $"epoch {r.Epoch} was the second without improvement; the run should have stopped there");
        }
        Assert.Equal(state.CompletedEpochs, File.ReadAllLines(Path.Combine(_dir, TrainingLog.FileName)).Length - 1);
    }

    [Fact]
    public void Patience_Resumed_StopsWhereAnUninterruptedRunStops_WithTheSameNumbers()
    {
        LatentModel straight = ModelCatalog.Build(TinyRun.Spec, new Rng(3));
        TrainingState expected = new Trainer(straight, EarlyStopping(60)).Fit(TinyRun.Data(), Path.Combine(_dir, "straight"));
        Assert.True(expected.CompletedEpochs > 2);

        string interrupted = Path.Combine(_dir, "interrupted");
        new Trainer(ModelCatalog.Build(TinyRun.Spec, new Rng(3)), EarlyStopping(expected.CompletedEpochs - 2)).Fit(TinyRun.Data(), interrupted);
        ResumePoint saved = Checkpoint.LoadForResume(Path.Combine(interrupted, Trainer.LatestCheckpoint));
        Assert.Equal(12, saved.Training.Options.ValidationImages);
        TrainingState resumed = new Trainer(saved.Model, saved.Training.Options with { Epochs = 60 })
            .Fit(TinyRun.Data(), interrupted, resumeFrom: saved.Training, optimizerState: saved.Optimizer);

        Assert.Equal(expected.CompletedEpochs, resumed.CompletedEpochs);
        Assert.Equal(expected.BestEpoch, resumed.BestEpoch);
        Assert.Equal(straight.Parameters().SelectMany(p => p.Data), saved.Model.Parameters().SelectMany(p => p.Data));
        Assert.Equal(expected.History.Select(h => h.Validation), resumed.History.Select(h => h.Validation));
        Assert.Equal(expected.History.Select(h => h.Train), resumed.History.Select(h => h.Train));
        Assert.Equal((expected.Test!.Epoch, expected.Test.Images, expected.Test.ActiveUnits), (resumed.Test!.Epoch, resumed.Test.Images, resumed.Test.ActiveUnits));
        Assert.Equal(expected.Test.Metrics, resumed.Test.Metrics);
        Assert.Equal(Weights(Path.Combine(_dir, "straight", Trainer.BestCheckpoint)), Weights(Path.Combine(interrupted, Trainer.BestCheckpoint)));

        // Resumed again once it has stopped, the run trains no further and keeps its numbers.
        ResumePoint done = Checkpoint.LoadForResume(Path.Combine(interrupted, Trainer.LatestCheckpoint));
        TrainingState again = new Trainer(done.Model, done.Training.Options with { Epochs = 60 })
            .Fit(TinyRun.Data(), interrupted, resumeFrom: done.Training, optimizerState: done.Optimizer);
        Assert.Equal(expected.CompletedEpochs, again.CompletedEpochs);
        Assert.Equal(expected.Test!.Metrics, again.Test!.Metrics);
    }

    private static float[] Weights(string path) => [.. Checkpoint.Load(path).Model.Parameters().SelectMany(p => p.Data)];

    [Fact]
    public void Checkpoint_FromBeforeValidationSplits_ReadsItsPerEpochTestHistory_AndHoldsNoImagesOut()
    {
        string run = Path.Combine(_dir, "old");
        TinyRun.Train(run);
        string path = Path.Combine(run, Trainer.LatestCheckpoint);
        byte[] old = TinyRun.WithMetadataJson(File.ReadAllBytes(path), "training", training =>
        {
            var options = (JsonObject)training["options"]!;
            options.Remove("validationImages");
            options.Remove("patience");
            training.Remove("test");
            foreach (JsonNode? epoch in (JsonArray)training["history"]!)
            {
                var report = (JsonObject)epoch!;
                JsonNode metrics = report["validation"]!;
                report.Remove("validation");
                report.Remove("test");
                report["test"] = metrics;
            }
        });
        File.WriteAllBytes(path, old);

        TrainingState state = Checkpoint.Load(path).Training!;
        Assert.Equal(0, state.Options.ValidationImages);
        Assert.Null(state.Test);
        Assert.Empty(state.History[0].Validation);
        Assert.Equal(state.History[1].Test[TermSums.Elbo], state.History[1].Score);
        TrainingLog.Write(Path.Combine(run, "old.csv"), state.History);
        Assert.Contains("test_elbo", File.ReadAllLines(Path.Combine(run, "old.csv"))[0]);
    }
}
