using LatentSharp.Nn;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Nn;

public class ActivationTests
{
    public static TheoryData<Activation> All => new(Enum.GetValues<Activation>());

    private static double Reference(Activation a, double x) => a switch
    {
        Activation.Relu => Math.Max(x, 0),
        Activation.LeakyRelu => x > 0 ? x : 0.01 * x,
        Activation.Elu => x > 0 ? x : Math.Exp(x) - 1,
        Activation.Tanh => Math.Tanh(x),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        Activation.Softplus => Math.Log(1 + Math.Exp(x)),
        Activation.Identity => x,
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    /// <summary>Values away from the kink at 0, where finite differences would straddle it.</summary>
    private static Tensor Input()
    {
        Tensor x = GradCheck.Param(11, 0.05f, 3f, 3, 8);
        for (int i = 0; i < x.Length; i += 2) x.Data[i] = -x.Data[i];
        return x;
    }

    [Theory]
    [MemberData(nameof(All))]
    public void ActivationLayer_Forward_MatchesScalarReference(Activation activation)
    {
        Tensor x = Input();
        Tensor y = ActivationFactory.Create(activation).Forward(x);
        for (int i = 0; i < x.Length; i++) Assert.Equal(Reference(activation, x.Data[i]), y.Data[i], 5);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void ActivationLayer_Backward_MatchesFiniteDifferences(Activation activation)
    {
        Layer layer = ActivationFactory.Create(activation);
        GradCheck.Check(t => layer.Forward(t[0]) * 1f, [Input()]);
    }

    [Theory]
    [InlineData("relu", Activation.Relu)]
    [InlineData("leaky-relu", Activation.LeakyRelu)]
    [InlineData("elu", Activation.Elu)]
    [InlineData("tanh", Activation.Tanh)]
    [InlineData("softplus", Activation.Softplus)]
    [InlineData("sigmoid", Activation.Sigmoid)]
    [InlineData("identity", Activation.Identity)]
    [InlineData("ReLU", Activation.Relu)]
    public void Parse_ConfigurationName_GivesActivation(string name, Activation expected)
    {
        Assert.Equal(expected, ActivationFactory.Parse(name));
        Assert.Equal(expected, ActivationFactory.Parse(ActivationFactory.NameOf(expected)));
    }

    [Fact]
    public void Parse_UnknownName_ListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ActivationFactory.Parse("gelu"));
        Assert.Contains("leaky-relu", e.Message);
    }

    [Fact]
    public void LeakyReluAndElu_CustomConstants_AreUsed()
    {
        Tensor x = Tensor.FromArray([-2f, 3f], 2);
        Assert.Equal([-0.4f, 3f], new LeakyRelu(0.2f).Forward(x).Data);
        Assert.Equal(0.5 * (Math.Exp(-2) - 1), new Elu(0.5f).Forward(x).Data[0], 6);
    }
}
