using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Models;

/// <summary>Seeded inputs for the model tests.</summary>
internal static class ModelTestData
{
    /// <summary>n images of d pixels, uniform in [0, 1). [n, d]</summary>
    public static Tensor Images(int n, int d, ulong seed)
    {
        var x = Tensor.Zeros(n, d);
        new Rng(seed).FillUniform(x.Data, 0f, 1f);
        return x;
    }

    /// <summary>Labels 0, 1, …, classes − 1, 0, 1, … for n rows.</summary>
    public static int[] Labels(int n, int classes) => Enumerable.Range(0, n).Select(i => i % classes).ToArray();

    /// <summary>The loss of <paramref name="objective"/> on the model's terms for x, their metrics added to <paramref name="metrics"/>.</summary>
    public static Tensor Loss(LatentModel model, Tensor x, Rng rng, Objective objective, TermSums metrics, Tensor? condition = null)
    {
        ModelTerms terms = model.Terms(x, rng, objective.Samples, objective.ImportanceSamples, condition);
        metrics.Add(terms);
        return objective.Loss(terms);
    }
}
