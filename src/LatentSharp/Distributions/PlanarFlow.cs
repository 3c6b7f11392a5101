using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// K planar flows (Rezende &amp; Mohamed 2015), f(z) = z + û·tanh(wᵀz + b), with log|det ∂f/∂z| = log|1 + ûᵀψ(z)|,
/// ψ(z) = (1 − tanh²(wᵀz + b))·w. Invertibility needs wᵀû ≥ −1; the free vector u is mapped to
/// û = u + (m(wᵀu) − wᵀu)·w/‖w‖², m(a) = −1 + softplus(a), so wᵀû = m(wᵀu) &gt; −1 and the determinant stays positive.
/// The parameters u_k, w_k [L] and b_k are global, learned with the model (as pythae's), not produced by the encoder:
/// the encoder and its checkpointed shapes stay those of the plain VAE, and the amortized, context-conditioned flow is
/// the IAF.
/// </summary>
public sealed class PlanarFlow : Module, IPosteriorFlow
{
    // Keeps log(1 + ûᵀψ) finite when float rounding takes m(wᵀu) to exactly −1.
    private const float MinDeterminant = 1e-20f;

    private readonly Tensor[] _u, _w, _b;   // [1, L], [1, L], [1] per step

    /// <summary>K steps over L dimensions; u and w start at U(−1/√L, 1/√L) like a linear layer's weights, b at zero.</summary>
    public PlanarFlow(int steps, int latentSize, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latentSize);
        ArgumentNullException.ThrowIfNull(rng);
        Steps = steps;
        LatentSize = latentSize;
        float bound = Init.UniformBound(latentSize);
        _u = new Tensor[steps];
        _w = new Tensor[steps];
        _b = new Tensor[steps];
        for (int k = 0; k < steps; k++)
        {
            _u[k] = RegisterParameter($"u{k}", Init.Uniform(rng, bound, 1, latentSize));
            _w[k] = RegisterParameter($"w{k}", Init.Uniform(rng, bound, 1, latentSize));
            _b[k] = RegisterParameter($"b{k}", Tensor.Parameter(1));
        }
    }

    /// <inheritdoc/>
    public string Name => "planar";

    /// <inheritdoc/>
    public int Steps { get; }

    /// <summary>L, the latent dimensions.</summary>
    public int LatentSize { get; }

    /// <inheritdoc/>
    public int ContextSize => 0;

    /// <summary>The free vector u of step k (before the constraint). [1, L]</summary>
    public Tensor U(int step) => _u[step];

    /// <summary>w of step k. [1, L]</summary>
    public Tensor W(int step) => _w[step];

    /// <summary>b of step k. [1]</summary>
    public Tensor B(int step) => _b[step];

    /// <summary>û = u + (m(wᵀu) − wᵀu)·w/‖w‖² of step k, with wᵀû &gt; −1. [1, L]</summary>
    public Tensor ConstrainedU(int step)
    {
        Tensor u = _u[step], w = _w[step];
        Tensor wu = (w * u).Sum(1, keepDim: true);                 // [1, 1]
        Tensor m = wu.Softplus() - 1f;                             // m(wᵀu) = −1 + softplus(wᵀu)
        Tensor squaredNorm = w.Square().Sum(1, keepDim: true);     // [1, 1]
        return u + (m - wu) * w / squaredNorm;
    }

    /// <inheritdoc/>
    public (Tensor Z, Tensor LogDeterminant) Forward(Tensor z0, Tensor? context)
    {
        ArgumentNullException.ThrowIfNull(z0);
        if (z0.Rank != 2 || z0.Dim(1) != LatentSize)
            throw new ArgumentException($"The planar flow over {LatentSize} dimensions expects z [B, {LatentSize}]; got {Tensor.ShapeText(z0.Shape)}.", nameof(z0));
        Tensor z = z0, logDeterminant = Tensor.Zeros(z0.Dim(0));
        for (int k = 0; k < Steps; k++)
        {
            Tensor u = ConstrainedU(k), w = _w[k];
            Tensor activation = Tensor.Linear(z, w, _b[k]).Tanh();                     // [B, 1]
            Tensor wu = (w * u).Sum(1, keepDim: true);                                 // [1, 1]
            Tensor determinant = (1f - activation.Square()) * wu + 1f;                // 1 + ûᵀψ(z) = 1 + (1 − tanh²)·wᵀû, [B, 1]
            logDeterminant = logDeterminant + determinant.Clamp(MinDeterminant, float.MaxValue).Log().Reshape(z0.Dim(0));
            z = z + activation * u;                                                    // [B, 1] · [1, L] → [B, L]
        }
        return (z, logDeterminant);
    }
}
