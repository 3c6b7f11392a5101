using LatentSharp.Tensors;

namespace LatentSharp.Data;

/// <summary>
/// The training and test splits of one dataset, and the validation images held out of the training split
/// (<see cref="WithValidation"/>), when there are any.
/// </summary>
public sealed record DataSplits(Dataset Train, Dataset Test)
{
    /// <summary>Training images held out for choosing the best epoch and early stopping; null when none are.</summary>
    public Dataset? Validation { get; init; }

    /// <summary>
    /// The validation images held out of a training split of <paramref name="trainCount"/> images unless told otherwise:
    /// one sixth (10,000 of Fashion-MNIST's or MNIST's 60,000, as the published protocols hold out), at least one, and none
    /// when fewer than two images would leave nothing to train on.
    /// </summary>
    public static int DefaultValidationCount(int trainCount) => trainCount < 2 ? 0 : Math.Max(1, trainCount / 6);

    /// <summary>
    /// These splits with <paramref name="count"/> training images moved into <see cref="Validation"/>: a uniformly random
    /// choice (not balanced by class) drawn from <paramref name="seed"/>, so the same seed and data give the same split.
    /// Both parts keep the training split's order; 0 gives the splits back unchanged.
    /// </summary>
    public DataSplits WithValidation(int count, ulong seed)
    {
        if (Validation is not null) throw new InvalidOperationException("These splits already hold validation images.");
        if (count < 0 || count >= Train.Count)
            throw new InvalidSettingException("ValidationImages", $"Holding out {count} of the {Train.Count} training images of '{Train.Name}' leaves none to train on (or is negative): hold out from 0 to {Train.Count - 1}.");
        if (count == 0) return this;
        var held = new bool[Train.Count];
        int[] order = new Rng(seed ^ ValidationStream).Permutation(Train.Count);
        for (int k = 0; k < count; k++) held[order[k]] = true;
        int[] Indices(bool validation) => [.. Enumerable.Range(0, Train.Count).Where(i => held[i] == validation)];
        return this with { Train = Train.Subset(Indices(false)), Validation = Train.Subset(Indices(true)) };
    }

    // Keeps the split's draws apart from the other draws made from the same seed.
    private const ulong ValidationStream = 0x5641_4C49_4441_5445;   // "VALIDATE"
}
