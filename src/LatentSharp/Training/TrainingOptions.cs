using LatentSharp.Data;

namespace LatentSharp.Training;

/// <summary>How to train: the AEVB loop's settings. Stored in checkpoints so that a run can be resumed exactly.</summary>
public sealed record TrainingOptions
{
    /// <summary>The data set trained on (a name or a folder), recorded so that later commands default to it.</summary>
    public string? Data { get; init; }

    /// <summary>The last epoch to train to.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>B, the images per minibatch.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>"adam", "adamw", "sgd" or "adagrad".</summary>
    public string Optimizer { get; init; } = "adam";
    /// <summary>The optimizer's base learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>μ, SGD's momentum.</summary>
    public float Momentum { get; init; } = 0f;
    /// <summary>λ, the optimizer's weight decay.</summary>
    public float WeightDecay { get; init; } = 0f;

    /// <summary>"constant", "step", "exponential" or "cosine".</summary>
    public string Schedule { get; init; } = "constant";
    /// <summary>The epochs between two decays of the "step" schedule.</summary>
    public int StepSize { get; init; } = 10;
    /// <summary>γ, the decay factor of the "step" and "exponential" schedules.</summary>
    public float Gamma { get; init; } = 0.5f;

    /// <summary>Largest gradient norm before clipping; 0 turns clipping off.</summary>
    public float ClipNorm { get; init; } = 0f;

    /// <summary>The seed of every random draw of the run: initial weights, batch order, noise and the validation split.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The weight of the KL term (β-VAE); warm-up ramps it from 0 over <see cref="WarmupEpochs"/>.</summary>
    public float Beta { get; init; } = 1f;
    /// <summary>The epochs over which β ramps up from 0; 0 turns warm-up off.</summary>
    public int WarmupEpochs { get; init; } = 0;

    /// <summary>Free bits λ per latent dimension (nats); 0 turns it off.</summary>
    public float FreeBits { get; init; } = 0f;

    /// <summary>Noise samples L per example.</summary>
    public int Samples { get; init; } = 1;

    /// <summary>K ≥ 1 trains on the IWAE bound with K importance samples (Burda et al.); 0 trains on the ELBO.</summary>
    public int ImportanceSamples { get; init; } = 0;

    /// <summary>Whether training images are binarized: not at all, once (static) or afresh each epoch (dynamic).</summary>
    public Binarization Binarization { get; init; } = Binarization.None;

    /// <summary>
    /// Training images held out as the validation split, which the per-epoch metrics, the best epoch and early stopping are
    /// judged on (seeded by <see cref="Seed"/>, see <see cref="DataSplits.WithValidation"/>); 0 holds none out, and the
    /// best epoch is then the one with the best training metrics. Null takes
    /// <see cref="DataSplits.DefaultValidationCount"/> of the data; a run stores the number it used.
    /// </summary>
    public int? ValidationImages { get; init; }

    /// <summary>Early stopping: stop when the validation score has not improved for this many epochs; 0 turns it off.</summary>
    public int Patience { get; init; } = 0;

    /// <summary>Examples per evaluation batch on the validation and test splits, at most: <see cref="Models.LatentModel.EvaluationBatchSize"/> lowers it for models with large activations.</summary>
    public int EvaluationBatchSize { get; init; } = 1000;

    /// <summary>Throws <see cref="InvalidSettingException"/> naming the first setting that is out of range or inconsistent.</summary>
    public void Validate()
    {
        if (FirstProblem() is var (setting, message)) throw new InvalidSettingException(setting, message);
    }

    /// <summary>
    /// The first setting that is out of range or inconsistent with the others, and what is wrong with it, in words that name
    /// the property, not a command-line flag (the same rules for settings given and settings read from a checkpoint).
    /// </summary>
    internal (string Setting, string Message)? FirstProblem()
    {
        (string, string)? problem = null;
        void Require(bool ok, string setting, string message)
        {
            if (!ok && problem is null) problem = (setting, message);
        }
        Require(Epochs >= 1, nameof(Epochs), $"The number of epochs must be at least 1, not {Epochs}.");
        Require(BatchSize >= 1, nameof(BatchSize), $"The batch size must be at least 1, not {BatchSize}.");
        Require(OptimizerFactory.OptimizerNames.Contains(Optimizer), nameof(Optimizer),
            $"Unknown optimizer \"{Optimizer}\"; choose one of {string.Join(", ", OptimizerFactory.OptimizerNames)}.");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), nameof(LearningRate), $"The learning rate must be a positive number, not {LearningRate}.");
        Require(Momentum >= 0 && float.IsFinite(Momentum), nameof(Momentum), $"The momentum must be a non-negative number, not {Momentum}.");
        Require(WeightDecay >= 0 && float.IsFinite(WeightDecay), nameof(WeightDecay), $"The weight decay must be a non-negative number, not {WeightDecay}.");
        Require(OptimizerFactory.ScheduleNames.Contains(Schedule), nameof(Schedule),
            $"Unknown learning-rate schedule \"{Schedule}\"; choose one of {string.Join(", ", OptimizerFactory.ScheduleNames)}.");
        Require(Beta >= 0 && float.IsFinite(Beta), nameof(Beta), $"β must be a non-negative number, not {Beta}.");
        Require(WarmupEpochs >= 0, nameof(WarmupEpochs), $"The warm-up must be zero or more epochs, not {WarmupEpochs}.");
        Require(FreeBits >= 0 && float.IsFinite(FreeBits), nameof(FreeBits), $"The free bits must be a non-negative number, not {FreeBits}.");
        Require(Samples >= 1, nameof(Samples), $"The number of noise samples must be at least 1, not {Samples}.");
        Require(ImportanceSamples >= 0, nameof(ImportanceSamples), $"The number of importance samples must be at least 1 (or 0 for the ELBO), not {ImportanceSamples}.");
        Require(ImportanceSamples == 0 || (Samples == 1 && FreeBits == 0), nameof(ImportanceSamples),
            "The IWAE bound draws its own K samples and has no free bits: leave the noise samples at 1 and the free bits at 0.");
        Require(ClipNorm >= 0 && float.IsFinite(ClipNorm), nameof(ClipNorm), $"The clipping norm must be a non-negative number, not {ClipNorm}.");
        Require(ValidationImages is null or >= 0, nameof(ValidationImages), $"The number of validation images must be zero or more, not {ValidationImages}.");
        Require(Patience >= 0, nameof(Patience), $"The patience must be zero (no early stopping) or more epochs, not {Patience}.");
        Require(EvaluationBatchSize >= 1, nameof(EvaluationBatchSize), $"The evaluation batch size must be at least 1, not {EvaluationBatchSize}.");
        return problem;
    }
}
