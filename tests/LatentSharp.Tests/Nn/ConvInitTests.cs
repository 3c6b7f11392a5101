using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Nn;

// PENDING: enable (rename to .cs) together with Nn/Conv2d.cs and Nn/ConvTranspose2d.cs when the conv ops are merged.
public class ConvInitTests
{
    [Fact]
    public void Conv2d_Init_WeightLayoutAndBoundFromInChannelsTimesKernel()
    {
        var conv = new Conv2d(3, 8, 4, new Rng(1), stride: 2, padding: 1);
        Assert.Equal([8, 3, 4, 4], conv.Weight.Shape.ToArray());
        Assert.Equal([8], conv.Bias!.Shape.ToArray());
        double bound = 1 / Math.Sqrt(3 * 4 * 4);
        Assert.All(conv.Weight.Data, v => Assert.InRange(v, -bound, bound));
        Assert.All(conv.Bias.Data, v => Assert.InRange(v, -bound, bound));
        Assert.True(conv.Weight.Data.Max() > 0.9 * bound);
        Assert.Equal(["weight", "bias"], conv.NamedParameters().Select(np => np.Name));
    }

    [Fact]
    public void ConvTranspose2d_Init_WeightLayoutAndBoundFromOutChannelsTimesKernel()
    {
        // torch computes fan_in from weight dim 1 of [C, O, kh, kw]: O·kh·kw.
        var deconv = new ConvTranspose2d(3, 8, 4, new Rng(1), stride: 2, padding: 1, outputPadding: 1);
        Assert.Equal([3, 8, 4, 4], deconv.Weight.Shape.ToArray());
        Assert.Equal([8], deconv.Bias!.Shape.ToArray());
        double bound = 1 / Math.Sqrt(8 * 4 * 4);
        Assert.All(deconv.Weight.Data, v => Assert.InRange(v, -bound, bound));
        Assert.All(deconv.Bias.Data, v => Assert.InRange(v, -bound, bound));
        Assert.True(deconv.Weight.Data.Max() > 0.9 * bound);
    }

    [Fact]
    public void ConvTranspose2d_OutputPaddingNotBelowStride_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvTranspose2d(3, 8, 4, new Rng(1), stride: 2, outputPadding: 2));
    }
}
