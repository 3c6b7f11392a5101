using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// A latent-variable model with a prior: it can sample, its <see cref="LatentModel.Terms"/> bound (or give) log p(x), and it
/// gives the log importance weights log p(x, z_k) − log q(z_k | x) that both IWAE training and likelihood evaluation use.
/// Conditional models take the condition [B, C] (one-hot labels) wherever they take x.
/// </summary>
public interface IGenerativeModel
{
    /// <summary>
    /// Images decoded from prior draws (decoder means). A conditional model draws row i with label i mod C, so a
    /// grid C wide shows one class per column. [n, D]
    /// </summary>
    Tensor Sample(int n, Rng rng);

    /// <summary>One image per label, decoded from a prior draw under that label (conditional models only). [labels.Length, D]</summary>
    Tensor SampleConditional(int[] labels, Rng rng);

    /// <summary>log p(x, z_k) − log q(z_k | x) for k = 1..K draws z_k ~ q(z | x). [B, D] → [B, K]</summary>
    Tensor LogImportanceWeights(Tensor x, int k, Rng rng, Tensor? condition = null);
}
