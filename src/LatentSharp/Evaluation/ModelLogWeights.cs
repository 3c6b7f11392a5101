using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// Adapts a neural model's <see cref="ILikelihood"/> to the <see cref="LogWeightsSource"/> that
/// <see cref="ImportanceSampledNll"/> consumes: tensors in, double weights out, no gradient tape, buffers recycled.
/// </summary>
public static class ModelLogWeights
{
    /// <summary>
    /// The log importance weights of <paramref name="model"/> on images of <paramref name="dimensions"/> values.
    /// Runs without gradients inside an arena owned by the returned source (so repeated calls allocate little);
    /// the caller sets train/eval mode (<c>model.Eval()</c> for evaluation).
    /// </summary>
    /// <remarks>
    /// <paramref name="condition"/> gives a conditional model the condition of b rows (e.g. <see cref="LatentModel.Condition"/>
    /// of their labels); it is called inside the arena scope of each call.
    /// </remarks>
    public static LogWeightsSource For(ILikelihood model, int dimensions, Func<int, Tensor?>? condition = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return From((x, k, rng, b) => model.LogImportanceWeights(x, k, rng, condition?.Invoke(b)), dimensions);
    }

    /// <summary>
    /// The log importance weights of <paramref name="model"/>'s bound with its lowest <paramref name="priorLayers"/> layers
    /// drawn from the prior, or set to its means with <paramref name="priorMean"/>
    /// (<see cref="ILayeredLikelihood.LogImportanceWeightsWithPriorBelow"/>), on images of <paramref name="dimensions"/>
    /// values; the same arena and checks as <see cref="For(ILikelihood, int, Func{int, Tensor?}?)"/>.
    /// </summary>
    public static LogWeightsSource WithPriorBelow(ILayeredLikelihood model, int dimensions, int priorLayers, bool priorMean)
    {
        ArgumentNullException.ThrowIfNull(model);
        return From((x, k, rng, _) => model.LogImportanceWeightsWithPriorBelow(x, k, priorLayers, rng, priorMean), dimensions);
    }

    /// <summary>A source from <paramref name="logWeightsOf"/> (x [B, D], K, rng, B) → [B, K], run without gradients in an arena of its own.</summary>
    private static LogWeightsSource From(Func<Tensor, int, Rng, int, Tensor> logWeightsOf, int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        var arena = new Arena();
        return (x, b, k, rng, destination) =>
        {
            if (x.Length < (long)b * dimensions) throw new ArgumentException($"{b} rows of {dimensions} need {(long)b * dimensions} values, got {x.Length}.", nameof(x));
            // Tensor.FromArray wants the exact length; the evaluator's last batch can be shorter than its buffer.
            float[] rows = x.Length == b * dimensions ? x : x.AsSpan(0, b * dimensions).ToArray();
            using (Tensor.NoGrad())
            using (arena.Scope())
            {
                Tensor logWeights = logWeightsOf(Tensor.FromArray(rows, b, dimensions), k, rng, b); // [B, K]
                if (logWeights.Dim(0) != b || logWeights.Dim(1) != k)
                    throw new InvalidOperationException($"LogImportanceWeights returned {logWeights}, expected [{b}, {k}].");
                float[] data = logWeights.Data;
                for (int i = 0; i < b * k; i++) destination[i] = data[i]; // read before the scope recycles the buffer
            }
        };
    }

    /// <summary>
    /// The same for a <see cref="LatentModel"/> with a likelihood (<see cref="ILikelihood"/>: the VAEs, the PixelCNN), taking D from its
    /// spec. A conditional model needs <paramref name="label"/>: every row passed to the source then carries that label,
    /// and the weights are those of log p(x | y).
    /// </summary>
    public static LogWeightsSource For(LatentModel model, int? label = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ILikelihood likelihood = model.Require<ILikelihood>("The importance-sampled NLL");
        IConditional? conditional = model.As<IConditional>();
        if ((conditional is not null) != label.HasValue)
            throw new ArgumentException(conditional is not null
                ? $"The model {model.Spec} is conditioned on {conditional.Classes} classes: give the label of the rows."
                : $"The model {model.Spec} is not conditional, but a label was given.", nameof(label));
        if (label is int y)
        {
            if ((uint)y >= (uint)conditional!.Classes) throw new ArgumentOutOfRangeException(nameof(label), y, $"The model knows labels 0 to {conditional.Classes - 1}.");
            return For(likelihood, model.Spec.Dimensions, b => conditional.Condition(Enumerable.Repeat(y, b).ToArray()));
        }
        return For(likelihood, model.Spec.Dimensions);
    }
}
