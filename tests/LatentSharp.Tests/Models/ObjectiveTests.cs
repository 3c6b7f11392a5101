using LatentSharp.Distributions;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Models;

/// <summary>The one <see cref="Objective"/> and the <see cref="TermSums"/> metrics, on hand-made terms.</summary>
public class ObjectiveTests
{
    private static Tensor Vector(params float[] values) => Tensor.FromArray(values, values.Length);

    private static ModelTerms Bound(float[] logLikelihood, params Tensor[] klPerDimension) => new()
    {
        Kind = TermsKind.Bound,
        Examples = logLikelihood.Length,
        LogLikelihood = Vector(logLikelihood),
        KlPerLayer = klPerDimension.Select(k => k.Sum(1)).ToArray(),
        KlPerDimension = klPerDimension,
    };

    [Fact]
    public void Loss_Beta_WeighsTheMeanKlAgainstTheMeanLogLikelihood()
    {
        ModelTerms terms = Bound([-10f, -20f], Tensor.FromArray([1f, 0f, 2f, 1f], 2, 2));   // KL per example 1 and 3
        Assert.Equal(0.5f * 2f + 15f, new Objective(Beta: 0.5f).Loss(terms).Item(), 5);
        Assert.Equal(2f + 15f, Objective.Elbo.Loss(terms).Item(), 5);
        Assert.Equal(15f, new Objective(Beta: 0f).Loss(terms).Item(), 5);
    }

    [Fact]
    public void Loss_FreeBits_ClampTheBatchMeanOfEachDimensionOfEveryLayer()
    {
        // Layer 1: batch means per dimension [0.2, 3] → max(0.5, ·) = [0.5, 3]; layer 2: [0.05] → [0.5]. Penalty 4.
        ModelTerms terms = Bound([-10f, -20f], Tensor.FromArray([0.1f, 2f, 0.3f, 4f], 2, 2), Tensor.FromArray([0.1f, 0f], 2, 1));
        Assert.Equal(4f + 15f, new Objective(FreeBits: 0.5f).Loss(terms).Item(), 5);
        Assert.Equal(2f * 4f + 15f, new Objective(Beta: 2f, FreeBits: 0.5f).Loss(terms).Item(), 5);
        Assert.Equal(3.25f + 15f, Objective.Elbo.Loss(terms).Item(), 5);   // without free bits: the plain mean KL
    }

    [Fact]
    public void Loss_ImportanceWeighted_IsMinusTheMeanLogMeanExpOfTheWeights()
    {
        const int b = 2, k = 3;
        float[] ll = [-5f, -9f, -4f, -8f, -7f, -6f];        // sample-major: row s·B + i
        float[] ratio = [-1f, 0.5f, -2f, -0.25f, 0f, -3f];
        var terms = new ModelTerms
        {
            Kind = TermsKind.Bound,
            Examples = b,
            Importance = new ImportanceWeights(Vector(ll), Vector(ratio), k),
        };
        double expected = 0;
        for (int i = 0; i < b; i++)
            expected -= LogSpace.LogMeanExp(Enumerable.Range(0, k).Select(s => (double)ll[s * b + i] + ratio[s * b + i]).ToArray()) / b;
        Assert.Equal(expected, Objective.Iwae(k).Loss(terms).Item(), 5);

        double betaZero = 0;
        for (int i = 0; i < b; i++)
            betaZero -= LogSpace.LogMeanExp(Enumerable.Range(0, k).Select(s => (double)ll[s * b + i]).ToArray()) / b;
        Assert.Equal(betaZero, new Objective(Beta: 0f, ImportanceSamples: k).Loss(terms).Item(), 5);

        var sums = new TermSums();
        sums.Add(terms);
        Assert.Equal(-expected, sums.Mean(TermSums.Iwae), 5);
        Assert.Equal(ll.Sum() / (double)(k * b), sums.Mean(TermSums.Reconstruction), 5);
        Assert.Equal(-ratio.Sum() / (double)(k * b), sums.Mean(TermSums.Kl), 5);
        Assert.Equal([TermSums.Elbo, TermSums.Reconstruction, TermSums.Kl, TermSums.Iwae], sums.Names);
    }

    [Fact]
    public void Loss_ImportanceWeightedWithFreeBits_IsRefused()
    {
        var terms = new ModelTerms { Kind = TermsKind.Bound, Examples = 1, Importance = new ImportanceWeights(Vector(-1f, -2f), Vector(0f, 0f), 2) };
        Assert.Throws<ArgumentException>(() => new Objective(FreeBits: 1f, ImportanceSamples: 2).Loss(terms));
    }

    [Fact]
    public void Loss_ExactTerms_IsTheMeanNllAndRefusesFreeBits()
    {
        ModelTerms terms = ModelTerms.WithoutKl(TermsKind.Exact, Vector(-3f, -5f));
        Assert.Equal(4f, new Objective(Beta: 0.1f).Loss(terms).Item(), 6);
        Assert.Throws<ArgumentException>(() => new Objective(FreeBits: 1f).Loss(terms));
        Assert.Equal(Vector(-3f, -5f).Data, terms.Elbo.Data);

        var sums = new TermSums();
        sums.Add(terms);
        Assert.Equal([TermSums.Nll], sums.Names);
        Assert.Equal(4.0, sums.Mean(TermSums.Nll), 9);
    }

    [Fact]
    public void TermSums_SeveralLayers_ReportEachLayerAndTheirSum()
    {
        var sums = new TermSums();
        sums.Add(Bound([-10f, -20f], Tensor.FromArray([1f, 0f, 2f, 1f], 2, 2), Tensor.FromArray([0.5f, 1.5f], 2, 1)));
        Assert.Equal([TermSums.LayerKl(1), TermSums.LayerKl(2), TermSums.Elbo, TermSums.Reconstruction, TermSums.Kl], sums.Names);
        Assert.Equal(2.0, sums.Mean("kl1"), 9);
        Assert.Equal(1.0, sums.Mean("kl2"), 9);
        Assert.Equal(3.0, sums.Mean(TermSums.Kl), 9);
        Assert.Equal(-15.0 - 3.0, sums.Mean(TermSums.Elbo), 9);
    }
}
