namespace LatentSharp.Training;

/// <summary>Hears about training progress (the CLI draws a progress bar from it).</summary>
public interface ITrainingObserver
{
    void EpochStarted(int epoch, int epochs, int steps);

    void StepCompleted(int epoch, int step, int steps, double loss, double examplesPerSecond);

    void EpochCompleted(EpochReport report);
}
