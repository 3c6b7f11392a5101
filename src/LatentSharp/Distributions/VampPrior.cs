using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// The VampPrior (Tomczak &amp; Welling 2018): p(z) = (1/K) Σ_k q(z | u_k), the mixture of the encoder's own
/// posteriors at K learnable pseudo-inputs u_k [K, D]. The pseudo-inputs pass through a hard tanh to [0, 1] as in the
/// paper (so they stay images) and start at N(0.05, 0.01²) like the paper's code, or at training images
/// (<see cref="InitializeFrom"/>). The encoder is not owned here: the prior holds a function x → q(z|x) of the model
/// it belongs to, and only the pseudo-inputs are its parameters. No closed-form KL: the VAE uses log q − log p.
/// While the model's parameters are fixed (<see cref="Module.FixParameters"/>, as in evaluation) the K posteriors are
/// computed once and kept: otherwise every no-gradient batch would encode all K pseudo-inputs again.
/// </summary>
public sealed class VampPrior : Module, IPrior, IKeepsWhileFixed
{
    /// <summary>The pseudo-inputs' starting distribution N(0.05, 0.01²), as in the paper's code.</summary>
    public const float InitialMean = 0.05f, InitialStd = 0.01f;

    private readonly Func<Tensor, DiagonalNormal> _posterior;
    private readonly Tensor _pseudoInputs;   // [K, D], before the hard tanh
    private readonly Lock _keptLock = new();
    private int _fixedScopes;
    private (float[] Means, float[] LogVariances)? _kept;   // q(z | u_k) [K, L] each, while fixed

    /// <summary>
    /// K pseudo-inputs of D pixels for L latent dimensions; <paramref name="posterior"/> is the encoder of the model
    /// this prior belongs to, x [n, D] → q(z|x) over [n, L].
    /// </summary>
    public VampPrior(int components, int dimensions, int latentSize, Func<Tensor, DiagonalNormal> posterior, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(components);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latentSize);
        ArgumentNullException.ThrowIfNull(posterior);
        ArgumentNullException.ThrowIfNull(rng);
        Components = components;
        Dimensions = dimensions;
        LatentSize = latentSize;
        _posterior = posterior;
        _pseudoInputs = RegisterParameter("pseudo_inputs", Tensor.Parameter(components, dimensions));
        rng.FillGaussian(_pseudoInputs.Data, InitialMean, InitialStd);
    }

    /// <summary>K, the pseudo-inputs.</summary>
    public int Components { get; }

    /// <summary>D, the pixels of one pseudo-input.</summary>
    public int Dimensions { get; }

    /// <summary>L, the latent dimensions.</summary>
    public int LatentSize { get; }

    /// <summary>The raw parameter; the images the encoder sees are <see cref="PseudoInputs"/>. [K, D]</summary>
    public Tensor PseudoInputParameter => _pseudoInputs;

    /// <summary>u_k = hardtanh(parameter) ∈ [0, 1]: the pseudo-images. [K, D]</summary>
    public Tensor PseudoInputs() => _pseudoInputs.Clamp(0f, 1f);

    /// <inheritdoc/>
    public string Name => "vamp";

    /// <inheritdoc/>
    public bool HasClosedFormKl => false;

    /// <summary>
    /// Starts the pseudo-inputs at K of the given images plus N(0, 0.01²) noise (the paper's "training data
    /// initialisation"). <paramref name="images"/> is [n ≥ K, D] row-major; rows are picked at random.
    /// </summary>
    public void InitializeFrom(ReadOnlySpan<float> images, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int d = Dimensions, n = images.Length / d;
        if (images.Length % d != 0 || n < Components)
            throw new ArgumentException($"The VampPrior needs at least {Components} images of {d} pixels to start its pseudo-inputs from; got {images.Length} values.", nameof(images));
        int[] rows = rng.Permutation(n);
        float[] u = _pseudoInputs.Data;
        for (int k = 0; k < Components; k++)
        {
            images.Slice(rows[k] * d, d).CopyTo(u.AsSpan(k * d, d));
            for (int j = 0; j < d; j++) u[k * d + j] += (float)(InitialStd * rng.NextGaussian());
        }
    }

    // log p(z) = logsumexp_k log q(z | u_k) − log K
    /// <inheritdoc/>
    public Tensor LogProb(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        Tensor mean, logVariance;   // [K, L] each
        if (!Tensor.IsGradEnabled && Kept() is var (means, logVariances))
            (mean, logVariance) = (Tensor.FromArray(means, Components, LatentSize), Tensor.FromArray(logVariances, Components, LatentSize));
        else
        {
            DiagonalNormal q = _posterior(PseudoInputs());
            (mean, logVariance) = (q.Mean, q.LogVariance);
        }
        Tensor perComponent = Tensor.GaussianComponentLogDensities(z, mean, logVariance);   // [B, K]
        return perComponent.LogSumExp(1) - MathF.Log(Components);   // [B]
    }

    /// <inheritdoc/>
    void IKeepsWhileFixed.Fix()
    {
        lock (_keptLock) _fixedScopes++;
    }

    /// <inheritdoc/>
    void IKeepsWhileFixed.Release()
    {
        lock (_keptLock)
        {
            if (_fixedScopes == 0) throw new InvalidOperationException("The VampPrior was released more often than fixed.");
            if (--_fixedScopes == 0) _kept = null;
        }
    }

    /// <summary>
    /// The K posteriors kept while the parameters are fixed, computed on first use (called without gradients; the
    /// arrays are the prior's own, not an arena's); null when not fixed.
    /// </summary>
    private (float[] Means, float[] LogVariances)? Kept()
    {
        lock (_keptLock)
        {
            if (_fixedScopes == 0) return null;
            return _kept ??= Posteriors();
        }
    }

    /// <summary>q(z | u_k) for the K pseudo-inputs, copied out of any arena. [K, L] each</summary>
    private (float[] Means, float[] LogVariances) Posteriors()
    {
        using (Tensor.NoGrad())
        {
            DiagonalNormal q = _posterior(PseudoInputs());
            int n = Components * LatentSize;
            return (q.Mean.Data.AsSpan(0, n).ToArray(), q.LogVariance.Data.AsSpan(0, n).ToArray());
        }
    }

    /// <summary>n draws: a pseudo-input k uniformly per row, then z ~ q(z | u_k). A constant (no gradient). [n, L]</summary>
    public Tensor Sample(int n, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentNullException.ThrowIfNull(rng);
        int l = LatentSize;
        var (means, logVariances) = Kept() ?? Posteriors();
        Tensor z = Noise.StandardNormal(rng, n, l);
        float[] zd = z.Data;
        for (int i = 0; i < n; i++)
        {
            int k = rng.NextInt(Components);
            for (int j = 0; j < l; j++)
                zd[i * l + j] = means[k * l + j] + MathF.Exp(0.5f * logVariances[k * l + j]) * zd[i * l + j];
        }
        return z;
    }
}
