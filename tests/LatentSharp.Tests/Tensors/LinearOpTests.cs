using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

public class LinearOpTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear_MatchesGradCheck(bool withBias)
    {
        Tensor x = GradCheck.Param(1, 5, 7), w = GradCheck.Param(2, 3, 7), b = GradCheck.Param(3, 3);
        if (withBias) GradCheck.Check(t => Tensor.Linear(t[0], t[1], t[2]), [x, w, b]);
        else GradCheck.Check(t => Tensor.Linear(t[0], t[1], null), [x, w]);
    }

    [Fact]
    public void Linear_EqualsMatMulPlusBias()
    {
        Tensor x = GradCheck.Param(4, 9, 13), w = GradCheck.Param(5, 6, 13), b = GradCheck.Param(6, 6);
        float[] fused = Tensor.Linear(x, w, b).Data;
        float[] composed = (x.MatMul(w, transposeOther: true) + b).Data;
        for (int i = 0; i < fused.Length; i++) Assert.Equal(composed[i], fused[i], 5);
    }

    [Fact]
    public void Linear_WrongShapes_NameThem()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Linear(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5), null));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4, 5]", ex.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Linear(Tensor.Zeros(2, 3), Tensor.Zeros(4, 3), Tensor.Zeros(5)));
    }
}
