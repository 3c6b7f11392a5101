using LatentSharp.Distributions;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Distributions;

public class DiagonalNormalTests
{
    private static DiagonalNormal Random(ulong seed, int b, int l) =>
        new(GradCheck.Param(seed, -1.5f, 1.5f, b, l), GradCheck.Param(seed + 100, -2f, 1f, b, l));

    [Fact]
    public void KlToStandardNormal_MatchesMonteCarloEstimate()
    {
        DiagonalNormal q = Random(1, 2, 3);
        var prior = new StandardNormalPrior(3);
        float[] closed = q.KlToStandardNormal().Data;
        var rng = new Rng(2);
        var sums = new double[2];
        const int draws = 100_000;
        using (Tensor.NoGrad())
        {
            for (int i = 0; i < draws; i++)
            {
                Tensor z = q.Rsample(rng);
                float[] diff = (q.LogProb(z) - prior.LogProb(z)).Data;
                sums[0] += diff[0];
                sums[1] += diff[1];
            }
        }
        for (int b = 0; b < 2; b++)
            Assert.InRange(sums[b] / draws, closed[b] - 0.03, closed[b] + 0.03);   // ~5 standard errors
    }

    [Fact]
    public void KlToStandardNormal_IsZeroForThePriorAndPositiveOtherwise()
    {
        var atPrior = new DiagonalNormal(Tensor.Zeros(1, 4), Tensor.Zeros(1, 4));
        Assert.Equal(0f, atPrior.KlToStandardNormal().Item(), 6);
        DiagonalNormal q = Random(3, 5, 4);
        Assert.All(q.KlToStandardNormal().Data, kl => Assert.True(kl > 0));
    }

    [Fact]
    public void LogProb_MatchesClosedFormInDouble()
    {
        DiagonalNormal q = Random(4, 2, 3);
        Tensor z = GradCheck.Param(5, 2, 3);
        float[] logp = q.LogProb(z).Data;
        for (int b = 0; b < 2; b++)
        {
            double expected = 0;
            for (int j = 0; j < 3; j++)
            {
                double m = q.Mean.Data[b * 3 + j], lv = q.LogVariance.Data[b * 3 + j], x = z.Data[b * 3 + j];
                expected += -0.5 * (Math.Log(2 * Math.PI) + lv + (x - m) * (x - m) / Math.Exp(lv));
            }
            Assert.Equal(expected, logp[b], 4);
        }
    }

    [Fact]
    public void Rsample_IsDifferentiableInMeanAndLogVariance()
    {
        Tensor mean = GradCheck.Param(6, 2, 3), logVariance = GradCheck.Param(7, 2, 3);
        GradCheck.Check(x => new DiagonalNormal(x[0], x[1]).Rsample(new Rng(9)), [mean, logVariance]);
        GradCheck.Check(x => new DiagonalNormal(x[0], x[1]).KlToStandardNormal(), [mean, logVariance]);
    }

    [Fact]
    public void StandardNormalPrior_LogProbMatchesClosedForm()
    {
        Tensor z = Tensor.FromArray([0f, 1f, -2f, 0.5f], 2, 2);
        float[] logp = new StandardNormalPrior(2).LogProb(z).Data;
        Assert.Equal(-Math.Log(2 * Math.PI) - 0.5, logp[0], 5);
        Assert.Equal(-Math.Log(2 * Math.PI) - 0.5 * (4 + 0.25), logp[1], 5);
    }
}
