using LatentSharp.Models;

namespace LatentSharp.Training;

/// <summary>One epoch's numbers: per-example means of the model's metrics on each split (named as <see cref="TermSums"/> names them), and throughput.</summary>
public sealed record EpochReport(
    int Epoch,
    double LearningRate,
    IReadOnlyDictionary<string, double> Train,
    IReadOnlyDictionary<string, double> Test,
    int ActiveUnits,
    double Seconds,
    double ExamplesPerSecond)
{
    /// <summary>
    /// The number the best checkpoint is chosen by: test ELBO if the model has one, else minus the exact test NLL
    /// (the PixelCNN), else minus the test loss.
    /// </summary>
    public double Score =>
        Test.TryGetValue(TermSums.Elbo, out double elbo) ? elbo
        : Test.TryGetValue(TermSums.Nll, out double nll) ? -nll
        : -Test.GetValueOrDefault(TermSums.Loss, double.NaN);
}
