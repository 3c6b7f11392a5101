using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// How the training loss weighs a model's <see cref="ModelTerms"/>, written once for every model: β on the KL (β-VAE, and
/// the warm-up the trainer ramps), free bits λ per latent dimension of every layer (Kingma et al. 2016:
/// Σ_i Σ_j max(λ, E_batch KL_ij)), and L noise samples per example (<see cref="Samples"/>, drawn by the model).
/// With <see cref="ImportanceSamples"/> K ≥ 1 the loss is instead the IWAE bound (Burda et al. 2016):
/// −mean_b [logsumexp_k log w_{b,k} − log K], from the same log importance weights evaluation uses; β then weighs
/// log p(z) − log q(z|x) inside each weight (so KL warm-up still works), free bits and L do not apply.
/// Exact and deterministic terms (PixelCNN, autoencoder) are scored by −mean log-likelihood; β has nothing to weigh.
/// <see cref="Elbo"/> is the plain ELBO with one sample, used for evaluation.
/// </summary>
public readonly record struct Objective(float Beta = 1f, float FreeBits = 0f, int Samples = 1, int ImportanceSamples = 0)
{
    /// <summary>The plain ELBO with one sample (β = 1, no free bits), used for evaluation.</summary>
    public static Objective Elbo => new(1f, 0f, 1);

    /// <summary>The IWAE objective with K importance samples.</summary>
    public static Objective Iwae(int k) => new(1f, 0f, 1, k);

    /// <summary>True when the loss is the IWAE bound (<see cref="ImportanceSamples"/> K ≥ 1).</summary>
    public bool IsImportanceWeighted => ImportanceSamples > 0;

    /// <summary>
    /// The loss to minimise on the minibatch the terms are of: a mean over its examples. [] (one element)
    /// When the terms are one shard of a larger batch, <paramref name="batchKlMeans"/> gives each layer's KL per dimension
    /// averaged over the whole batch [L_i]: free bits then clamp those means (the same on every shard), while the gradient
    /// flows through this shard's own means.
    /// </summary>
    public Tensor Loss(ModelTerms terms, IReadOnlyList<float[]>? batchKlMeans = null)
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (IsImportanceWeighted && (FreeBits > 0f || Samples != 1))
            throw new ArgumentException("The importance-weighted objective draws its own K samples and has no free bits: use Samples = 1 and FreeBits = 0 with it.", nameof(terms));
        if (terms.IsExactOrDeterministic)
        {
            if (terms.Kind == TermsKind.Exact && (IsImportanceWeighted || FreeBits > 0f || Samples != 1))
                throw new ArgumentException("An exact likelihood has no latent draws: importance samples, free bits and several noise samples do not apply.", nameof(terms));
            return terms.LogLikelihood!.Mean().Negate();
        }
        if (IsImportanceWeighted) return ImportanceWeightedLoss(terms);
        if (terms.LogLikelihood is null)
            throw new ArgumentException("The terms are importance-weighted but the objective is the ELBO: ask the model for ELBO terms.", nameof(terms));

        Tensor? penalty = null;
        for (int i = 0; i < terms.KlPerLayer.Count; i++)
        {
            Tensor term = FreeBits > 0f && terms.KlPerDimension is { } perDimension
                ? WholeBatch(perDimension[i].Mean(0), batchKlMeans?[i]).Clamp(FreeBits, float.PositiveInfinity).Sum()   // Σ_j max(λ, E_batch KL_ij)
                : terms.KlPerLayer[i].Mean();
            penalty = penalty is null ? term : penalty + term;
        }
        if (penalty is null) throw new ArgumentException("Bound terms need at least one KL layer.", nameof(terms));
        return penalty * Beta - terms.LogLikelihood.Mean();
    }

    /// <summary>The shard's means shifted by a constant to the whole batch's (no shift without them): the value of the batch, the gradient of the shard. [L]</summary>
    private static Tensor WholeBatch(Tensor shardMeans, float[]? batchMeans)
    {
        if (batchMeans is null) return shardMeans;
        var shift = new float[shardMeans.Length];
        for (int j = 0; j < shift.Length; j++) shift[j] = batchMeans[j] - shardMeans.Data[j];
        return shardMeans + Tensor.FromArray(shift, shardMeans.ShapeArray);
    }

    /// <summary>−mean_b [logsumexp_k (log p(x|z_k) + β [log p(z_k) − log q(z_k|x)]) − log K].</summary>
    private Tensor ImportanceWeightedLoss(ModelTerms terms)
    {
        if (terms.Importance is not { } weights || weights.Samples != ImportanceSamples)
            throw new ArgumentException($"The importance-weighted objective needs the log importance weights of K = {ImportanceSamples} draws per example.", nameof(terms));
        int k = weights.Samples, b = terms.Examples;
        Tensor logW = weights.LogLikelihood + (Beta == 1f ? weights.LogRatio : weights.LogRatio * Beta);   // [K·B]
        Tensor bound = logW.Reshape(k, b).LogSumExp(0) - MathF.Log(k);                                     // [B]
        return bound.Mean().Negate();
    }
}
