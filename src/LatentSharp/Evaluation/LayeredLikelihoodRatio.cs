using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// The hierarchical likelihood-ratio outlier score LLR&gt;k of Havtorn et al. (2021), "Hierarchical VAEs Know What They Don't
/// Know": LLR&gt;k(x) = L(x) − L&gt;k(x), where L&gt;k is the bound with the lowest k latent layers z_1 … z_k drawn from the
/// conditional prior p(z_i | z_{i+1}) instead of the posterior. Both bounds are importance-sampled with K draws and the
/// same random numbers, so for k = 0 the score is exactly 0. Higher = more anomalous: the low layers explain the pixel
/// statistics of any image, so taking them from the prior costs little on images whose high-level code the model knows.
/// By default the lowest layers are set to the prior's means instead of drawn from it, as the paper's published code does:
/// the second bound then carries no noise from them, which ranks outliers far better where those layers are large (it is
/// then a score, not a bound).
/// </summary>
public static class LayeredLikelihoodRatio
{
    /// <summary>K, importance samples per bound and image, unless asked otherwise: a modest number, as in the paper's scoring.</summary>
    public const int DefaultSamples = 100;

    /// <summary>k, the number of lowest layers taken from the prior, unless asked otherwise.</summary>
    public const int DefaultPriorLayers = 1;

    /// <summary>
    /// LLR&gt;k of every row of <paramref name="x"/> [n, D] (the images as the model scores them: binary for a Bernoulli
    /// decoder, already dequantized for a density), in nats: [n]. The draws come from a stream seeded by <paramref name="seed"/>;
    /// with <paramref name="priorMean"/>, the lowest k layers of the second bound are the prior's means, not draws.
    /// </summary>
    /// <exception cref="InvalidSettingException">k outside 0 … N − 1 for the model's N layers.</exception>
    public static double[] Scores(LatentModel model, float[] x, int n, int priorLayers, int samples, ulong seed, bool priorMean = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ILayeredLikelihood layered = model.Require<ILayeredLikelihood>("The hierarchical likelihood-ratio score LLR>k");
        CheckPriorLayers(layered, priorLayers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        int d = model.Spec.Dimensions;
        ImportanceSampledNll estimator = NllPasses.EstimatorFor(model, samples);
        double[] full = estimator.LogMarginals(ModelLogWeights.For(layered, d), x, n, d, new Rng(seed));
        double[] priorBelow = estimator.LogMarginals(ModelLogWeights.WithPriorBelow(layered, d, priorLayers, priorMean), x, n, d, new Rng(seed));
        var scores = new double[n];
        for (int i = 0; i < n; i++) scores[i] = full[i] - priorBelow[i];
        return scores;
    }

    /// <summary>Refuses a k the model cannot take: the lowest 0 … N − 1 of its N layers can come from the prior.</summary>
    /// <exception cref="InvalidSettingException">k outside 0 … N − 1.</exception>
    public static void CheckPriorLayers(ILayeredLatents model, int priorLayers)
    {
        ArgumentNullException.ThrowIfNull(model);
        int layers = model.LayerSizes.Count;
        if (priorLayers < 0 || priorLayers >= layers)
            throw new InvalidSettingException(nameof(EvaluationOptions.LlrPriorLayers),
                $"LLR>k takes k = 0 to {layers - 1} lowest layers from the prior of this {layers}-layer model, not {priorLayers}.");
    }
}
