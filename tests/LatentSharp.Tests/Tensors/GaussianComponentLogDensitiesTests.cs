using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

// Threading.MaxThreads is process-wide: these run alone, with the GEMM tests.
[Collection(nameof(LatentSharp.Tests.Kernels.GemmTests))]
public class GaussianComponentLogDensitiesTests
{
    [Theory]
    [InlineData(3, 4, 1)]
    [InlineData(2, 3, 7)]    // components fewer than one vector: the scalar tail only
    [InlineData(4, 5, 19)]   // two vectors and a tail of 3
    public void GradCheck_EveryOperand(int rows, int size, int components)
    {
        // Moderate distances keep each output (a sum over L dimensions) small, so float32 rounding stays far below the
        // finite-difference tolerance.
        Tensor z = GradCheck.Param(61, -1f, 1f, rows, size);
        Tensor means = GradCheck.Param(62, -1f, 1f, components, size);
        Tensor logVariances = GradCheck.Param(63, -0.5f, 1.5f, components, size);
        // A wider step than the default: each output is a sum over L dimensions in float32, whose rounding (~1e-6) divided
        // by a 1e-3 step would exceed the tolerance; the central difference's own error stays O(step²).
        GradCheck.Check(t => Tensor.GaussianComponentLogDensities(t[0], t[1], t[2]), [z, means, logVariances], eps: 1e-2);
    }

    [Fact]
    public void Forward_MatchesTheClosedFormInDouble()
    {
        const int B = 5, L = 6, K = 11;
        Tensor z = GradCheck.Param(64, -3f, 3f, B, L);
        Tensor means = GradCheck.Param(65, -1f, 1f, K, L);
        Tensor logVariances = GradCheck.Param(66, -6f, 3f, K, L);
        Tensor y = Tensor.GaussianComponentLogDensities(z, means, logVariances);
        Assert.Equal(new[] { B, K }, y.Shape.ToArray());
        for (int b = 0; b < B; b++)
        for (int k = 0; k < K; k++)
        {
            double expected = 0;
            for (int l = 0; l < L; l++)
            {
                double d = z.Data[b * L + l] - means.Data[k * L + l], lv = logVariances.Data[k * L + l];
                expected += -0.5 * (Math.Log(2 * Math.PI) + lv + d * d * Math.Exp(-lv));
            }
            Reference.Close(expected, y.Data[b * K + k], 2e-6, absTol: 1e-5, what: $"log N(z_{b}; μ_{k}, σ_{k}²)");
        }
    }

    [Fact]
    public void Forward_EqualsTheBroadcastGaussianLogDensitySummedOverDimensions()
    {
        const int B = 9, L = 10, K = 33;
        Tensor z = GradCheck.Param(67, -2f, 2f, B, L);
        Tensor means = GradCheck.Param(68, -1f, 1f, K, L);
        Tensor logVariances = GradCheck.Param(69, -2f, 2f, K, L);
        Tensor fused = Tensor.GaussianComponentLogDensities(z, means, logVariances);
        Tensor broadcast = Tensor.GaussianLogDensity(z.Reshape(B, 1, L), means, logVariances).Sum(2);
        for (int i = 0; i < fused.Length; i++) Reference.Close(broadcast.Data[i], fused.Data[i], 1e-5, absTol: 1e-5, what: $"entry {i}");
    }

    [Fact]
    public void Forward_IsTheSameOnOneAndTwoThreads()
    {
        // Large enough to be split over the worker pool.
        const int B = 300, L = 40, K = 50;
        Tensor z = GradCheck.Param(70, -2f, 2f, B, L);
        Tensor means = GradCheck.Param(71, -1f, 1f, K, L);
        Tensor logVariances = GradCheck.Param(72, -2f, 2f, K, L);
        int saved = Threading.MaxThreads;
        try
        {
            Threading.MaxThreads = 1;
            float[] one = Tensor.GaussianComponentLogDensities(z, means, logVariances).Data[..(B * K)];
            Threading.MaxThreads = 2;
            float[] two = Tensor.GaussianComponentLogDensities(z, means, logVariances).Data[..(B * K)];
            Assert.Equal(one, two);
        }
        finally
        {
            Threading.MaxThreads = saved;
        }
    }

    [Fact]
    public void NarrowComponentNearItsMean_KeepsTheSmallDistance()
    {
        // σ = e^−10 and z − μ = 1e-5 on a mean of 3: expanding z² − 2zμ + μ² would lose the distance entirely in float32.
        Tensor z = Tensor.FromArray([3.00001f], 1, 1);
        Tensor means = Tensor.FromArray([3f], 1, 1);
        Tensor logVariances = Tensor.FromArray([-20f], 1, 1);
        double d = (double)3.00001f - 3.0;
        double expected = -0.5 * (Math.Log(2 * Math.PI) - 20 + d * d * Math.Exp(20));
        Reference.Close(expected, Tensor.GaussianComponentLogDensities(z, means, logVariances).Data[0], 1e-5, what: "narrow component");
    }

    [Fact]
    public void MismatchedShapes_NameAllThree()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Tensor.GaussianComponentLogDensities(Tensor.Zeros(2, 3), Tensor.Zeros(4, 3), Tensor.Zeros(4, 2)));
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[4, 3]", error.Message);
        Assert.Contains("[4, 2]", error.Message);
    }
}
