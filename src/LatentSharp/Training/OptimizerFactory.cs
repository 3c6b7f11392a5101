using LatentSharp.Optim;
using LatentSharp.Tensors;

namespace LatentSharp.Training;

/// <summary>Turns the optimizer and schedule names of <see cref="TrainingOptions"/> into objects.</summary>
public static class OptimizerFactory
{
    /// <summary>The optimizer names <see cref="TrainingOptions.Optimizer"/> takes.</summary>
    public static IReadOnlyList<string> OptimizerNames { get; } = ["adam", "adamw", "sgd", "adagrad"];

    /// <summary>The schedule names <see cref="TrainingOptions.Schedule"/> takes.</summary>
    public static IReadOnlyList<string> ScheduleNames { get; } = ["constant", "step", "exponential", "cosine"];

    /// <summary>The optimizer <paramref name="o"/> names, over <paramref name="parameters"/>; throws <see cref="ArgumentException"/> for an unknown name.</summary>
    public static Optimizer Create(TrainingOptions o, IEnumerable<Tensor> parameters) => o.Optimizer switch
    {
        "adam" => new Adam(parameters, o.LearningRate, weightDecay: o.WeightDecay),
        "adamw" => new AdamW(parameters, o.LearningRate, weightDecay: o.WeightDecay),
        "sgd" => new Sgd(parameters, o.LearningRate, o.Momentum, o.WeightDecay),
        "adagrad" => new Adagrad(parameters, o.LearningRate, weightDecay: o.WeightDecay),
        _ => throw new ArgumentException($"Unknown optimizer \"{o.Optimizer}\"; choose one of {string.Join(", ", OptimizerNames)}."),
    };

    /// <summary>The learning-rate schedule <paramref name="o"/> names (cosine over all its epochs); throws <see cref="ArgumentException"/> for an unknown name.</summary>
    public static ILearningRateSchedule Schedule(TrainingOptions o) => o.Schedule switch
    {
        "constant" => new ConstantLr(),
        "step" => new StepLr(o.StepSize, o.Gamma),
        "exponential" => new ExponentialLr(o.Gamma),
        "cosine" => new CosineAnnealingLr(o.Epochs),
        _ => throw new ArgumentException($"Unknown learning-rate schedule \"{o.Schedule}\"; choose one of {string.Join(", ", ScheduleNames)}."),
    };
}
