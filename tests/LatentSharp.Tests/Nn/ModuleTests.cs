using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Nn;

public class ModuleTests
{
    /// <summary>A module with its own parameter and two children, like a small model.</summary>
    private sealed class Model : Module
    {
        public Model(Rng rng)
        {
            Scale = RegisterParameter("scale", Tensor.Parameter(1));
            Encoder = RegisterModule("encoder", Mlp.Build(4, [3], 2, Activation.Relu, rng));
            Decoder = RegisterModule("decoder", new Linear(2, 4, rng));
        }

        public Tensor Scale { get; }
        public Sequential Encoder { get; }
        public Linear Decoder { get; }
    }

    [Fact]
    public void NamedParameters_NestedModules_DottedNamesInRegistrationOrder()
    {
        var model = new Model(new Rng(1));
        Assert.Equal(
            ["scale", "encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias", "decoder.weight", "decoder.bias"],
            model.NamedParameters().Select(np => np.Name));
        Assert.Same(model.Decoder.Weight, model.NamedParameters().Single(np => np.Name == "decoder.weight").Parameter);
        Assert.Equal(1 + (4 * 3 + 3) + (3 * 2 + 2) + (2 * 4 + 4), model.ParameterCount);
        Assert.Equal(model.NamedParameters().Select(np => np.Parameter), model.Parameters());
    }

    [Fact]
    public void TrainEval_FromRoot_PropagatesToEveryDescendant()
    {
        var model = new Model(new Rng(1));
        Module[] all = [model, model.Encoder, model.Encoder[0], model.Encoder[1], model.Encoder[2], model.Decoder];
        Assert.All(all, m => Assert.True(m.IsTraining));
        model.Eval();
        Assert.All(all, m => Assert.False(m.IsTraining));
        model.Train();
        Assert.All(all, m => Assert.True(m.IsTraining));
        model.Encoder.Eval();
        Assert.True(model.IsTraining);
        Assert.False(model.Encoder[1].IsTraining);
    }

    [Fact]
    public void ZeroGrad_AfterBackward_ZeroesEveryParameterGradient()
    {
        var model = new Model(new Rng(1));
        Tensor x = Tensor.FromArray([1f, -2f, 3f, 0.5f], 1, 4);
        model.Decoder.Forward(model.Encoder.Forward(x)).Multiply(model.Scale.Add(1f)).Sum().Backward();
        Assert.Contains(model.Parameters(), p => p.Grad!.Any(g => g != 0f));
        model.ZeroGrad();
        Assert.All(model.Parameters(), p => Assert.All(p.Grad!, g => Assert.Equal(0f, g)));
    }

    private sealed class Bad : Module
    {
        public void Add(string name, Tensor p) => RegisterParameter(name, p);
    }

    [Fact]
    public void RegisterParameter_DuplicateOrDottedName_Throws()
    {
        var bad = new Bad();
        bad.Add("w", Tensor.Parameter(2));
        Assert.Throws<ArgumentException>(() => bad.Add("w", Tensor.Parameter(2)));
        Assert.Throws<ArgumentException>(() => bad.Add("a.b", Tensor.Parameter(2)));
        Assert.Throws<ArgumentException>(() => bad.Add("", Tensor.Parameter(2)));
    }

    [Fact]
    public void Mlp_Build_AlternatesLinearAndActivation_NoActivationAfterOutput()
    {
        Sequential mlp = Mlp.Build(10, [16, 8], 3, Activation.LeakyRelu, new Rng(1));
        Assert.Equal(5, mlp.Count);
        Assert.IsType<Linear>(mlp[0]);
        Assert.IsType<LeakyRelu>(mlp[1]);
        Assert.IsType<Linear>(mlp[2]);
        Assert.IsType<LeakyRelu>(mlp[3]);
        var output = Assert.IsType<Linear>(mlp[4]);
        Assert.Equal((8, 3), (output.InFeatures, output.OutFeatures));
        Assert.Equal([7, 3], mlp.Forward(Tensor.Zeros(7, 10)).Shape.ToArray());
        Assert.Equal(10 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3, mlp.ParameterCount);
    }

    [Fact]
    public void Mlp_NoHiddenLayers_IsOneLinear()
    {
        Sequential mlp = Mlp.Build(4, [], 2, Activation.Tanh, new Rng(1));
        Assert.IsType<Linear>(Assert.Single(mlp.Layers));
    }
}
