using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// What the trainer, the evaluator and the CLI know of a model: it encodes images to latent codes, decodes
/// codes to images, and scores a minibatch. Images are flat rows: x is [B, D] with D = C·H·W, values in [0, 1].
/// A conditional model (<see cref="IsConditional"/>, e.g. the CVAE) also takes a condition c [B, Classes], the
/// one-hot label of each row (<see cref="Condition"/>); unconditional models take none.
/// </summary>
public abstract class LatentModel : Module
{
    public abstract ModelSpec Spec { get; }

    public int LatentSize => Spec.LatentSize;

    /// <summary>C, the number of classes the model is conditioned on; 0 when it is not conditional.</summary>
    public int Classes => Spec.Classes;

    /// <summary>True when every call needs a condition: the one-hot labels of the rows.</summary>
    public bool IsConditional => Spec.Classes > 0;

    /// <summary>The condition for rows with these labels: one-hot [B, C] for a conditional model, null otherwise.</summary>
    public Tensor? Condition(int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!IsConditional) return null;
        return Tensor.OneHot(labels, Classes);
    }

    /// <summary>
    /// False for a model without latent codes (the PixelCNN): its <see cref="Encode"/> and <see cref="Decode"/> throw,
    /// and the trainer and figures skip active units and reconstructions for it.
    /// </summary>
    public virtual bool HasLatentSpace => true;

    /// <summary>The code of each image: the posterior mean for a VAE. [B, D] (+ condition [B, C]) → [B, L]</summary>
    public abstract Tensor Encode(Tensor x, Tensor? condition = null);

    /// <summary>The image each code stands for (the decoder's mean). [B, L] (+ condition [B, C]) → [B, D]</summary>
    public abstract Tensor Decode(Tensor z, Tensor? condition = null);

    /// <summary>Decode(Encode(x)). [B, D]</summary>
    public Tensor Reconstruct(Tensor x, Tensor? condition = null) => Decode(Encode(x, condition), condition);

    /// <summary>
    /// The per-example terms of one minibatch (<see cref="ModelTerms"/>): for a latent-variable model log p(x | z) averaged
    /// over <paramref name="samples"/> reparameterized draws per example and the KL of each stochastic layer, or, with
    /// <paramref name="importanceSamples"/> K ≥ 1, the parts of the log importance weights of K draws per example instead.
    /// An exact or deterministic model gives its log-likelihood (or minus its reconstruction loss) alone.
    /// </summary>
    public abstract ModelTerms Terms(Tensor x, Rng rng, int samples = 1, int importanceSamples = 0, Tensor? condition = null);

    /// <summary>The loss to minimise on one minibatch (a mean over its examples): <paramref name="objective"/> applied to <see cref="Terms"/>.</summary>
    public Tensor Loss(Tensor x, Rng rng, Objective objective, Tensor? condition = null) =>
        objective.Loss(Terms(x, rng, objective.Samples, objective.ImportanceSamples, condition));

    /// <summary>Floats of intermediate tensors one gradient-free batch may hold: 64 Mi floats, 256 MB.</summary>
    public const long EvaluationBudgetFloats = 64L << 20;

    private long _evaluationFloatsPerImage;   // measured on first use

    /// <summary>
    /// <paramref name="requested"/>, capped so that a gradient-free <see cref="Loss"/> over the batch keeps at most
    /// <see cref="EvaluationBudgetFloats"/> floats of intermediate tensors (measured once, on one blank image). A batch of
    /// 1,000 images costs an MLP VAE a few MB, a PixelCNN with dozens of 64-channel feature maps per image gigabytes.
    /// </summary>
    public int EvaluationBatchSize(int requested)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requested);
        if (_evaluationFloatsPerImage == 0)
        {
            var arena = new Arena();
            using (Tensor.NoGrad())
            using (arena.Scope())
            {
                Loss(Tensor.Zeros(1, Spec.Dimensions), new Rng(0), Objective.Elbo, Condition(new int[1]));
                _evaluationFloatsPerImage = Math.Max(1, arena.RentedFloats);
            }
        }
        return (int)Math.Clamp(EvaluationBudgetFloats / _evaluationFloatsPerImage, 1, requested);
    }

    /// <summary>Throws unless <paramref name="condition"/> fits: [rows, C] for a conditional model, null otherwise.</summary>
    protected void CheckCondition(Tensor? condition, int rows)
    {
        if (!IsConditional)
        {
            if (condition is not null)
                throw new ArgumentException($"The model {Spec} is not conditional, but a condition {condition} was given.", nameof(condition));
            return;
        }
        if (condition is null)
            throw new ArgumentException($"The model {Spec} is conditioned on {Classes} classes: pass the one-hot labels of the rows (LatentModel.Condition(labels)).", nameof(condition));
        if (condition.Rank != 2 || condition.Dim(0) != rows || condition.Dim(1) != Classes)
            throw new ArgumentException($"The condition must be [{rows}, {Classes}] (one-hot labels of the rows); got {condition}.", nameof(condition));
    }
}
