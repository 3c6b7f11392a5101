using LatentSharp.Nn;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Nn;

public class FlattenTests
{
    [Fact]
    public void UnflattenThenFlatten_KeepsValuesAndPassesGradients()
    {
        Tensor x = GradCheck.Param(1, 3, 2 * 4 * 5);
        var unflatten = new Unflatten(2, 4, 5);
        Tensor maps = unflatten.Forward(x);
        Assert.Equal(new[] { 3, 2, 4, 5 }, maps.Shape.ToArray());
        Tensor rows = new Flatten().Forward(maps);
        Assert.Equal(x.Shape.ToArray(), rows.Shape.ToArray());
        Assert.Equal(x.Data, rows.Data);
        GradCheck.Check(t => new Flatten().Forward(unflatten.Forward(t[0]).Square()), [x]);
    }

    [Fact]
    public void Unflatten_WrongWidth_SaysWhatItExpects()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Unflatten(1, 28, 28).Forward(Tensor.Zeros(2, 100)));
        Assert.Contains("[B, 784]", ex.Message);
        Assert.Contains("[2, 100]", ex.Message);
    }
}
