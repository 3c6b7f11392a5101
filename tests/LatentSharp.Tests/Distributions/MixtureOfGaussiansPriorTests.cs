using LatentSharp.Distributions;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Distributions;

public class MixtureOfGaussiansPriorTests
{
    /// <summary>A prior with seeded, spread-out parameters (not the initial ones, which have equal weights and unit variances).</summary>
    private static MixtureOfGaussiansPrior Random(int k, int l, ulong seed)
    {
        var prior = new MixtureOfGaussiansPrior(k, l, new Rng(seed));
        var rng = new Rng(seed + 1);
        rng.FillUniform(prior.Means.Data, -2f, 2f);
        rng.FillUniform(prior.LogVariances.Data, -1f, 1f);
        rng.FillUniform(prior.Logits.Data, -1f, 1f);
        return prior;
    }

    private static Tensor Points(int b, int l, ulong seed)
    {
        Tensor z = Tensor.Zeros(b, l);
        new Rng(seed).FillUniform(z.Data, -3f, 3f);
        return z;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void LogProb_MatchesTheClosedFormMixtureInDouble(int k)
    {
        MixtureOfGaussiansPrior prior = Random(k, 3, 10);
        Tensor z = Points(6, 3, 11);
        float[] logP;
        using (Tensor.NoGrad()) logP = prior.LogProb(z).Data;
        double[] weights = MixtureReference.Softmax(prior.Logits.Data);
        for (int b = 0; b < 6; b++)
        {
            double expected = MixtureReference.LogProb(z.Data.AsSpan(b * 3, 3), prior.Means.Data, prior.LogVariances.Data, weights);
            Assert.Equal(expected, logP[b], 1e-4 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Fact]
    public void LogProb_OneComponentAtTheOrigin_IsTheStandardNormal()
    {
        var prior = new MixtureOfGaussiansPrior(1, 4, new Rng(1));
        Array.Clear(prior.Means.Data);
        Tensor z = Points(5, 4, 2);
        using var _ = Tensor.NoGrad();
        float[] mixture = prior.LogProb(z).Data, standard = new StandardNormalPrior(4).LogProb(z).Data;
        for (int b = 0; b < 5; b++) Assert.Equal(standard[b], mixture[b], 4);
    }

    [Fact]
    public void Density_IntegratesToOne_In1D()
    {
        MixtureOfGaussiansPrior prior = Random(3, 1, 20);
        using var _ = Tensor.NoGrad();
        double mass = MixtureReference.Integrate(t => prior.LogProb(Tensor.FromArray([t], 1, 1)).Item(), -25, 25, 20_000);
        Assert.Equal(1.0, mass, 4);
    }

    [Fact]
    public void LogProb_GradientsMatchFiniteDifferences()
    {
        MixtureOfGaussiansPrior prior = Random(3, 2, 30);
        Tensor z = GradCheck.Param(31, -2f, 2f, 4, 2);
        GradCheck.Check(_ => prior.LogProb(z), [z, prior.Means, prior.LogVariances, prior.Logits]);
    }

    [Fact]
    public void Sample_HasTheMixtureMeanAndVariance()
    {
        var prior = new MixtureOfGaussiansPrior(2, 1, new Rng(1));
        prior.Means.Data[0] = -2f;
        prior.Means.Data[1] = 3f;
        prior.LogVariances.Data[0] = MathF.Log(0.25f);
        prior.LogVariances.Data[1] = 0f;
        prior.Logits.Data[1] = MathF.Log(3f);   // π = [1/4, 3/4]
        const int n = 200_000;
        float[] z = prior.Sample(n, new Rng(5)).Data;
        double mean = z.Average(v => (double)v), variance = z.Average(v => (v - mean) * (v - mean));
        double expectedMean = 0.25 * -2 + 0.75 * 3;                                          // 1.75
        double expectedVariance = 0.25 * (0.25 + 4) + 0.75 * (1 + 9) - expectedMean * expectedMean;   // 4.6875
        Assert.InRange(mean, expectedMean - 0.03, expectedMean + 0.03);                     // ~6 standard errors
        Assert.InRange(variance, expectedVariance - 0.06, expectedVariance + 0.06);
        Assert.InRange(z.Count(v => v < 0f) / (double)n, 0.246, 0.256);                    // the left component's share, 0.25 + 0.75·Φ(−3)
    }

    [Fact]
    public void Parameters_AreNamedAndShaped()
    {
        var prior = new MixtureOfGaussiansPrior(4, 3, new Rng(1));
        Assert.Equal(["means", "log_variances", "logits"], prior.NamedParameters().Select(p => p.Name));
        Assert.Equal(4 * 3 + 4 * 3 + 4, prior.ParameterCount);
        Assert.False(prior.HasClosedFormKl);
    }
}
