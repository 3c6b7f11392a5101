using LatentSharp.Optim;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Optim;

public class GradientClippingTests
{
    private static Tensor WithGrad(params float[] grad)
    {
        Tensor p = Tensor.Parameter(grad.Length);
        grad.CopyTo(p.GradToAccumulate()!, 0);
        return p;
    }

    [Fact]
    public void ClipNorm_AboveMax_ScalesAllGradientsByMaxOverNorm()
    {
        Tensor a = WithGrad(3f, 4f), b = WithGrad(12f), none = Tensor.Parameter(2);
        float norm = GradientClipping.ClipNorm([a, none, b], 6.5f);
        Assert.Equal(13f, norm, 5);
        float coef = (float)(6.5 / (13 + 1e-6));
        Assert.Equal([3f * coef, 4f * coef], a.Grad!);
        Assert.Equal(12f * coef, b.Grad![0], 6);
        Assert.Null(none.Grad);
    }

    [Fact]
    public void ClipNorm_BelowMax_LeavesGradientsUnchanged()
    {
        Tensor a = WithGrad(3f, 4f);
        Assert.Equal(5f, GradientClipping.ClipNorm([a], 5.1f), 5);
        Assert.Equal([3f, 4f], a.Grad!);
    }

    [Fact]
    public void ClipNorm_LongGradient_MatchesDoubleReference()
    {
        Tensor a = GradCheck.Param(7, 1000);
        var g = new float[1000];
        new Rng(8).FillGaussian(g);
        g.CopyTo(a.GradToAccumulate()!, 0);
        double reference = Math.Sqrt(g.Sum(v => (double)v * v));
        float norm = GradientClipping.ClipNorm([a], 1f);
        Assert.Equal(reference, norm, 1e-4 * reference);
        double clipped = Math.Sqrt(a.Grad!.Sum(v => (double)v * v));
        Assert.Equal(1.0, clipped, 1e-5);
    }

    [Fact]
    public void ClipNorm_NonFiniteGradient_ReturnsItAndLeavesGradients()
    {
        Tensor a = WithGrad(float.NaN, 1f);
        Assert.True(float.IsNaN(GradientClipping.ClipNorm([a], 1f)));
        Assert.Equal(1f, a.Grad![1]);
    }
}
