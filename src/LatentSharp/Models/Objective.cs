namespace LatentSharp.Models;

/// <summary>
/// How the training loss weighs the ELBO's terms: β on the KL (β-VAE and warm-up), free bits λ per latent
/// dimension (Kingma et al. 2016: Σ_j max(λ, E_batch KL_j)), and L noise samples per example.
/// With <see cref="ImportanceSamples"/> K ≥ 1 the loss is instead the IWAE bound (Burda et al. 2016):
/// −mean_b log (1/K) Σ_k w_{b,k}, from the same log importance weights evaluation uses; β then weighs
/// log p(z) − log q(z|x) inside each weight (so KL warm-up still works), free bits and L do not apply.
/// <see cref="Elbo"/> is the plain ELBO with one sample, used for evaluation.
/// </summary>
public readonly record struct Objective(float Beta = 1f, float FreeBits = 0f, int Samples = 1, int ImportanceSamples = 0)
{
    public static Objective Elbo => new(1f, 0f, 1);

    /// <summary>The IWAE objective with K importance samples.</summary>
    public static Objective Iwae(int k) => new(1f, 0f, 1, k);

    public bool IsImportanceWeighted => ImportanceSamples > 0;
}
