using LatentSharp.Nn;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Nn;

public class LinearTests
{
    [Fact]
    public void Forward_Batch_EqualsXWTransposedPlusBias()
    {
        var linear = new Linear(5, 3, new Rng(1));
        Tensor x = GradCheck.Param(2, 4, 5).Detach();   // [B=4, in=5]
        Tensor y = linear.Forward(x);
        Assert.Equal([4, 3], y.Shape.ToArray());
        for (int b = 0; b < 4; b++)
        {
            for (int o = 0; o < 3; o++)
            {
                double expected = linear.Bias!.Data[o];
                for (int i = 0; i < 5; i++) expected += (double)x.Data[b * 5 + i] * linear.Weight.Data[o * 5 + i];
                Assert.Equal(expected, y.Data[b * 3 + o], 5);
            }
        }
    }

    // While the parameters are fixed, a no-gradient forward reads the weight packed once: the same bits as packing it per
    // call; the packed weight is dropped when the last scope closes, so a weight changed after that is the one used.
    [Fact]
    public void Forward_WhileFixed_SameBits_AndAChangedWeightIsUsedAfterRelease()
    {
        var linear = new Linear(300, 200, new Rng(3));
        var mlp = new Sequential(linear, new Relu());
        Tensor x = GradCheck.Param(5, 150, 300).Detach();
        float[] Plain()
        {
            using (Tensor.NoGrad()) return (float[])mlp.Forward(x).Data.Clone();
        }
        float[] before = Plain();
        using (mlp.FixParameters())
        {
            using (mlp.FixParameters())   // scopes nest
            {
                Assert.Equal(before, Plain());
                Assert.Equal(before, Plain());   // the second call reads the kept packing
            }
            Assert.Equal(before, Plain());
        }
        linear.Weight.Data[0] += 1f;   // after release: training may change the weight
        float[] changed = Plain();
        Assert.NotEqual(before, changed);
        using (mlp.FixParameters()) Assert.Equal(changed, Plain());
    }

    [Fact]
    public void Forward_WithoutBias_HasOnlyWeight()
    {
        var linear = new Linear(3, 2, new Rng(1), bias: false);
        Assert.Null(linear.Bias);
        Assert.Equal(["weight"], linear.NamedParameters().Select(np => np.Name));
        Tensor y = linear.Forward(Tensor.FromArray([1f, 0f, 0f], 1, 3));
        Assert.Equal([linear.Weight.Data[0], linear.Weight.Data[3]], y.Data);
    }

    [Fact]
    public void Forward_WrongInputWidth_ThrowsWithShapes()
    {
        var linear = new Linear(3, 2, new Rng(1));
        var e = Assert.Throws<ArgumentException>(() => linear.Forward(Tensor.Zeros(4, 5)));
        Assert.Contains("[4, 5]", e.Message);
    }

    [Fact]
    public void LinearComposition_Gradients_MatchFiniteDifferences()
    {
        var first = new Linear(4, 6, new Rng(1));
        var second = new Linear(6, 3, new Rng(2));
        Tensor x = GradCheck.Param(3, 5, 4);
        GradCheck.Check(
            t => second.Forward(first.Forward(t[0]).Tanh()),
            [x, first.Weight, first.Bias!, second.Weight, second.Bias!]);
    }

    [Theory]
    [InlineData(400, 300)]
    [InlineData(7, 1000)]
    public void Init_UniformWithinBound_VarianceIsBoundSquaredOverThree(int inFeatures, int outFeatures)
    {
        var linear = new Linear(inFeatures, outFeatures, new Rng(42));
        double bound = 1.0 / Math.Sqrt(inFeatures);
        foreach (Tensor p in new[] { linear.Weight, linear.Bias! })
        {
            Assert.All(p.Data, v => Assert.InRange(v, -bound, bound));
            double mean = p.Data.Average(v => (double)v);
            double variance = p.Data.Average(v => (v - mean) * (v - mean));
            double expectedVariance = bound * bound / 3;
            int n = p.Length;
            // Sampling error of the mean is bound/√(3n); of the variance ≈ 0.9·expected/√n (uniform: Var(u²) = 4b⁴/45).
            Assert.True(Math.Abs(mean) < 5 * bound / Math.Sqrt(3.0 * n), $"{p} mean {mean}");
            Assert.True(Math.Abs(variance - expectedVariance) < 5 * 0.9 * expectedVariance / Math.Sqrt(n), $"{p} variance {variance} vs {expectedVariance}");
        }
        // Both tails are reached: the draw really spans ±bound, not a narrower interval.
        Assert.True(linear.Weight.Data.Max() > 0.99 * bound && linear.Weight.Data.Min() < -0.99 * bound);
    }

    [Fact]
    public void Init_SameSeed_SameWeights_DifferentSeed_Different()
    {
        Assert.Equal(new Linear(8, 4, new Rng(5)).Weight.Data, new Linear(8, 4, new Rng(5)).Weight.Data);
        Assert.NotEqual(new Linear(8, 4, new Rng(5)).Weight.Data, new Linear(8, 4, new Rng(6)).Weight.Data);
    }
}
