using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>What the <see cref="ModelTerms.LogLikelihood"/> of a <see cref="ModelTerms"/> is.</summary>
public enum TermsKind
{
    /// <summary>A latent-variable model: log p(x | z) at sampled codes, with KL terms; log p(x) is bounded below by the ELBO.</summary>
    Bound,

    /// <summary>An exact log p(x) (an autoregressive model): no KL, nothing sampled.</summary>
    Exact,

    /// <summary>Minus a deterministic reconstruction loss (an autoencoder): no prior, no KL, no likelihood of the data.</summary>
    Reconstruction,
}

/// <summary>
/// The per-example terms a model gives for one minibatch: everything the <see cref="Objective"/> turns into a loss and
/// <see cref="TermSums"/> into metrics. Shapes: B examples, S reparameterized draws per example, K importance samples,
/// L_i the size of stochastic layer i (layer 1 next to x); "sample-major" rows put draw s of example i at s·B + i.
/// </summary>
/// <remarks>
/// ELBO terms carry <see cref="LogLikelihood"/> and <see cref="KlPerLayer"/>. Importance-weighted terms carry
/// <see cref="Importance"/> instead of <see cref="LogLikelihood"/>, and the per-layer KL (in closed form, from the same draws)
/// only when the model has it per layer.
/// </remarks>
public sealed record ModelTerms
{
    /// <summary>A model without KL: an exact log-likelihood or minus a reconstruction loss. [B]</summary>
    public static ModelTerms WithoutKl(TermsKind kind, Tensor logLikelihood)
    {
        ArgumentNullException.ThrowIfNull(logLikelihood);
        if (kind == TermsKind.Bound) throw new ArgumentException("A bound has KL terms: build it with its layers.", nameof(kind));
        return new ModelTerms { Kind = kind, Examples = logLikelihood.Dim(0), LogLikelihood = logLikelihood };
    }

    /// <summary>What the terms are: a bound, an exact log-likelihood or minus a reconstruction loss.</summary>
    public required TermsKind Kind { get; init; }

    /// <summary>B, the examples of the minibatch.</summary>
    public required int Examples { get; init; }

    /// <summary>
    /// log p(x | z) averaged over the S draws (a bound), the exact log p(x), or minus the reconstruction loss. [B]; null
    /// for importance-weighted terms, whose per-draw log-likelihoods are in <see cref="Importance"/>.
    /// </summary>
    public Tensor? LogLikelihood { get; init; }

    /// <summary>
    /// KL(q ‖ p) of each stochastic layer (one for a plain VAE), per example [B] or, when the layer's KL depends on the draw
    /// of the layer above, per draw [S·B] sample-major. A prior without a closed-form KL gives the Monte Carlo estimate
    /// log q(z | x) − log p(z) averaged over the draws. Empty for <see cref="TermsKind.Exact"/> and
    /// <see cref="TermsKind.Reconstruction"/>.
    /// </summary>
    public IReadOnlyList<Tensor> KlPerLayer { get; init; } = [];

    /// <summary>The closed-form KL of each layer per latent dimension (for free bits), [B, L_i] or [S·B, L_i]; null when the KL is not in closed form.</summary>
    public IReadOnlyList<Tensor>? KlPerDimension { get; init; }

    /// <summary>The parts of the log importance weights, when they were asked for.</summary>
    public ImportanceWeights? Importance { get; init; }

    /// <summary>True for the exact or deterministic kinds: nothing is sampled and there is no KL.</summary>
    public bool IsExactOrDeterministic => Kind != TermsKind.Bound;

    /// <summary>The total KL per example: the layers summed, averaged over the draws. [B] (zeros without KL)</summary>
    public Tensor Kl
    {
        get
        {
            if (KlPerLayer.Count == 0) return Tensor.Full(0f, Examples);
            Tensor total = KlPerLayer.Aggregate((a, b) => a + b);
            return total.Dim(0) == Examples ? total : total.Reshape(total.Dim(0) / Examples, Examples).Mean(0);
        }
    }

    /// <summary>The ELBO per example, log p(x | z) − KL (for exact terms, log p(x) itself). [B]</summary>
    public Tensor Elbo => KlPerLayer.Count == 0 ? RequireLogLikelihood() : RequireLogLikelihood() - Kl;

    private Tensor RequireLogLikelihood() => LogLikelihood
        ?? throw new InvalidOperationException("Importance-weighted terms have no averaged log-likelihood: ask the model for ELBO terms (no importance samples).");
}

/// <summary>
/// The two parts of the log importance weights log w = log p(x | z_k) + [log p(z_k) − log q(z_k | x)] for K draws
/// z_k ~ q(z | x) per example, each [K·B] sample-major; the β of a warm-up weighs the second part only.
/// </summary>
public sealed record ImportanceWeights(Tensor LogLikelihood, Tensor LogRatio, int Samples)
{
    /// <summary>log w per example and draw. [B, K]</summary>
    public Tensor LogWeights => (LogLikelihood + LogRatio).Reshape(Samples, LogLikelihood.Dim(0) / Samples).Transpose();
}
