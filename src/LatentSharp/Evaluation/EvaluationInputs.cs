using LatentSharp.Data;

namespace LatentSharp.Evaluation;

/// <summary>
/// The images each part of an evaluation works on: the evaluated split (its first <see cref="EvaluationOptions.Images"/>),
/// the probes' training and test splits, the background model's training images and the out-of-distribution set.
/// With <see cref="EvaluationOptions.Binarize"/> the evaluated split and the out-of-distribution set are binarized by
/// <see cref="TestBinarization"/>, the whole split at once before any subset is taken, so the test images are exactly those
/// the trainer scores. The probes never see binarized images: their features are of the grey levels (8-bit intensities),
/// so a probe's accuracy does not depend on one draw of binary pixels.
/// </summary>
/// <param name="Name">The data set's name without its split, e.g. "sample".</param>
/// <param name="Description">The data set as the report names it: binarization and subset included.</param>
/// <param name="Evaluated">The images whose ELBO, NLL, active units and outlier scores are measured.</param>
/// <param name="Count">N, images evaluated: all of <paramref name="Evaluated"/>.</param>
/// <param name="Dimensions">D, values per image.</param>
/// <param name="ProbeTrain">The probes' training images (and the PCA / pPCA fit's): grey levels, never binarized.</param>
/// <param name="ProbeTest">The probes' test images: the whole test split, grey levels, never binarized.</param>
/// <param name="BackgroundTrain">Training intensities, never binarized: the pixel means of a background are the same either way.</param>
/// <param name="OutOfDistribution">The out-of-distribution test images (as many as evaluated at most), or null when none are usable.</param>
internal sealed record EvaluationInputs(string Name, string Description, Dataset Evaluated, int Count, int Dimensions,
    Dataset ProbeTrain, Dataset ProbeTest, Dataset BackgroundTrain, Dataset? OutOfDistribution)
{
    /// <summary>
    /// Selects the images for <paramref name="options"/> from <paramref name="data"/>, for a model of
    /// <paramref name="modelDimensions"/> values per image; says in <paramref name="notes"/> why an out-of-distribution set
    /// is not used.
    /// </summary>
    public static EvaluationInputs Prepare(DataSplits data, EvaluationOptions options, int modelDimensions, List<string> notes)
    {
        Dataset train = data.Train, test = data.Test;
        if (train.Dimensions != modelDimensions)
            throw new DataMismatchException($"The data set '{train.Name}' has images of {train.Rows}x{train.Cols} = {train.Dimensions} pixels; the model expects {modelDimensions}.");
        string name = train.Name.Split('/')[0];
        Dataset Prepared(Dataset split) => TestBinarization.Apply(split, options.Binarize);

        Dataset evaluatedFull = Prepared(options.Split == "train" ? train : test);
        int count = Math.Min(options.Images ?? int.MaxValue, evaluatedFull.Count);
        if (count == 0) throw new DataMismatchException($"The {options.Split} split of '{name}' has no images.");
        Dataset evaluated = count == evaluatedFull.Count ? evaluatedFull : First(evaluatedFull, count);
        Dataset probeTrain = options.TrainImages is int t && t < train.Count ? First(train, t) : train;
        Dataset backgroundTrain = options.TrainImages is int u && u < train.Count ? First(train, u) : train;

        Dataset? ood = null;
        if (options.OutOfDistribution?.Test is { } oodTest)
        {
            if (oodTest.Dimensions != train.Dimensions)
            {
                notes.Add($"Outlier scores skipped: {options.OutOfDistribution.Name} has {oodTest.Rows}x{oodTest.Cols} images, {name} {train.Rows}x{train.Cols}.");
            }
            else
            {
                Dataset oodReady = Prepared(oodTest);
                int oodCount = Math.Min(options.Images ?? int.MaxValue, oodReady.Count);
                ood = oodCount == oodReady.Count ? oodReady : First(oodReady, oodCount);
            }
        }
        string description = options.Binarize
            ? $"{name} (binarized once, seed {Dataset.TestBinarizationSeed})"
            : $"{name} (8-bit intensities)";
        if (count < evaluatedFull.Count) description += $", first {count} of {evaluatedFull.Count}";
        return new EvaluationInputs(name, description, evaluated, count, train.Dimensions, probeTrain, test, backgroundTrain, ood);
    }

    private static Dataset First(Dataset data, int n) => data.Subset(Enumerable.Range(0, n).ToArray());
}
