namespace LatentSharp.Optim;

/// <summary>
/// A learning rate per epoch, in closed form (PyTorch's epoch-wise schedulers): the trainer sets
/// <c>optimizer.LearningRate = schedule.At(epoch, baseLr)</c> before each epoch, epoch counting from 0.
/// Being a pure function of the epoch, a resumed run needs no scheduler state.
/// </summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate for <paramref name="epoch"/> (from 0) when the run starts at <paramref name="baseLearningRate"/>; throws <see cref="ArgumentOutOfRangeException"/> for a negative epoch.</summary>
    float At(int epoch, float baseLearningRate);
}

/// <summary>The base learning rate throughout.</summary>
public sealed class ConstantLr : ILearningRateSchedule
{
    /// <inheritdoc/>
    public float At(int epoch, float baseLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return baseLearningRate;
    }
}

/// <summary>PyTorch's <c>StepLR</c>: base · γ^⌊epoch / stepSize⌋.</summary>
public sealed class StepLr : ILearningRateSchedule
{
    /// <summary>Multiplies the rate by <paramref name="gamma"/> every <paramref name="stepSize"/> epochs; throws <see cref="ArgumentOutOfRangeException"/> for a step size below 1 or a γ not finite and positive.</summary>
    public StepLr(int stepSize, float gamma = 0.1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        if (!float.IsFinite(gamma) || gamma <= 0f) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "must be finite and positive");
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>The epochs between two decays.</summary>
    public int StepSize { get; }
    /// <summary>γ, the factor applied at each decay.</summary>
    public float Gamma { get; }

    /// <inheritdoc/>
    public float At(int epoch, float baseLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return (float)(baseLearningRate * Math.Pow(Gamma, epoch / StepSize));
    }
}

/// <summary>PyTorch's <c>ExponentialLR</c>: base · γ^epoch.</summary>
public sealed class ExponentialLr : ILearningRateSchedule
{
    /// <summary>Multiplies the rate by <paramref name="gamma"/> every epoch; throws <see cref="ArgumentOutOfRangeException"/> unless γ is finite and positive.</summary>
    public ExponentialLr(float gamma)
    {
        if (!float.IsFinite(gamma) || gamma <= 0f) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "must be finite and positive");
        Gamma = gamma;
    }

    /// <summary>γ, the factor applied each epoch.</summary>
    public float Gamma { get; }

    /// <inheritdoc/>
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
    /// <summary>Anneals from the base rate to <paramref name="etaMin"/> over <paramref name="tMax"/> epochs; throws <see cref="ArgumentOutOfRangeException"/> for tMax below 1 or a negative or non-finite ηmin.</summary>
    public CosineAnnealingLr(int tMax, float etaMin = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tMax);
        if (!float.IsFinite(etaMin) || etaMin < 0f) throw new ArgumentOutOfRangeException(nameof(etaMin), etaMin, "must be finite and non-negative");
        TMax = tMax;
        EtaMin = etaMin;
    }

    /// <summary>The epoch at which the rate reaches <see cref="EtaMin"/> (half the cosine's period).</summary>
    public int TMax { get; }
    /// <summary>ηmin, the lowest learning rate.</summary>
    public float EtaMin { get; }

    /// <inheritdoc/>
    public float At(int epoch, float baseLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return (float)(EtaMin + (baseLearningRate - (double)EtaMin) * (1.0 + Math.Cos(Math.PI * epoch / TMax)) / 2.0);
    }
}
