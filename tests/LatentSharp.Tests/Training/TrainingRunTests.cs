using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

public sealed class TrainingRunTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"ls-run-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static readonly ModelSpec Small = new() { LatentSize = 2, Hidden = [8] };

    private static TrainingOptions Options(int epochs) => new() { Epochs = epochs, BatchSize = 500, Seed = 4, ValidationImages = 500 };

    [Fact]
    public void New_RefusedSettings_AreReportedBeforeTheDataIsRead()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => TrainingRun.New(Small, Options(0), dataName: Path.Combine(_folder, "no-such-data")));
        Assert.Equal(nameof(TrainingOptions.Epochs), ex.Setting);
    }

    [Fact]
    public void Resume_ContinuesTheSavedRun_AndEqualsAnUninterruptedOne()
    {
        string interrupted = Path.Combine(_folder, "interrupted"), whole = Path.Combine(_folder, "whole");
        TrainingRun.New(Small, Options(1), directory: interrupted).Fit();
        TrainingRun resumed = TrainingRun.Resume(Path.Combine(interrupted, Trainer.LatestCheckpoint), epochs: 2);
        Assert.Equal(interrupted, resumed.Directory);
        Assert.Equal(DatasetResolver.Sample, resumed.Options.Data);
        Assert.Equal(500, resumed.Options.ValidationImages);
        TrainingState continued = resumed.Fit();
        TrainingState uninterrupted = TrainingRun.New(Small, Options(2), directory: whole).Fit();
        Assert.Equal(uninterrupted.History[^1].Validation, continued.History[^1].Validation);
        Assert.Equal(uninterrupted.Test!.Metrics, continued.Test!.Metrics);
    }

    private sealed class CancelAfterFirstEpoch(CancellationTokenSource source) : ITrainingObserver
    {
        public void EpochStarted(int epoch, int epochs, int steps) { }
        public void StepCompleted(int epoch, int step, int steps, double loss, double examplesPerSecond) { }
        public void EpochCompleted(EpochReport report) => source.Cancel();
    }

    [Fact]
    public void Resume_WithoutEpochs_GoesOnToTheCountTheRunWasStartedWith()
    {
        string run = Path.Combine(_folder, "stopped");
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => TrainingRun.New(Small, Options(3), directory: run).Fit(new CancelAfterFirstEpoch(stop), stop.Token));
        TrainingRun resumed = TrainingRun.Resume(Path.Combine(run, Trainer.LatestCheckpoint));
        Assert.Equal(3, resumed.Options.Epochs);
        Assert.Equal(1, resumed.ResumeFrom!.CompletedEpochs);
        Assert.Equal(3, resumed.Fit().CompletedEpochs);
    }

    [Fact]
    public void Resume_OnOtherData_IsRefusedNamingTheData()
    {
        string run = Path.Combine(_folder, "run");
        TrainingRun.New(Small, Options(1), directory: run).Fit();
        var ex = Assert.Throws<InvalidSettingException>(() => TrainingRun.Resume(Path.Combine(run, Trainer.LatestCheckpoint), 2, dataName: "mnist"));
        Assert.Equal(nameof(TrainingOptions.Data), ex.Setting);
        Assert.Contains("trained on sample, not mnist", ex.Message);
    }
}
