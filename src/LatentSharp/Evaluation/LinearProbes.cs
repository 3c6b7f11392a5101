using LatentSharp.Data;
using LatentSharp.Models;

namespace LatentSharp.Evaluation;

/// <summary>
/// The probe part of an evaluation: a <see cref="LinearProbe"/> trained on the probe training split and scored on the
/// test split, on three feature sets of the same grey-level images (8-bit intensities, never binarized, even for a model
/// trained on binary ones: one draw of binary pixels would add its noise to every feature): the model's latent means, PCA
/// features of the same size, and the raw 8-bit pixels.
/// </summary>
internal static class LinearProbes
{
    /// <summary>
    /// The three test accuracies, with <paramref name="latentFeatures"/> giving the [N, L] latent means of a split and
    /// <paramref name="pca"/> an L-component PCA already fitted on the probe training images (null: fitted here); a note
    /// instead when the data set has no labels. Each probe is timed in <paramref name="parts"/>.
    /// </summary>
    public static EvaluationReport Measure(EvaluationReport report, EvaluationInputs inputs, int latentSize,
        Func<Dataset, float[]> latentFeatures, Pca? pca, PartTimer parts, List<string> notes)
    {
        Dataset train = inputs.ProbeTrain, test = inputs.ProbeTest;
        if (!train.HasLabels || !test.HasLabels)
        {
            notes.Add("Linear probes skipped: the data set has no labels.");
            return report;
        }
        int d = inputs.Dimensions, l = latentSize, classes = Math.Max(train.ClassCount, test.ClassCount);
        double Score(float[] trainFeatures, float[] testFeatures, int f) =>
            LinearProbe.TrainAndScore(trainFeatures, train.Labels, testFeatures, test.Labels, f, classes);

        double latent = parts.Time("probe: latent", () => Score(latentFeatures(train), latentFeatures(test), l));
        double pcaAccuracy = parts.Time("probe: PCA", () =>
        {
            Pca fitted = pca ?? Pca.Fit(train.Pixels, train.Count, d, l);
            return Score(fitted.Encode(train.Pixels, train.Count), fitted.Encode(test.Pixels, test.Count), l);
        });
        double pixels = parts.Time("probe: pixels", () => Score(train.Pixels, test.Pixels, d));
        notes.Add($"Linear probes: softmax regression trained on {train.Count} {inputs.Name} train images, accuracy on all {test.Count} test images, "
            + $"features of the {EvaluationReport.GreyLevelProbeImages}: latent means, PCA with {l} components fitted on the same training images, raw pixels.");
        return report with
        {
            ProbeImages = EvaluationReport.GreyLevelProbeImages,
            ProbeAccuracyLatent = latent, ProbeAccuracyPca = pcaAccuracy, ProbeAccuracyPixels = pixels,
        };
    }
}
