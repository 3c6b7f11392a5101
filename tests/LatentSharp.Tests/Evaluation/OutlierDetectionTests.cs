using LatentSharp.Data;
using LatentSharp.Evaluation;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Evaluation;

public class OutlierDetectionTests
{
    [Fact]
    public void Auroc_IdenticalDistributions_IsAboutHalf()
    {
        var rng = new Rng(7);
        double[] a = Enumerable.Range(0, 20000).Select(_ => rng.NextGaussian()).ToArray();
        double[] b = Enumerable.Range(0, 20000).Select(_ => rng.NextGaussian()).ToArray();
        // The standard deviation of AUROC under the null is ≈ 0.003 here.
        Assert.Equal(0.5, OutlierDetection.Auroc(a, b), 0.012);
    }

    [Fact]
    public void Auroc_PerfectlySeparated_IsOneAndReversedIsZero()
    {
        double[] low = [1, 2, 3, 4], high = [10, 11, 12];
        Assert.Equal(1.0, OutlierDetection.Auroc(low, high));
        Assert.Equal(0.0, OutlierDetection.Auroc(high, low));
    }

    [Fact]
    public void Auroc_AllTied_IsHalfAndPartialTiesCountHalf()
    {
        Assert.Equal(0.5, OutlierDetection.Auroc([3, 3, 3], [3, 3]));
        // out 2 beats in 1, ties in 2, loses to in 3 (1.5 of 3); out 4 beats all three: 4.5 / 6.
        Assert.Equal(0.75, OutlierDetection.Auroc([1, 2, 3], [2, 4]), 12);
    }

    [Fact]
    public void Auroc_MatchesPairCounting_OnRandomScoresWithTies()
    {
        var rng = new Rng(12);
        double[] a = Enumerable.Range(0, 300).Select(_ => (double)rng.NextInt(20)).ToArray();
        double[] b = Enumerable.Range(0, 200).Select(_ => (double)rng.NextInt(25)).ToArray();
        double pairs = 0;
        foreach (double x in a) foreach (double y in b) pairs += y > x ? 1 : y == x ? 0.5 : 0;
        Assert.Equal(pairs / (a.Length * b.Length), OutlierDetection.Auroc(a, b), 12);
    }

    [Fact]
    public void FprAt95_KnownCases()
    {
        double[] outScores = Enumerable.Range(1, 100).Select(i => (double)i).ToArray(); // threshold: 95th largest = 6
        double[] inScores = Enumerable.Range(0, 10).Select(i => (double)i).ToArray();   // 6, 7, 8, 9 are ≥ 6
        Assert.Equal(0.4, OutlierDetection.FalsePositiveRateAtTruePositiveRate(inScores, outScores), 12);
        Assert.Equal(0.0, OutlierDetection.FalsePositiveRateAtTruePositiveRate([0, 1, 2], [5, 6, 7]));
        Assert.Equal(1.0, OutlierDetection.FalsePositiveRateAtTruePositiveRate([5, 6, 7], [0, 1, 2]));
        // 20 positives: 95% is 19 of them, so the threshold is the 19th largest (2), not the smallest (1).
        double[] twenty = Enumerable.Range(1, 20).Select(i => (double)i).ToArray();
        Assert.Equal(0.5, OutlierDetection.FalsePositiveRateAtTruePositiveRate([1.5, 2.5], twenty), 12);
    }

    [Fact]
    public void LikelihoodRatioScores_SubtractBackgroundAndFlipSign()
    {
        double[] scores = OutlierDetection.LikelihoodRatioScores([-100, -50], [-120, -40]);
        Assert.Equal([-20.0, 10.0], scores);
        Assert.Equal([100.0, 50.0], OutlierDetection.NegativeLogLikelihoodScores([-100, -50]));
    }

    [Fact]
    public void PixelBernoulliBackground_FitsSmoothedPixelMeans()
    {
        float[] data = [1, 0, 1, 0, 1, 0, 0, 0]; // 4 images of 2 pixels: pixel 0 on in 3 of 4, pixel 1 never
        var background = PixelBernoulliBackground.Fit(data, 4, 2, smoothing: 1);
        Assert.Equal(4 / 6.0, background.Probabilities[0], 15);
        Assert.Equal(1 / 6.0, background.Probabilities[1], 15);
        double[] log = background.LogLikelihood([1, 0, 0, 1], 2);
        Assert.Equal(Math.Log(4 / 6.0) + Math.Log(5 / 6.0), log[0], 12);
        Assert.Equal(Math.Log(2 / 6.0) + Math.Log(1 / 6.0), log[1], 12);
    }

    [Fact]
    public void ModelFreeAuroc_OutliersTooLikely_CountsTheirSeparation()
    {
        // Out-images are all "off": a Bernoulli-pixel density fitted on mostly-"on" images finds them more likely, not
        // less, so −log p alone ranks them as inliers (AUROC 0); the baseline must still report that the sets separate.
        const int n = 50, d = 4;
        var rng = new Rng(3);
        float[] dense = Enumerable.Range(0, n * d).Select(_ => rng.NextDouble() < 0.6 ? 1f : 0f).ToArray();
        var inImages = new Dataset("in", n, 2, 2, dense);
        var outImages = new Dataset("out", n, 2, 2, new float[n * d]);
        var background = PixelBernoulliBackground.Fit(new float[n * d], n, d);   // every pixel fitted "off"
        double auroc = OutlierScores.ModelFreeAuroc(x => background.LogLikelihood(x.Pixels, x.Count), inImages, outImages);
        Assert.True(auroc > 0.95, $"AUROC {auroc}");
    }
}

