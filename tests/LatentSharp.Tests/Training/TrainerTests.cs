using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

public sealed class TrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly ModelSpec Spec = new() { LatentSize = 2, Hidden = [16] };

    /// <summary>A small real slice of the shipped sample: 320 train, 100 test images.</summary>
    private static DataSplits SmallSample()
    {
        DataSplits sample = new DatasetResolver().Load("sample");
        return new DataSplits(sample.Train.Subset(Enumerable.Range(0, 320).ToArray()), sample.Test.Subset(Enumerable.Range(0, 100).ToArray()));
    }

    private static TrainingOptions Options(int epochs) => new() { Epochs = epochs, BatchSize = 64, Seed = 5, Binarization = Binarization.Dynamic, WarmupEpochs = 1 };

    [Fact]
    public void Fit_Resumed_EndsExactlyWhereAnUninterruptedRunEnds()
    {
        DataSplits data = SmallSample();
        LatentModel straight = ModelCatalog.Build(Spec, new Rng(5));
        TrainingState expected = new Trainer(straight, Options(3)).Fit(data, Path.Combine(_dir, "straight"));

        string interrupted = Path.Combine(_dir, "interrupted");
        new Trainer(ModelCatalog.Build(Spec, new Rng(5)), Options(1)).Fit(data, interrupted);
        Checkpoint saved = Checkpoint.Load(Path.Combine(interrupted, Trainer.LatestCheckpoint));
        Assert.Equal(1, saved.Training!.CompletedEpochs);
        TrainingState resumed = new Trainer(saved.Model, saved.Training.Options with { Epochs = 3 })
            .Fit(data, interrupted, resumeFrom: saved.Training, optimizerState: saved.Optimizer);

        Assert.Equal(straight.Parameters().SelectMany(p => p.Data), saved.Model.Parameters().SelectMany(p => p.Data));
        Assert.Equal(expected.History.Select(h => h.Validation["elbo"]), resumed.History.Select(h => h.Validation["elbo"]));
        Assert.Equal(expected.Test!.Metrics, resumed.Test!.Metrics);
    }

    [Fact]
    public void Fit_ImprovesTheValidationElbo_AndWritesLogAndCheckpoints()
    {
        DataSplits data = SmallSample();
        TrainingState state = new Trainer(ModelCatalog.Build(Spec, new Rng(1)), Options(3) with { WarmupEpochs = 0 }).Fit(data, _dir);
        Assert.True(state.History[^1].Validation["elbo"] > state.History[0].Validation["elbo"] + 5, "three epochs should raise the validation ELBO");
        Assert.True(File.Exists(Path.Combine(_dir, Trainer.LatestCheckpoint)));
        Assert.True(File.Exists(Path.Combine(_dir, Trainer.BestCheckpoint)));
        string[] log = File.ReadAllLines(Path.Combine(_dir, TrainingLog.FileName));
        Assert.Equal(4, log.Length);
        Assert.StartsWith("epoch,lr,train_elbo,train_reconstruction,train_kl,validation_elbo", log[0]);
        Assert.DoesNotContain("test_", log[0]);
        Assert.InRange(state.History[^1].ActiveUnits, 1, 2);
    }

    [Fact]
    public void Evaluate_Again_ReusesTheLastEvaluationsBuffers()
    {
        DataSplits data = SmallSample();
        var trainer = new Trainer(ModelCatalog.Build(Spec, new Rng(3)), Options(1));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var first = trainer.Evaluate(data.Test);
        long firstBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        var second = trainer.Evaluate(data.Test);
        long secondBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(first.Metrics, second.Metrics);   // the same draws every time
        // The first call allocates the batch's tensors; the second only small objects, less than one [100, 784] tensor
        // (a new arena each time allocated them all again: a batch's worth of garbage for the collector every epoch).
        const long batchTensorBytes = 100 * 784 * sizeof(float);
        Assert.True(firstBytes > 3 * batchTensorBytes, $"the first evaluation allocated only {firstBytes} bytes");
        Assert.True(secondBytes < batchTensorBytes, $"the second evaluation allocated {secondBytes} bytes, the first {firstBytes}");
    }

    [Fact]
    public void Fit_NonFiniteLoss_NamesEpochAndStep_AndKeepsTheLastGoodCheckpoint()
    {
        DataSplits data = SmallSample();
        LatentModel model = ModelCatalog.Build(Spec, new Rng(1));
        var trainer = new Trainer(model, Options(1));
        TrainingState first = trainer.Fit(data, _dir);
        byte[] good = File.ReadAllBytes(Path.Combine(_dir, Trainer.LatestCheckpoint));

        model.Parameters().First().Data[0] = float.NaN;
        var continued = new Trainer(model, Options(3));
        var ex = Assert.Throws<TrainingDivergedException>(() => continued.Fit(data, _dir, resumeFrom: first));
        Assert.Contains("epoch 2, step 1 of 5", ex.Message);
        Assert.Equal(good, File.ReadAllBytes(Path.Combine(_dir, Trainer.LatestCheckpoint)));
    }

    [Fact]
    public void Fit_ImagesOfAnotherSize_SaysWhichSizes()
    {
        DataSplits data = SmallSample();
        LatentModel model = ModelCatalog.Build(Spec with { Height = 8, Width = 8 }, new Rng(1));
        var ex = Assert.Throws<DataMismatchException>(() => new Trainer(model, Options(1)).Fit(data));
        Assert.Contains("28x28", ex.Message);
        Assert.Contains("1x8x8", ex.Message);
    }

    [Theory]
    [InlineData("ae", "bce")]
    [InlineData("pixelcnn", "bernoulli")]
    public void Constructor_ObjectiveSettingsOfABound_AreRefusedForAModelWithoutDraws(string kind, string likelihood)
    {
        LatentModel model = ModelCatalog.Build(Spec with { Kind = kind, Likelihood = likelihood, Height = 4, Width = 4 }, new Rng(1));
        var ex = Assert.Throws<InvalidSettingException>(() => new Trainer(model, Options(1) with { WarmupEpochs = 0, ImportanceSamples = 2 }));
        Assert.Equal(nameof(TrainingOptions.ImportanceSamples), ex.Setting);
        _ = new Trainer(model, Options(1) with { WarmupEpochs = 0 });
    }
}
