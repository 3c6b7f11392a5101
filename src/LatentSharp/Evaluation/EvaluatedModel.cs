using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// What the parts of <see cref="ModelEvaluation"/> ask of the model they evaluate, so that every model (a trained
/// neural model, the pPCA baseline) goes through the same parts. Shapes: <c>N</c> images, <c>L</c> latent dimensions.
/// </summary>
internal abstract class EvaluatedModel
{
    /// <summary>The model as the report names it.</summary>
    public abstract string Name { get; }

    /// <summary>The model's kind, as notes name it (e.g. "ae").</summary>
    public abstract string Kind { get; }

    /// <summary>L, or null for a model without a latent space (no active units, no latent probe).</summary>
    public abstract int? LatentSize { get; }

    /// <summary>The importance-sampled NLL passes, or null for a model without a likelihood.</summary>
    public abstract NllPasses? Likelihood { get; }

    /// <summary>Whether the likelihood is of x given a label, which out-of-distribution images do not have.</summary>
    public abstract bool IsConditional { get; }

    /// <summary>Its likelihood is exact (autoregressive, or pPCA's exact posterior): the NLL involves no importance sampling.</summary>
    public abstract bool HasExactLikelihood { get; }

    /// <summary>
    /// The model's first pass over the evaluated images (ELBO terms and latent statistics, or what of them the model has),
    /// timed in <paramref name="parts"/>; draws from <paramref name="rng"/>.
    /// </summary>
    public abstract EvaluationReport MeasureTerms(EvaluationReport report, EvaluationInputs inputs, EvaluationOptions options, Rng rng,
        PartTimer parts, List<string> notes);

    /// <summary>What the NLL of this model means, one note each.</summary>
    public abstract IEnumerable<string> LikelihoodNotes(EvaluationOptions options);

    /// <summary>The latent means of every image of <paramref name="data"/>: [N, L].</summary>
    public abstract float[] LatentMeans(Dataset data);

    /// <summary>
    /// LLR&gt;k of every image of a data set (<see cref="LayeredLikelihoodRatio"/>) with draws seeded by
    /// <paramref name="seed"/>, or null for a model with one latent layer.
    /// </summary>
    public virtual Func<Dataset, double[]>? LayeredRatioScores(EvaluationOptions options, ulong seed) => null;

    /// <summary>A PCA with L components already fitted on the probe training images, or null (the probe fits one).</summary>
    public virtual Pca? ProbePca => null;
}
