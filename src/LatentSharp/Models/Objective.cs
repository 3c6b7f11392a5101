namespace LatentSharp.Models;

/// <summary>
/// How the training loss weighs the ELBO's terms: β on the KL (β-VAE and warm-up), free bits λ per latent
/// dimension (Kingma et al. 2016: Σ_j max(λ, E_batch KL_j)), and L noise samples per example.
/// <see cref="Elbo"/> is the plain ELBO with one sample, used for evaluation.
/// </summary>
public readonly record struct Objective(float Beta = 1f, float FreeBits = 0f, int Samples = 1)
{
    public static Objective Elbo => new(1f, 0f, 1);
}
