namespace LatentSharp.Training;

/// <summary>Where a run stands after a completed epoch: enough, with the weights and optimizer state, to resume it exactly.</summary>
public sealed record TrainingState(
    TrainingOptions Options,
    int CompletedEpochs,
    int BestEpoch,
    double BestScore,
    IReadOnlyList<EpochReport> History);
