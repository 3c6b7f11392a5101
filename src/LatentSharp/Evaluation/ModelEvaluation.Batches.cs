using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>Running a model over a data set in evaluation batches: shared by the evaluation's parts and the trainer's test metrics.</summary>
public static partial class ModelEvaluation
{
    /// <summary>
    /// Runs <paramref name="body"/>(x [b, D], start, b) over the first <paramref name="n"/> images, without gradients,
    /// buffers recycled, in batches of <paramref name="batchSize"/> or fewer (<see cref="LatentModel.EvaluationBatchSize"/>).
    /// A caller that evaluates again and again (the trainer, every epoch) passes its own <paramref name="arena"/>, so that
    /// each pass reuses the last one's buffers instead of leaving them to the collector (all of them when n is a multiple
    /// of the batch size; after a smaller last batch the arena keeps only that batch's sizes).
    /// </summary>
    internal static void ForEachBatch(LatentModel model, Dataset data, int n, int batchSize, Action<Tensor, int, int> body, Arena? arena = null)
    {
        int d = data.Dimensions;
        batchSize = model.EvaluationBatchSize(batchSize);
        arena ??= new Arena();
        using (Tensor.NoGrad())
        {
            for (int start = 0; start < n; start += batchSize)
            {
                int b = Math.Min(batchSize, n - start);
                using (arena.Scope())
                    body(Tensor.CopyOf(data.Pixels.AsSpan(start * d, b * d), b, d), start, b);
            }
        }
    }

    /// <summary>The condition of images [start, start + b) of <paramref name="data"/>: their one-hot labels for a conditional model, else null.</summary>
    internal static Tensor? ConditionOf(LatentModel model, Dataset data, int start, int b)
    {
        if (model.As<IConditional>() is not { } conditional) return null;
        RequireLabels(model.Spec.ToString(), data);
        return conditional.Condition(data.Labels[start..(start + b)]);   // OneHot rejects a label outside the model's classes
    }

    /// <summary>The first <paramref name="n"/> latent codes (posterior means for a VAE) of <paramref name="data"/>: [n, L].</summary>
    internal static float[] Encode(LatentModel model, Dataset data, int n, int batchSize)
    {
        ILatentSpace space = model.Require<ILatentSpace>("Encoding images");
        int l = space.LatentSize;
        var codes = new float[(long)n * l];
        ForEachBatch(model, data, n, batchSize, (x, start, b) =>
        {
            Tensor z = space.Encode(x, ConditionOf(model, data, start, b)); // [b, L]
            z.Data.AsSpan(0, b * l).CopyTo(codes.AsSpan(start * l, b * l));
        });
        return codes;
    }

    /// <summary>Refuses <paramref name="data"/> without labels for a model conditioned on them.</summary>
    internal static void RequireLabels(string model, Dataset data)
    {
        if (!data.HasLabels)
            throw new DataMismatchException($"The model {model} is conditioned on labels, but {data.Name} has none.");
    }
}
