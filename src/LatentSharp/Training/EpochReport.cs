using System.Text.Json.Serialization;
using LatentSharp.Models;

namespace LatentSharp.Training;

/// <summary>
/// One epoch's numbers: per-example means of the model's metrics (named as <see cref="TermSums"/> names them) on the
/// training batches and on the validation split, the active units on the validation split, and throughput. The test split
/// is not scored per epoch (see <see cref="TrainingState.Test"/>); <see cref="Test"/> holds what runs from before
/// validation splits measured on it every epoch.
/// </summary>
public sealed record EpochReport
{
    private static readonly IReadOnlyDictionary<string, double> None = new Dictionary<string, double>();

    /// <summary>An epoch without validation metrics; every argument sets the property of the same name.</summary>
    [JsonConstructor]
    public EpochReport(int epoch, double learningRate, IReadOnlyDictionary<string, double> train, int activeUnits, double seconds, double examplesPerSecond)
    {
        Epoch = epoch;
        LearningRate = learningRate;
        Train = train;
        ActiveUnits = activeUnits;
        Seconds = seconds;
        ExamplesPerSecond = examplesPerSecond;
    }

    /// <summary>An epoch judged on the validation metrics <paramref name="validation"/>.</summary>
    public EpochReport(int epoch, double learningRate, IReadOnlyDictionary<string, double> train, IReadOnlyDictionary<string, double> validation,
        int activeUnits, double seconds, double examplesPerSecond)
        : this(epoch, learningRate, train, activeUnits, seconds, examplesPerSecond)
    {
        Validation = validation;
    }

    /// <summary>The epoch, 1 for the first.</summary>
    public int Epoch { get; init; }

    /// <summary>The learning rate the epoch trained with.</summary>
    public double LearningRate { get; init; }

    /// <summary>The metrics on the training batches, per example, in nats, by <see cref="TermSums"/> name.</summary>
    public IReadOnlyDictionary<string, double> Train { get; init; }

    /// <summary>The metrics on the validation split; empty when the run holds no validation images out.</summary>
    public IReadOnlyDictionary<string, double> Validation { get; init; } = None;

    /// <summary>The metrics on the test split of a run from before validation splits (its checkpoints and logs still read); empty for others.</summary>
    public IReadOnlyDictionary<string, double> Test { get; init; } = None;

    /// <summary>The active latent units on the validation split; 0 without one or without a latent space.</summary>
    public int ActiveUnits { get; init; }

    /// <summary>The epoch's training time, in seconds.</summary>
    public double Seconds { get; init; }

    /// <summary>Training examples per second over the epoch.</summary>
    public double ExamplesPerSecond { get; init; }

    /// <summary>The held-out metrics the epoch is judged on: <see cref="Validation"/>, or an older run's <see cref="Test"/>.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, double> HeldOut => Validation.Count > 0 ? Validation : Test;

    /// <summary>
    /// The number the best epoch is chosen by (and early stopping watches), from the <see cref="HeldOut"/> metrics, or the
    /// training metrics of a run without held-out images: the ELBO if the model has one, else minus the exact NLL
    /// (the PixelCNN), else minus the loss.
    /// </summary>
    public double Score => ScoreOf(HeldOut.Count > 0 ? HeldOut : Train);

    private static double ScoreOf(IReadOnlyDictionary<string, double> metrics) =>
        metrics.TryGetValue(TermSums.Elbo, out double elbo) ? elbo
        : metrics.TryGetValue(TermSums.Nll, out double nll) ? -nll
        : -metrics.GetValueOrDefault(TermSums.Loss, double.NaN);
}
