using LatentSharp.Tensors;

namespace LatentSharp.Data;

/// <summary>
/// The rule for the images a trained model is scored on, shared by the trainer (validation and test splits) and the
/// evaluation: a model trained on binarized pixels (static or dynamic) is scored on binary images, each split binarized
/// once with <see cref="Dataset.TestBinarizationSeed"/>, so every scoring sees the same images; any other model on the
/// intensities as given.
/// </summary>
public static class TestBinarization
{
    /// <summary>Whether a model trained with <paramref name="training"/> is scored on binarized images.</summary>
    public static bool AppliesAfter(Binarization training) => training != Binarization.None;

    /// <summary><paramref name="split"/> binarized once with <see cref="Dataset.TestBinarizationSeed"/> when <paramref name="binarize"/>, else itself.</summary>
    public static Dataset Apply(Dataset split, bool binarize)
    {
        ArgumentNullException.ThrowIfNull(split);
        return binarize ? split.Binarize(new Rng(Dataset.TestBinarizationSeed)) : split;
    }

    /// <summary><paramref name="split"/> as a model trained with <paramref name="training"/> is scored on it.</summary>
    public static Dataset Apply(Dataset split, Binarization training) => Apply(split, AppliesAfter(training));
}
