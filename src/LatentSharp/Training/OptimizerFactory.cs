using LatentSharp.Optim;
using LatentSharp.Tensors;

namespace LatentSharp.Training;

/// <summary>Turns the optimizer and schedule names of <see cref="TrainingOptions"/> into objects.</summary>
public static class OptimizerFactory
{
    public static IReadOnlyList<string> OptimizerNames { get; } = ["adam", "adamw", "sgd", "adagrad"];

    public static IReadOnlyList<string> ScheduleNames { get; } = ["constant", "step", "exponential", "cosine"];

    public static Optimizer Create(TrainingOptions o, IEnumerable<Tensor> parameters) => o.Optimizer switch
    {
        "adam" => new Adam(parameters, o.LearningRate, weightDecay: o.WeightDecay),
        "adamw" => new AdamW(parameters, o.LearningRate, weightDecay: o.WeightDecay),
        "sgd" => new Sgd(parameters, o.LearningRate, o.Momentum, o.WeightDecay),
        "adagrad" => new Adagrad(parameters, o.LearningRate, weightDecay: o.WeightDecay),
        _ => throw new ArgumentException($"Unknown optimizer \"{o.Optimizer}\"; choose one of {string.Join(", ", OptimizerNames)}."),
    };

    public static ILearningRateSchedule Schedule(TrainingOptions o) => o.Schedule switch
    {
        "constant" => new ConstantLr(),
        "step" => new StepLr(o.StepSize, o.Gamma),
        "exponential" => new ExponentialLr(o.Gamma),
        "cosine" => new CosineAnnealingLr(o.Epochs),
        _ => throw new ArgumentException($"Unknown learning-rate schedule \"{o.Schedule}\"; choose one of {string.Join(", ", ScheduleNames)}."),
    };
}
