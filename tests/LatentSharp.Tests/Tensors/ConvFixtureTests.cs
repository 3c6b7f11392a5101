using System.Text.Json;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

/// <summary>
/// Golden values from PyTorch (Fixtures/conv.json, written by Fixtures/make_conv_fixtures.py; the tests never run Python):
/// forward outputs, and gradients of Σ output·r for fixed random r.
/// </summary>
public class ConvFixtureTests
{
    private static readonly Lazy<JsonElement[]> Cases = new(() => PyTorchFixtures.Load("conv.json", "make_conv_fixtures.py"));

    public static TheoryData<string> CaseNames() => PyTorchFixtures.Names(Cases.Value);

    [Fact]
    public void Fixture_CoversBothOpsWithAndWithoutBias()
    {
        JsonElement[] cases = Cases.Value;
        Assert.Contains(cases, c => c.GetProperty("op").GetString() == "conv2d" && c.GetProperty("bias").ValueKind == JsonValueKind.Null);
        Assert.Contains(cases, c => c.GetProperty("op").GetString() == "conv_transpose2d" && c.GetProperty("outputPadding").GetInt32() > 0);
        Assert.Contains(cases, c => c.GetProperty("op").GetString() == "conv_transpose2d" && c.GetProperty("bias").ValueKind == JsonValueKind.Null);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Conv_MatchesPyTorch_ForwardAndGradients(string name)
    {
        JsonElement c = Cases.Value.Single(e => e.GetProperty("name").GetString() == name);
        Tensor x = ReadTensor(c.GetProperty("input")).AsParameter();
        Tensor w = ReadTensor(c.GetProperty("weight")).AsParameter();
        Tensor? b = c.GetProperty("bias").ValueKind == JsonValueKind.Null ? null : ReadTensor(c.GetProperty("bias")).AsParameter();
        Tensor r = ReadTensor(c.GetProperty("outputWeights"));
        int stride = c.GetProperty("stride").GetInt32(), padding = c.GetProperty("padding").GetInt32();

        Tensor y = c.GetProperty("op").GetString() switch
        {
            "conv2d" => Tensor.Conv2d(x, w, b, stride, padding),
            "conv_transpose2d" => Tensor.ConvTranspose2d(x, w, b, stride, padding, c.GetProperty("outputPadding").GetInt32()),
            var op => throw new InvalidDataException($"Unknown op '{op}' in conv.json case {name}."),
        };
        AssertClose(c.GetProperty("output"), y.Shape, y.Data, 1e-5, $"{name} output");

        y.Multiply(r).Sum().Backward();
        AssertClose(c.GetProperty("gradInput"), x.Shape, x.Grad!, 1e-4, $"{name} d/dinput");
        AssertClose(c.GetProperty("gradWeight"), w.Shape, w.Grad!, 1e-4, $"{name} d/dweight");
        if (b is not null) AssertClose(c.GetProperty("gradBias"), b.Shape, b.Grad!, 1e-4, $"{name} d/dbias");
    }

    private static Tensor ReadTensor(JsonElement e) => PyTorchFixtures.ReadTensor(e);

    private static void AssertClose(JsonElement expected, ReadOnlySpan<int> shape, float[] actual, double tol, string what) =>
        PyTorchFixtures.AssertClose(expected, shape, actual, tol, what);
}
