using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// Independent Gaussian pixels: the decoder output is the mean; the variance is either fixed or a learned
/// per-pixel diagonal (a parameter of this module, kept above <see cref="MinLogVariance"/> so the
/// likelihood cannot run off to infinity on constant background pixels).
/// </summary>
public sealed class GaussianObservation : Module, IObservationModel
{
    // Variance floor 1e-4 (σ = 0.01, about 2.5 grey levels): below it a constant background pixel would drive the
    // likelihood to infinity. The ceiling keeps exp() finite.
    /// <summary>The range a learned log-variance is clamped to: variance 1e-4 (σ = 0.01) to e¹⁰.</summary>
    public const float MinLogVariance = -9.21f, MaxLogVariance = 10f;
    private readonly Tensor? _logVariance;        // [D] when learned
    private readonly float _fixedLogVariance;

    /// <summary>Fixed variance for every pixel.</summary>
    public GaussianObservation(float variance)
    {
        if (!(variance > 0) || !float.IsFinite(variance)) throw new ArgumentOutOfRangeException(nameof(variance), variance, "The decoder variance must be a positive number.");
        _fixedLogVariance = MathF.Log(variance);
    }

    /// <summary>A learned per-pixel variance over <paramref name="pixels"/> pixels, starting at <paramref name="initialVariance"/>.</summary>
    public GaussianObservation(int pixels, float initialVariance)
        : this(initialVariance)
    {
        _logVariance = RegisterParameter("log_variance", Tensor.Parameter(pixels));
        Array.Fill(_logVariance.Data, _fixedLogVariance);
    }

    /// <summary>True when the per-pixel variance is a learned parameter, false when it is fixed.</summary>
    public bool IsLearned => _logVariance is not null;

    /// <inheritdoc/>
    public string Name => IsLearned ? "gaussian-learned" : "gaussian";

    /// <inheritdoc/>
    public Tensor LogProb(Tensor x, Tensor output)
    {
        // A learned [D] row broadcasts over the batch; a fixed variance is a one-element constant.
        Tensor logVariance = _logVariance is null ? Tensor.Full(_fixedLogVariance, 1) : _logVariance.Clamp(MinLogVariance, MaxLogVariance);
        return Tensor.GaussianLogDensity(x.Tile(IObservationModel.DrawsPerImage(x, output)), output, logVariance).Sum(1);
    }

    /// <inheritdoc/>
    public Activation? MeanActivation => Activation.Identity;

    /// <inheritdoc/>
    public Tensor Mean(Tensor output) => output;

    /// <inheritdoc/>
    public Tensor Sample(Tensor output, Rng rng)
    {
        Tensor eps = Noise.StandardNormal(rng, output.ShapeArray);
        Tensor std = _logVariance is null
            ? Tensor.Full(MathF.Exp(0.5f * _fixedLogVariance), 1)
            : (_logVariance.Clamp(MinLogVariance, MaxLogVariance) * 0.5f).Exp();
        return output + eps * std;
    }
}
