using System.Text.Json;
using LatentSharp.Nn;
using LatentSharp.Optim;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Optim;

public class OptimizerGoldenTests
{
    [Theory]
    [InlineData("sgd")]
    [InlineData("sgd-nesterov")]
    [InlineData("sgd-weight-decay")]
    [InlineData("adagrad")]
    [InlineData("adam")]
    [InlineData("adam-l2")]
    [InlineData("adamw")]
    public void Optimizer_ThreeStepsFromFixedGradients_MatchesPyTorch(string name)
    {
        JsonElement c = Golden.Case("optimizers", name);
        Tensor[] parameters = [.. c.GetProperty("initial").EnumerateArray().Select(v => Tensor.FromArray(Golden.Floats(v), v.GetArrayLength()).AsParameter())];
        Optimizer optimizer = Create(c.GetProperty("optimizer").GetString()!, c.GetProperty("hyper"), parameters);

        JsonElement[] grads = [.. c.GetProperty("grads").EnumerateArray()];
        JsonElement[] after = [.. c.GetProperty("after").EnumerateArray()];
        for (int step = 0; step < grads.Length; step++)
        {
            JsonElement[] stepGrads = [.. grads[step].EnumerateArray()];
            for (int i = 0; i < parameters.Length; i++)
            {
                if (stepGrads[i].ValueKind == JsonValueKind.Null)
                {
                    Assert.Null(parameters[i].Grad);   // the fixture only leaves a gradient out before any exists
                    continue;
                }
                Golden.Floats(stepGrads[i]).CopyTo(parameters[i].GradToAccumulate()!, 0);
            }
            optimizer.Step();
            JsonElement[] expected = [.. after[step].EnumerateArray()];
            for (int i = 0; i < parameters.Length; i++)
                Golden.AssertClose(Golden.Floats(expected[i]), parameters[i].Data, $"{name} step {step + 1} parameter {i}");
        }
    }

    [Fact]
    public void TinyMlp_TenAdamSteps_LossesAndWeightsMatchPyTorch()
    {
        JsonElement c = Golden.Root.GetProperty("mlp");
        Sequential model = Mlp.Build(6, [5], 3, Activation.Tanh, new Rng(1));
        JsonElement parameters = c.GetProperty("parameters");
        Assert.Equal(parameters.EnumerateObject().Select(p => p.Name), model.NamedParameters().Select(np => np.Name));
        foreach (var (name, p) in model.NamedParameters())
        {
            JsonElement entry = parameters.GetProperty(name);
            Assert.Equal(entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), p.Shape.ToArray());
            Golden.Floats(entry.GetProperty("values")).CopyTo(p.Data, 0);
        }
        Tensor x = Tensor.FromArray(Golden.Floats(c.GetProperty("inputs").GetProperty("values")), 8, 6);
        Tensor t = Tensor.FromArray(Golden.Floats(c.GetProperty("targets").GetProperty("values")), 8, 3);
        var adam = new Adam(model.Parameters(), learningRate: (float)c.GetProperty("lr").GetDouble());

        var losses = new float[10];
        for (int step = 0; step < losses.Length; step++)
        {
            model.ZeroGrad();
            Tensor d = model.Forward(x) - t;   // [8, 3]
            Tensor loss = (d * d).Mean();
            losses[step] = loss.Item();
            loss.Backward();
            adam.Step();
        }

        Golden.AssertClose(Golden.Floats(c.GetProperty("losses")), losses, "MLP loss");
        foreach (var (name, p) in model.NamedParameters())
            Golden.AssertClose(Golden.Floats(c.GetProperty("final").GetProperty(name)), p.Data, $"MLP final {name}");
    }

    private static Optimizer Create(string kind, JsonElement hyper, Tensor[] parameters)
    {
        float F(string key, float fallback) => hyper.TryGetProperty(key, out JsonElement v) ? (float)v.GetDouble() : fallback;
        double D(string key, double fallback) => hyper.TryGetProperty(key, out JsonElement v) ? v.GetDouble() : fallback;
        float lr = F("lr", float.NaN);
        return kind switch
        {
            "Sgd" => new Sgd(parameters, lr, momentum: F("momentum", 0f), weightDecay: F("weight_decay", 0f),
                nesterov: hyper.TryGetProperty("nesterov", out JsonElement n) && n.GetBoolean()),
            "Adagrad" => new Adagrad(parameters, lr),
            "Adam" => new Adam(parameters, lr, D("beta1", 0.9), D("beta2", 0.999), weightDecay: F("weight_decay", 0f)),
            "AdamW" => new AdamW(parameters, lr, D("beta1", 0.9), D("beta2", 0.999), weightDecay: F("weight_decay", 0.01f)),
            _ => throw new ArgumentException($"unknown optimizer {kind}"),
        };
    }
}
