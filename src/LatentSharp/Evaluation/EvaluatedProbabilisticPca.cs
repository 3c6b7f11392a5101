using System.Globalization;
using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// The probabilistic-PCA baseline as the evaluation sees it: an exact log-likelihood (scored by the same NLL passes as
/// any model), the exact posterior means as its latent means, and the PCA it was fitted from for the PCA probe.
/// </summary>
internal sealed class EvaluatedProbabilisticPca : EvaluatedModel
{
    private readonly ProbabilisticPca _ppca;

    /// <summary><paramref name="ppca"/>, fitted from <paramref name="pca"/> (L components, fitted on the probe training images).</summary>
    public EvaluatedProbabilisticPca(ProbabilisticPca ppca, Pca pca)
    {
        _ppca = ppca;
        ProbePca = pca;
        Name = $"ppca, L = {ppca.LatentSize} (σ² = {ppca.NoiseVariance.ToString("G4", CultureInfo.InvariantCulture)})";
        Likelihood = NllPasses.Of(ppca, Name);
    }

    public override string Name { get; }

    public override string Kind => "ppca";

    public override int? LatentSize => _ppca.LatentSize;

    public override NllPasses Likelihood { get; }

    public override bool IsConditional => false;

    /// <inheritdoc/>
    public override bool HasExactLikelihood => true;

    public override Pca ProbePca { get; }

    /// <summary>The active units of the posterior means (its ELBO with the exact posterior is its log-likelihood: no separate pass).</summary>
    public override EvaluationReport MeasureTerms(EvaluationReport report, EvaluationInputs inputs, EvaluationOptions options, Rng rng,
        PartTimer parts, List<string> notes) => parts.Time("active units", () =>
    {
        var activity = new ActiveUnits(_ppca.LatentSize, ElboStatistics.ActiveUnitThreshold);
        activity.Add(Tensor.FromArray(LatentMeans(inputs.Evaluated), inputs.Count, _ppca.LatentSize));
        return report with { ActiveUnits = activity.Count(), ActiveUnitThreshold = ElboStatistics.ActiveUnitThreshold };
    });

    public override IEnumerable<string> LikelihoodNotes(EvaluationOptions options) =>
    [
        "pPCA: exact log-likelihood (the exact posterior as proposal makes every importance weight log p(x), so K = 1 is exact), "
            + "as dequantized 8-bit bits/dim; its ELBO with the exact posterior equals it.",
    ];

    public override float[] LatentMeans(Dataset data) => _ppca.PosteriorMeans(data.Pixels, data.Count).Select(v => (float)v).ToArray();
}
