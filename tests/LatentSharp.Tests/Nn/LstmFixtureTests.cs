using System.Text.Json;
using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Nn;

/// <summary>
/// Golden values from torch.nn.LSTM (Fixtures/lstm.json, written by Fixtures/make_lstm_fixtures.py; the tests never run
/// Python): output, h_n and c_n, and the gradients of Σ output·r₁ + Σ h_n·r₂ + Σ c_n·r₃ for fixed random r.
/// </summary>
public class LstmFixtureTests
{
    private static readonly Lazy<JsonElement[]> Cases = new(() => PyTorchFixtures.Load("lstm.json", "make_lstm_fixtures.py"));

    public static TheoryData<string> CaseNames() => PyTorchFixtures.Names(Cases.Value);

    [Fact]
    public void Fixture_CoversLayoutsAndEdgeSizes()
    {
        JsonElement[] cases = Cases.Value;
        int Dim(JsonElement c, int axis) => c.GetProperty("input").GetProperty("shape")[axis].GetInt32();
        bool BatchFirst(JsonElement c) => c.GetProperty("batchFirst").GetBoolean();
        Assert.Contains(cases, c => BatchFirst(c));
        Assert.Contains(cases, c => !BatchFirst(c) && c.GetProperty("layers").GetInt32() == 2 && c.GetProperty("initialHidden").ValueKind != JsonValueKind.Null);
        Assert.Contains(cases, c => c.GetProperty("initialHidden").ValueKind == JsonValueKind.Null);
        Assert.Contains(cases, c => Dim(c, BatchFirst(c) ? 0 : 1) == 1);   // B = 1
        Assert.Contains(cases, c => Dim(c, BatchFirst(c) ? 1 : 0) == 1);   // T = 1
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Lstm_MatchesPyTorch_ForwardAndGradients(string name)
    {
        JsonElement c = Cases.Value.Single(e => e.GetProperty("name").GetString() == name);
        Tensor x = ReadTensor(c.GetProperty("input")).AsParameter();
        bool batchFirst = c.GetProperty("batchFirst").GetBoolean();
        var lstm = new Lstm(x.Dim(2), c.GetProperty("hiddenSize").GetInt32(), new Rng(1), c.GetProperty("layers").GetInt32(), batchFirst);
        JsonElement parameters = c.GetProperty("parameters");
        Assert.Equal(parameters.EnumerateObject().Select(p => p.Name), lstm.NamedParameters().Select(np => np.Name));
        foreach (var (paramName, p) in lstm.NamedParameters())
        {
            Tensor torchValue = ReadTensor(parameters.GetProperty(paramName));
            Assert.Equal(torchValue.Shape.ToArray(), p.Shape.ToArray());
            torchValue.Data.CopyTo(p.Data, 0);
        }
        Tensor? h0 = ReadOptional(c.GetProperty("initialHidden")), c0 = ReadOptional(c.GetProperty("initialCell"));

        LstmOutput result = lstm.Forward(x, h0, c0);
        AssertClose(c.GetProperty("output"), result.Output, $"{name} output");
        AssertClose(c.GetProperty("hidden"), result.Hidden, $"{name} h_n");
        AssertClose(c.GetProperty("cell"), result.Cell, $"{name} c_n");

        Tensor objective = result.Output.Multiply(ReadTensor(c.GetProperty("outputWeights"))).Sum()
            + result.Hidden.Multiply(ReadTensor(c.GetProperty("hiddenWeights"))).Sum()
            + result.Cell.Multiply(ReadTensor(c.GetProperty("cellWeights"))).Sum();
        objective.Backward();
        AssertClose(c.GetProperty("gradInput"), x.Shape, x.Grad!, $"{name} d/dinput");
        if (h0 is not null) AssertClose(c.GetProperty("gradInitialHidden"), h0.Shape, h0.Grad!, $"{name} d/dh0");
        if (c0 is not null) AssertClose(c.GetProperty("gradInitialCell"), c0.Shape, c0.Grad!, $"{name} d/dc0");
        foreach (var (paramName, p) in lstm.NamedParameters())
            AssertClose(c.GetProperty("gradParameters").GetProperty(paramName), p.Shape, p.Grad!, $"{name} d/d{paramName}");
    }

    private static Tensor? ReadOptional(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : ReadTensor(e).AsParameter();

    private static Tensor ReadTensor(JsonElement e) => PyTorchFixtures.ReadTensor(e);

    private static void AssertClose(JsonElement expected, Tensor actual, string what) => AssertClose(expected, actual.Shape, actual.Data, what);

    /// <summary>|actual − expected| ≤ 1e-5·max(1, |expected|), element by element.</summary>
    private static void AssertClose(JsonElement expected, ReadOnlySpan<int> shape, float[] actual, string what) =>
        PyTorchFixtures.AssertClose(expected, shape, actual, 1e-5, what);
}
