using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

public class PixelLikelihoodOpsTests
{
    // D = 11 positions: one full vector and a tail on 256- and 128-bit vectors; values at both edges and inside.
    private static readonly byte[] Values = [0, 255, 1, 254, 128, 37, 0, 200, 255, 64, 3, 90, 17, 128, 250, 0, 5, 255, 77, 128, 1, 180];
    private const int D = 11;

    [Fact]
    public void CategoricalLogProb_TwoDrawsPerImage_MatchesDoubleLogSoftmax()
    {
        const int classes = 256, m = 2, n = 4;
        Tensor logits = GradCheck.Param(1, -30f, 30f, n, classes * D);
        float[] y = logits.CategoricalLogProb(Values, classes).Data;
        for (int row = 0; row < n; row++)
        {
            for (int i = 0; i < D; i++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int k = 0; k < classes; k++) max = Math.Max(max, logits.Data[row * classes * D + k * D + i]);
                for (int k = 0; k < classes; k++) sum += Math.Exp(logits.Data[row * classes * D + k * D + i] - max);
                double expected = logits.Data[row * classes * D + Values[(row % m) * D + i] * D + i] - max - Math.Log(sum);
                Assert.True(Math.Abs(expected - y[row * D + i]) <= 1e-6 * Math.Abs(expected) + 1e-6, $"row {row} position {i}: {y[row * D + i]} against {expected}");
            }
        }
    }

    [Theory]
    [InlineData(256, 1e-2)]   // p ≈ 1/256: a wider step keeps the float rounding of y out of the differences
    [InlineData(7, 1e-3)]
    public void CategoricalLogProb_GradCheck(int classes, double eps)
    {
        byte[] values = classes == 256 ? Values : [.. Values.Select(v => (byte)(v % classes))];
        Tensor logits = GradCheck.Param(2, -3f, 3f, 4, classes * D);
        GradCheck.Check(t => t[0].CategoricalLogProb(values, classes), [logits], eps);
    }

    [Fact]
    public void CategoricalLogProb_FewerClasses_RefusesAValueOutsideThem()
    {
        Tensor logits = GradCheck.Param(3, 2, 4 * D);
        Assert.Throws<ArgumentOutOfRangeException>(() => logits.CategoricalLogProb(Values, 4));
    }

    [Fact]
    public void DiscretizedLogisticMixtureLogProb_MatchesDoubleReference()
    {
        const int k = 3, n = 4;
        Tensor p = MixtureParameters(4, k, n);
        float[] y = p.DiscretizedLogisticMixtureLogProb(Values, k).Data;
        for (int row = 0; row < n; row++)
        {
            for (int i = 0; i < D; i++)
            {
                int v = Values[(row % 2) * D + i];
                double normalizer = 0, mass = 0;
                for (int c = 0; c < k; c++) normalizer += Math.Exp(p.Data[row * 3 * k * D + c * D + i]);
                for (int c = 0; c < k; c++)
                {
                    double weight = Math.Exp(p.Data[row * 3 * k * D + c * D + i]) / normalizer;
                    double mu = p.Data[row * 3 * k * D + (k + c) * D + i], s = Math.Exp(p.Data[row * 3 * k * D + (2 * k + c) * D + i]);
                    double upper = v == 255 ? 1 : Sigmoid(((v + 0.5) / 255 - mu) / s), lower = v == 0 ? 0 : Sigmoid(((v - 0.5) / 255 - mu) / s);
                    mass += weight * (upper - lower);
                }
                Assert.True(Math.Abs(Math.Log(mass) - y[row * D + i]) <= 1e-5 * Math.Abs(Math.Log(mass)) + 1e-5, $"value {v}: {y[row * D + i]} against {Math.Log(mass)}");
            }
        }
    }

    [Fact]
    public void DiscretizedLogisticMixtureLogProb_GradCheck()
    {
        const int k = 3;
        Tensor p = MixtureParameters(5, k, 4);
        GradCheck.Check(t => t[0].DiscretizedLogisticMixtureLogProb(Values, k), [p]);
    }

    [Fact]
    public void DiscretizedLogisticMixtureLogProb_ClampedLogScale_HasNoLogScaleGradient()
    {
        Tensor p = Tensor.FromArray([0f, 0.5f, Tensor.DiscretizedMinLogScale - 3f], 1, 3).AsParameter();
        p.DiscretizedLogisticMixtureLogProb([128], 1).Sum().Backward();
        Assert.Equal(0f, p.Grad![2]);
        Assert.True(float.IsFinite(p.Grad[1]));
    }

    [Fact]
    public void DiscretizedGaussianLogProb_MatchesIntegratedDensity()
    {
        const int n = 2;
        Tensor p = GaussianParameters(6, n, low: -5f);
        float[] y = p.DiscretizedGaussianLogProb(Values[..(n * D)]).Data;
        for (int row = 0; row < n; row++)
        {
            for (int i = 0; i < D; i++)
            {
                int v = Values[row * D + i];
                double mu = p.Data[row * 2 * D + i], s = Math.Exp(p.Data[row * 2 * D + D + i]);
                // Simpson's rule over the bin, the edge bins out to 12 standard deviations
                double lo = v == 0 ? Math.Min(-0.5 / 255, mu - 12 * s) : (v - 0.5) / 255, hi = v == 255 ? Math.Max(255.5 / 255, mu + 12 * s) : (v + 0.5) / 255;
                // in log space around the largest log-density: far in a tail the density itself underflows
                const int steps = 200000;
                double h = (hi - lo) / steps, sum = 0, peak = LogDensity(Math.Clamp(mu, lo, hi));
                for (int j = 0; j <= steps; j++) sum += Math.Exp(LogDensity(lo + j * h) - peak) * (j == 0 || j == steps ? 1 : j % 2 == 1 ? 4 : 2);
                double expected = peak + Math.Log(sum * h / 3);
                Assert.True(Math.Abs(expected - y[row * D + i]) <= 1e-5 * Math.Abs(expected) + 1e-5, $"value {v}, μ {mu}, s {s}: {y[row * D + i]} against {expected}");

                double LogDensity(double x) => -0.5 * Math.Pow((x - mu) / s, 2) - Math.Log(s * Math.Sqrt(2 * Math.PI));
            }
        }
    }

    [Fact]
    public void DiscretizedGaussianLogProb_GradCheck()
    {
        Tensor p = GaussianParameters(7, 4);
        GradCheck.Check(t => t[0].DiscretizedGaussianLogProb(Values), [p]);
    }

    [Fact]
    public void DiscretizedLikelihoods_ValuesNotRowsOfD_Throw()
    {
        Tensor p = GaussianParameters(8, 4);
        Assert.Throws<ArgumentException>(() => p.DiscretizedGaussianLogProb(new byte[3 * D]));
        Assert.Throws<ArgumentException>(() => p.DiscretizedLogisticMixtureLogProb(Values, 2));
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>[n, 3·k·D]: logits in [−2, 2], means in [−0.1, 1.1], log-scales in [−2.5, −0.5]: s well above the finite-difference step, and log p moderate, so that the float rounding of y stays below the tolerance.</summary>
    private static Tensor MixtureParameters(ulong seed, int k, int n)
    {
        Tensor p = Tensor.Parameter(n, 3 * k * D);
        var rng = new Rng(seed);
        for (int row = 0; row < n; row++)
        {
            rng.FillUniform(p.Data.AsSpan(row * 3 * k * D, k * D), -2f, 2f);
            rng.FillUniform(p.Data.AsSpan(row * 3 * k * D + k * D, k * D), -0.1f, 1.1f);
            rng.FillUniform(p.Data.AsSpan(row * 3 * k * D + 2 * k * D, k * D), -2.5f, -0.5f);
        }
        return p;
    }

    /// <summary>[n, 2·D]: means in [−0.1, 1.1], log-scales in [low, −0.5].</summary>
    private static Tensor GaussianParameters(ulong seed, int n, float low = -2.5f)
    {
        Tensor p = Tensor.Parameter(n, 2 * D);
        var rng = new Rng(seed);
        for (int row = 0; row < n; row++)
        {
            rng.FillUniform(p.Data.AsSpan(row * 2 * D, D), -0.1f, 1.1f);
            rng.FillUniform(p.Data.AsSpan(row * 2 * D + D, D), low, -0.5f);
        }
        return p;
    }
}
