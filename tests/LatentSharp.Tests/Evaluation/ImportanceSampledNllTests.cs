using LatentSharp.Distributions;
using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Evaluation;

public class ImportanceSampledNllTests
{
    private static (ProbabilisticPca Model, float[] X) SmallPpca(int n, int d, int l, ulong seed)
    {
        var rng = new Rng(seed);
        var w = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(d, l, (_, _) => rng.NextGaussian());
        var truth = new ProbabilisticPca(new double[d], w, 0.2);
        float[] x = truth.Sample(n, rng);
        return (ProbabilisticPca.Fit(x, n, d, l), x);
    }

    [Fact]
    public void ImportanceSampledBound_BadProposal_AboveElboAndGrowsWithK()
    {
        const int n = 30, d = 6, l = 2, seeds = 40;
        var (model, x) = SmallPpca(n, d, l, 3);
        double[] means = model.PosteriorMeans(x, n);
        var widened = model.PosteriorCovariance * 4; // a deliberately poor proposal: twice the posterior's std
        // Proposal means belong to the rows of each call (the evaluator passes batches), so compute them from those rows.
        LogWeightsSource source = (rows, b, k, rng, dest) =>
            model.LogImportanceWeights(rows, b, k, rng, dest, model.PosteriorMeans(rows, b), widened);

        double elbo = model.Elbo(x, n, means, widened).Average();
        double exact = model.LogLikelihood(x, n).Average();
        var averages = new Dictionary<int, double>();
        foreach (int k in new[] { 1, 10, 100 })
        {
            var evaluator = new ImportanceSampledNll(samples: k, chunkSize: 32, batchSize: 8);
            double total = 0;
            var master = new Rng(2024); // independent streams forked from one generator, the same for every K
            for (int seed = 0; seed < seeds; seed++) total += evaluator.LogMarginals(source, x, n, d, master.Fork()).Average();
            averages[k] = total / seeds;
        }
        // K = 1 is an unbiased estimate of the ELBO (here log w − ELBO = const − 1.5 χ²₂, sd 3 per draw, so the mean of
        // 1200 draws has sd 0.09); a larger K is a tighter bound (expected K=10 gap ≈ 0.06 nats, its mean has sd ≈ 0.015),
        // and never above log p(x) by much.
        Assert.Equal(elbo, averages[1], 0.35);
        Assert.True(averages[10] > elbo + 0.2, $"K=10 {averages[10]} vs ELBO {elbo}");
        Assert.True(averages[100] > averages[10],  $"K=100 {averages[100]} vs K=10 {averages[10]}");
        Assert.True(averages[100] < exact + 0.02, $"K=100 {averages[100]} vs exact {exact}");
        Assert.True(exact - elbo > 0.5, "the widened proposal must leave a real gap for this test to mean anything");
    }

    [Fact]
    public void ImportanceSampledBound_PriorProposal_ApproachesExactFromBelow()
    {
        const int n = 20, d = 6, l = 2;
        var (model, x) = SmallPpca(n, d, l, 4);
        double[] priorMeans = new double[n * l];
        var identity = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseIdentity(l);
        LogWeightsSource source = (rows, b, k, rng, dest) => model.LogImportanceWeights(rows, b, k, rng, dest, priorMeans, identity);
        double exact = model.LogLikelihood(x, n).Average();
        double elbo = model.Elbo(x, n, priorMeans, identity).Average();
        double k5000 = new ImportanceSampledNll().LogMarginals(source, x, n, d, new Rng(9)).Average();
        Assert.InRange(k5000, elbo + 1, exact + 0.05);
        Assert.Equal(exact, k5000, 0.5);
    }

    [Fact]
    public void LogMarginals_HugeNegativeWeights_DoNotUnderflow()
    {
        var evaluator = new ImportanceSampledNll(samples: 50, chunkSize: 7, batchSize: 3);
        // Weights −1e4 − (s mod 3): exp underflows in float and in double without the max shift.
        LogWeightsSource source = (rows, b, k, rng, dest) =>
        {
            for (int i = 0; i < b; i++) for (int s = 0; s < k; s++) dest[i * k + s] = -1e4 - (s % 3) - i;
        };
        double[] result = evaluator.LogMarginals(source, new float[5 * 2], 5, 2, new Rng(1));
        Assert.All(result, v => Assert.True(double.IsFinite(v)));
        // Chunks of 7 samples, each chunk restarts s at 0: rebuild the same 50 weights and compare.
        var all = new List<double>();
        for (int done = 0; done < 50; done += 7) for (int s = 0; s < Math.Min(7, 50 - done); s++) all.Add(-1e4 - (s % 3));
        double expectedRow0 = LogSpace.LogMeanExp(all.ToArray());
        Assert.Equal(expectedRow0, result[0], 1e-9);
        Assert.Equal(expectedRow0 - 1, result[4], 1e-9); // row 4 is row 1 of the second batch of 3
        Assert.InRange(expectedRow0, -1e4 - 1.1, -1e4 - 0.5);
    }

    [Fact]
    public void LogMeanExp_ShiftedInputs_ShiftTheResult()
    {
        double[] v = [-3, 0.5, 2, -700, 10];
        double baseline = LogSpace.LogMeanExp(v);
        Assert.Equal(Math.Log(v.Select(Math.Exp).Average()), baseline, 1e-12);
        Assert.Equal(baseline - 5000, LogSpace.LogMeanExp(v.Select(a => a - 5000).ToArray()), 1e-9);
        Assert.Equal(double.NegativeInfinity, LogSpace.LogMeanExp([double.NegativeInfinity, double.NegativeInfinity]));
    }

    [Fact]
    public void Evaluate_NanWeight_Throws()
    {
        LogWeightsSource source = (rows, b, k, rng, dest) => Array.Fill(dest, double.NaN);
        Assert.Throws<InvalidOperationException>(() => new ImportanceSampledNll(4).Evaluate(source, new float[2], 1, 2, new Rng(1)));
    }

    [Fact]
    public void Dequantize_EightBitValues_StayInTheirBins()
    {
        const int n = 100, d = 256;
        var x = new float[n * d];
        for (int i = 0; i < x.Length; i++) x[i] = (i % 256) / 255f;
        float[] y = ImportanceSampledNll.Dequantize(x, n, d, new Rng(3));
        for (int i = 0; i < x.Length; i++)
        {
            int k = i % 256;
            Assert.InRange(y[i], k / 256f, (k + 1) / 256f);
            Assert.True(y[i] < (k + 1) / 256f);
        }
    }

    [Fact]
    public void EvaluateDequantized_UniformDensity_IsEightBitsPerDim()
    {
        // The uniform density on [0,1]^D has log p(y) = 0, so the discrete 8-bit NLL is exactly D ln 256 = 8 bits/dim.
        const int n = 10, d = 5;
        LogWeightsSource uniform = (rows, b, k, rng, dest) => Array.Clear(dest, 0, b * k);
        NllEstimate result = new ImportanceSampledNll(samples: 3).EvaluateDequantized(uniform, new float[n * d], n, d, new Rng(1));
        Assert.Equal(NllConvention.Dequantized8Bit, result.Convention);
        Assert.Equal(d * Math.Log(256), result.NatsPerImage, 1e-9);
        Assert.Equal(8.0, result.BitsPerDim, 1e-12);
        Assert.Equal(3, result.Samples);
    }

    [Fact]
    public void Evaluate_PpcaWithExactPosterior_ReportsNegativeLogLikelihood()
    {
        const int n = 25, d = 6;
        var (model, x) = SmallPpca(n, d, 2, 5);
        NllEstimate result = new ImportanceSampledNll(samples: 20).Evaluate(model.LogImportanceWeights, x, n, d, new Rng(2));
        Assert.Equal(NllConvention.Discrete, result.Convention);
        Assert.Equal(-model.LogLikelihood(x, n).Average(), result.NatsPerImage, 1e-6);
        Assert.Equal(result.NatsPerImage / (d * Math.Log(2)), result.BitsPerDim, 12);
        Assert.Equal(n, result.PerImage.Length);
    }
}
