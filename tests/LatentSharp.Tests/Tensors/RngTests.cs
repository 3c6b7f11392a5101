using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

public class RngTests
{
    [Fact]
    public void SameSeed_GivesSameStream()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
    }

    [Fact]
    public void Gaussian_HasUnitMomentsOverManyDraws()
    {
        var rng = new Rng(7);
        const int n = 200_000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double x = rng.NextGaussian();
            sum += x;
            sumSq += x * x;
        }
        double mean = sum / n, variance = sumSq / n - mean * mean;
        Assert.InRange(mean, -0.01, 0.01);      // 4.5 standard errors
        Assert.InRange(variance, 0.985, 1.015);
    }

    [Fact]
    public void State_RestoresTheExactStream()
    {
        var rng = new Rng(3);
        rng.NextGaussian();
        ulong[] state = rng.GetState();
        double expected = rng.NextGaussian() + rng.NextGaussian();
        var restored = new Rng(999);
        restored.SetState(state);
        Assert.Equal(expected, restored.NextGaussian() + restored.NextGaussian());
    }

    [Fact]
    public void Permutation_ContainsEveryIndexOnce()
    {
        int[] p = new Rng(1).Permutation(1000);
        Assert.Equal(Enumerable.Range(0, 1000), p.OrderBy(x => x));
        Assert.NotEqual(Enumerable.Range(0, 1000), p);
    }

    [Fact]
    public void NextInt_IsUniformOverSmallRange()
    {
        var rng = new Rng(5);
        var counts = new int[3];
        for (int i = 0; i < 30_000; i++) counts[rng.NextInt(3)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_700, 10_300));
    }
}
