using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// p(z) = Σ_k π_k N(z; μ_k, diag σ_k²): a learnable mixture of K diagonal Gaussians over the L latent dimensions,
/// with means [K, L], log-variances [K, L] and mixture logits [K] (π = softmax(logits)). The KL to it has no closed
/// form, so a VAE with this prior estimates it by Monte Carlo (log q(z|x) − log p(z) at the sampled z).
/// </summary>
public sealed class MixtureOfGaussiansPrior : Module, IPrior
{
    // The same log-variance range as the encoder's posterior: exp() neither overflows nor underflows to zero.
    private const float MinLogVariance = -30f, MaxLogVariance = 20f;

    private readonly Tensor _means;          // [K, L]
    private readonly Tensor _logVariances;   // [K, L]
    private readonly Tensor _logits;         // [K]

    /// <summary>
    /// K components over L dimensions: means drawn from N(0, I) (so the components start apart), unit variances,
    /// equal weights.
    /// </summary>
    public MixtureOfGaussiansPrior(int components, int latentSize, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(components);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latentSize);
        ArgumentNullException.ThrowIfNull(rng);
        Components = components;
        LatentSize = latentSize;
        _means = RegisterParameter("means", Tensor.Parameter(components, latentSize));
        rng.FillGaussian(_means.Data);
        _logVariances = RegisterParameter("log_variances", Tensor.Parameter(components, latentSize));
        _logits = RegisterParameter("logits", Tensor.Parameter(components));
    }

    /// <summary>K, the mixture components.</summary>
    public int Components { get; }

    /// <summary>L, the latent dimensions.</summary>
    public int LatentSize { get; }

    /// <summary>μ_k. [K, L]</summary>
    public Tensor Means => _means;

    /// <summary>log σ_k². [K, L]</summary>
    public Tensor LogVariances => _logVariances;

    /// <summary>Unnormalised log π_k. [K]</summary>
    public Tensor Logits => _logits;

    /// <inheritdoc/>
    public string Name => "mog";

    /// <inheritdoc/>
    public bool HasClosedFormKl => false;

    // log p(z) = logsumexp_k [log π_k + Σ_l log N(z_l; μ_kl, σ_kl²)]
    /// <inheritdoc/>
    public Tensor LogProb(Tensor z)
    {
        Tensor perComponent = Tensor.GaussianComponentLogDensities(z, _means, _logVariances.Clamp(MinLogVariance, MaxLogVariance));   // [B, K]
        return (perComponent + _logits.LogSoftmax(0)).LogSumExp(1);   // [B, K] + [K] → [B]
    }

    /// <summary>n draws: a component k ~ π per row, then z = μ_k + σ_k·ε. A constant (no gradient). [n, L]</summary>
    public Tensor Sample(int n, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentNullException.ThrowIfNull(rng);
        int l = LatentSize;
        double[] weights = Softmax(_logits.Data.AsSpan(0, Components));
        Tensor z = Noise.StandardNormal(rng, n, l);
        float[] means = _means.Data, logVariances = _logVariances.Data, zd = z.Data;
        for (int i = 0; i < n; i++)
        {
            int k = Categorical(weights, rng);
            for (int j = 0; j < l; j++)
            {
                float logVariance = Math.Clamp(logVariances[k * l + j], MinLogVariance, MaxLogVariance);
                zd[i * l + j] = means[k * l + j] + MathF.Exp(0.5f * logVariance) * zd[i * l + j];
            }
        }
        return z;
    }

    /// <summary>softmax in double. [K]</summary>
    internal static double[] Softmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        var p = new double[logits.Length];
        double sum = 0;
        for (int k = 0; k < p.Length; k++) sum += p[k] = Math.Exp(logits[k] - max);
        for (int k = 0; k < p.Length; k++) p[k] /= sum;
        return p;
    }

    /// <summary>An index k drawn with probability weights[k] (the weights sum to 1).</summary>
    internal static int Categorical(double[] weights, Rng rng)
    {
        double u = rng.NextDouble(), cumulative = 0;
        for (int k = 0; k < weights.Length - 1; k++)
        {
            cumulative += weights[k];
            if (u < cumulative) return k;
        }
        return weights.Length - 1;
    }
}
