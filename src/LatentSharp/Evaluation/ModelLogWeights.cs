using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// Adapts a neural <see cref="IGenerativeModel"/> to the <see cref="LogWeightsSource"/> that
/// <see cref="ImportanceSampledNll"/> consumes: tensors in, double weights out, no gradient tape, buffers recycled.
/// </summary>
public static class ModelLogWeights
{
    /// <summary>
    /// The log importance weights of <paramref name="model"/> on images of <paramref name="dimensions"/> values.
    /// Runs without gradients inside an arena owned by the returned source (so repeated calls allocate little);
    /// the caller sets train/eval mode (<c>model.Eval()</c> for evaluation).
    /// </summary>
    public static LogWeightsSource For(IGenerativeModel model, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(model);
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
                Tensor logWeights = model.LogImportanceWeights(Tensor.FromArray(rows, b, dimensions), k, rng); // [B, K]
                if (logWeights.Dim(0) != b || logWeights.Dim(1) != k)
                    throw new InvalidOperationException($"LogImportanceWeights returned {logWeights}, expected [{b}, {k}].");
                float[] data = logWeights.Data;
                for (int i = 0; i < b * k; i++) destination[i] = data[i]; // read before the scope recycles the buffer
            }
        };
    }

    /// <summary>The same for a <see cref="LatentModel"/> that is also an <see cref="IGenerativeModel"/> (a VAE), taking D from its spec.</summary>
    public static LogWeightsSource For(LatentModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model is not IGenerativeModel generative)
            throw new ArgumentException($"A {model.Spec.Kind} has no prior, so no likelihood to estimate; importance-sampled NLL needs a generative model such as a VAE.", nameof(model));
        return For(generative, model.Spec.Dimensions);
    }
}
