namespace LatentSharp.Training;

/// <summary>Hears about training progress (the CLI draws a progress bar from it).</summary>
public interface ITrainingObserver
{
    /// <summary>Epoch <paramref name="epoch"/> (1 first) of <paramref name="epochs"/> starts; it has <paramref name="steps"/> minibatches.</summary>
    void EpochStarted(int epoch, int epochs, int steps);

    /// <summary>Minibatch <paramref name="step"/> of <paramref name="steps"/> is done, with its <paramref name="loss"/> and the epoch's throughput so far.</summary>
    void StepCompleted(int epoch, int step, int steps, double loss, double examplesPerSecond);

    /// <summary>An epoch is done and scored.</summary>
    void EpochCompleted(EpochReport report);
}
