using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// The one-sample pass over the evaluated images of a neural model: the ELBO's terms from the same
/// <see cref="TermSums"/> the trainer's test metrics come from, the active units and the closed-form KL per latent
/// dimension; or, for an autoencoder, its reconstruction term.
/// </summary>
internal static class ElboStatistics
{
    /// <summary>The activity threshold of <see cref="ActiveUnits"/> (Burda et al.), as the report records it.</summary>
    public const double ActiveUnitThreshold = 0.01;

    /// <summary>
    /// The mean reconstruction, KL and ELBO of the first <paramref name="n"/> images (one sample per image; an exact
    /// likelihood is its own ELBO, with no KL), the active units of a model with a latent space and, for a VAE whose prior
    /// has a closed-form KL, the mean KL per latent dimension sorted descending. Draws from <paramref name="rng"/>.
    /// </summary>
    public static EvaluationReport Measure(LatentModel model, Dataset data, int n, int batchSize, Rng rng, EvaluationReport report)
    {
        ILatentSpace? space = model.As<ILatentSpace>();
        int l = space?.LatentSize ?? 0;
        var activity = space is null ? null : new ActiveUnits(l, ActiveUnitThreshold);   // none for the PixelCNN
        var klPerDimension = new double[l];
        bool perDimension = false;
        var sums = new TermSums();
        ModelEvaluation.ForEachBatch(model, data, n, batchSize, (x, start, b) =>
        {
            Tensor? condition = ModelEvaluation.ConditionOf(model, data, start, b);
            ModelTerms terms = model.Terms(x, rng, condition: condition);
            sums.Add(terms);
            activity?.Add(space!.Encode(x, condition));
            // One stochastic layer with a closed-form KL (a VAE with the standard-normal prior): its KL per dimension. [B, L]
            if (terms.KlPerDimension is [Tensor kl] && kl.Rank == 2 && kl.Dim(0) == b && kl.Dim(1) == l)
            {
                perDimension = true;
                AddRows(kl.Data, b, l, klPerDimension);
            }
        });
        bool exact = sums.Names.Contains(TermSums.Nll);
        double meanReconstruction = exact ? -sums.Mean(TermSums.Nll) : sums.Mean(TermSums.Reconstruction);
        double meanKl = exact ? 0 : sums.Mean(TermSums.Kl);
        return report with
        {
            Reconstruction = meanReconstruction,
            Kl = meanKl,
            Elbo = meanReconstruction - meanKl,
            ActiveUnits = activity?.Count(),
            ActiveUnitThreshold = activity is null ? null : ActiveUnitThreshold,
            KlPerDimension = perDimension ? klPerDimension.Select(v => v / n).OrderDescending().ToArray() : null,
        };
    }

    /// <summary>
    /// An autoencoder's mean reconstruction log p(x | x̂) of the first <paramref name="n"/> images: −BCE for a Bernoulli
    /// decoder; for any other loss a note says there is none.
    /// </summary>
    public static EvaluationReport Reconstruction(LatentModel model, Dataset data, int n, int batchSize, Rng rng,
        EvaluationReport report, List<string> notes)
    {
        if (model.Spec.Likelihood != "bce")
        {
            notes.Add($"An autoencoder trained on \"{model.Spec.Likelihood}\" has no log-likelihood to report as reconstruction.");
            return report;
        }
        var sums = new TermSums();
        ModelEvaluation.ForEachBatch(model, data, n, batchSize, (x, start, b) => sums.Add(model.Terms(x, rng, condition: ModelEvaluation.ConditionOf(model, data, start, b))));
        notes.Add("Autoencoder reconstruction = −BCE = log p(x | x̂) of a Bernoulli decoder at its own code; comparable with the VAE's reconstruction term.");
        return report with { Reconstruction = -sums.Mean(TermSums.Loss) };
    }

    /// <summary>Adds the rows of <paramref name="values"/> [B, L] to <paramref name="sums"/> [L], in double.</summary>
    private static void AddRows(float[] values, int b, int l, double[] sums)
    {
        for (int i = 0; i < b; i++)
            for (int j = 0; j < l; j++) sums[j] += values[i * l + j];
    }
}
