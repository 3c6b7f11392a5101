using LatentSharp.Nn;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Nn;

public class GatedLinearTests
{
    [Fact]
    public void Parameters_AreTheLinearAndTheGate_NamedAsTheVampPriorCode()
    {
        var gated = new GatedLinear(5, 3, new Rng(1));
        Assert.Equal(["h.weight", "h.bias", "g.weight", "g.bias"], gated.NamedParameters().Select(np => np.Name));
        Assert.Equal([[3, 5], [3], [3, 5], [3]], gated.NamedParameters().Select(np => np.Parameter.Shape.ToArray()));
        Assert.NotEqual(gated.Linear.Weight.Data, gated.Gate.Weight.Data);
    }

    [Fact]
    public void Forward_IsTheLinearPartTimesTheSigmoidOfTheGate()
    {
        var gated = new GatedLinear(4, 2, new Rng(2));
        Tensor x = GradCheck.Param(3, 3, 4).Detach();   // [B=3, in=4]
        Tensor y = gated.Forward(x);
        Assert.Equal([3, 2], y.Shape.ToArray());
        for (int b = 0; b < 3; b++)
        {
            for (int o = 0; o < 2; o++)
            {
                double h = gated.Linear.Bias!.Data[o], g = gated.Gate.Bias!.Data[o];
                for (int i = 0; i < 4; i++)
                {
                    h += (double)x.Data[b * 4 + i] * gated.Linear.Weight.Data[o * 4 + i];
                    g += (double)x.Data[b * 4 + i] * gated.Gate.Weight.Data[o * 4 + i];
                }
                Assert.Equal(h / (1 + Math.Exp(-g)), y.Data[b * 2 + o], 5);
            }
        }
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences()
    {
        var gated = new GatedLinear(4, 3, new Rng(4));
        Tensor x = GradCheck.Param(5, 6, 4);
        GradCheck.Check(t => gated.Forward(t[0]), [x, gated.Linear.Weight, gated.Linear.Bias!, gated.Gate.Weight, gated.Gate.Bias!]);
    }

    [Fact]
    public void MlpGated_HasAGatedLayerPerHiddenWidth_ThenALinearOutput()
    {
        Sequential mlp = Mlp.Build(6, [5, 4], 2, Mlp.Gated, new Rng(1));
        Assert.Equal(["0.h.weight", "0.h.bias", "0.g.weight", "0.g.bias", "1.h.weight", "1.h.bias", "1.g.weight", "1.g.bias", "2.weight", "2.bias"],
            mlp.NamedParameters().Select(np => np.Name));
        Assert.Equal([2, 4], mlp.NamedParameters().Last(np => np.Name == "2.weight").Parameter.Shape.ToArray());
        Assert.Equal([3, 2], mlp.Forward(Tensor.Zeros(3, 6)).Shape.ToArray());
    }
}
