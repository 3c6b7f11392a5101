namespace LatentSharp.Training;

/// <summary>Where a run stands after a completed epoch: enough, with the weights and optimizer state, to resume it exactly.</summary>
public sealed record TrainingState(
    TrainingOptions Options,
    int CompletedEpochs,
    int BestEpoch,
    double BestScore,
    IReadOnlyList<EpochReport> History)
{
    /// <summary>The test split's metrics, scored once when the run ended; null while it runs (and in runs from before validation splits).</summary>
    public TestScore? Test { get; init; }

    /// <summary>
    /// Whether early stopping has ended the run: <see cref="TrainingOptions.Patience"/> epochs have passed since the best
    /// one. A resumed run that stopped early trains no further.
    /// </summary>
    public bool StoppedEarly => Options.Patience > 0 && CompletedEpochs - BestEpoch >= Options.Patience;
}

/// <summary>
/// The test split scored once at the end of a run, with the weights of epoch <paramref name="Epoch"/> (the best epoch's, when
/// they were at hand): per-example means of the model's metrics, as <see cref="EpochReport"/> names them, over
/// <paramref name="Images"/> images, and the active units.
/// </summary>
public sealed record TestScore(int Epoch, int Images, IReadOnlyDictionary<string, double> Metrics, int ActiveUnits);

/// <summary>The consistency a training state read from a file must have: what the trainer itself would have written.</summary>
internal static class TrainingStateCheck
{
    public static void Require(TrainingState state, string file)
    {
        InvalidCheckpointException Refuse(string field, string problem) => MetadataJson.Refuse(file, "training." + field, problem);

        if (state.Options.FirstProblem() is var (setting, message))
            throw Refuse($"options.{char.ToLowerInvariant(setting[0])}{setting[1..]}", $"is not a setting a run can have ({message.TrimEnd('.')})");
        if (state.CompletedEpochs < 1 || state.CompletedEpochs > state.Options.Epochs)
            throw Refuse("completedEpochs", $"is {state.CompletedEpochs}, not a count from 1 to options.epochs = {state.Options.Epochs}");
        if (state.History.Count != state.CompletedEpochs)
            throw Refuse("history", $"has {state.History.Count} epochs; completedEpochs says {state.CompletedEpochs}");
        int best = 0;
        for (int i = 0; i < state.History.Count; i++)
        {
            EpochReport report = state.History[i];
            string at = $"history[{i}]";
            if (report.Epoch != i + 1) throw Refuse($"{at}.epoch", $"is {report.Epoch}, not {i + 1}");
            if (report.LearningRate < 0) throw Refuse($"{at}.learningRate", $"is {report.LearningRate}, not a learning rate of 0 or more");
            if (report.ActiveUnits < 0) throw Refuse($"{at}.activeUnits", $"is {report.ActiveUnits}, not a count");
            if (report.Seconds < 0 || report.ExamplesPerSecond < 0)
                throw Refuse($"{at}.seconds", "or examplesPerSecond is negative");
            if (report.Score > state.History[best].Score) best = i;   // the trainer keeps the first of equal scores
        }
        if (state.Test is { } test && (test.Epoch < 1 || test.Epoch > state.CompletedEpochs || test.Images < 0 || test.ActiveUnits < 0))
            throw Refuse("test", $"is of epoch {test.Epoch} over {test.Images} images with {test.ActiveUnits} active units, not of an epoch from 1 to {state.CompletedEpochs} with counts of 0 or more");
        if (state.BestEpoch != best + 1 || state.BestScore != state.History[best].Score)
            throw Refuse("bestEpoch", $"is {state.BestEpoch} with bestScore {state.BestScore}, but history's best epoch is {best + 1} with score {state.History[best].Score}");
    }
}
