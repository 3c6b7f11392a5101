namespace LatentSharp.Optim;

/// <summary>
/// A learning rate per epoch, in closed form (PyTorch's epoch-wise schedulers): the trainer sets
/// <c>optimizer.LearningRate = schedule.At(epoch, baseLr)</c> before each epoch, epoch counting from 0.
/// Being a pure function of the epoch, a resumed run needs no scheduler state.
/// </summary>
public interface ILearningRateSchedule
{
    float At(int epoch, float baseLearningRate);
}

/// <summary>The base learning rate throughout.</summary>
public sealed class ConstantLr : ILearningRateSchedule
{
    public float At(int epoch, float baseLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return baseLearningRate;
    }
}

/// <summary>PyTorch's <c>StepLR</c>: base · γ^⌊epoch / stepSize⌋.</summary>
public sealed class StepLr : ILearningRateSchedule
{
    public StepLr(int stepSize, float gamma = 0.1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        if (!float.IsFinite(gamma) || gamma <= 0f) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "must be finite and positive");
        StepSize = stepSize;
        Gamma = gamma;
    }

    public int StepSize { get; }
    public float Gamma { get; }

    public float At(int epoch, float baseLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return (float)(baseLearningRate * Math.Pow(Gamma, epoch / StepSize));
    }
}

/// <summary>PyTorch's <c>ExponentialLR</c>: base · γ^epoch.</summary>
public sealed class ExponentialLr : ILearningRateSchedule
{
    public ExponentialLr(float gamma)
    {
        if (!float.IsFinite(gamma) || gamma <= 0f) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "must be finite and positive");
        Gamma = gamma;
    }

    public float Gamma { get; }

    public float At(int epoch, float baseLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return (float)(baseLearningRate * Math.Pow(Gamma, epoch));
    }
}

/// <summary>
/// PyTorch's <c>CosineAnnealingLR</c> (its closed form): ηmin + (base − ηmin)(1 + cos(π·epoch / tMax)) / 2,
/// reaching ηmin at epoch tMax and, past it, rising again along the same cosine.
/// </summary>
public sealed class CosineAnnealingLr : ILearningRateSchedule
{
    public CosineAnnealingLr(int tMax, float etaMin = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tMax);
        if (!float.IsFinite(etaMin) || etaMin < 0f) throw new ArgumentOutOfRangeException(nameof(etaMin), etaMin, "must be finite and non-negative");
        TMax = tMax;
        EtaMin = etaMin;
    }

    public int TMax { get; }
    public float EtaMin { get; }

    public float At(int epoch, float baseLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return (float)(EtaMin + (baseLearningRate - (double)EtaMin) * (1.0 + Math.Cos(Math.PI * epoch / TMax)) / 2.0);
    }
}
