using System.Text.Json;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

/// <summary>
/// Golden values from PyTorch (Fixtures/conv.json, written by Fixtures/make_conv_fixtures.py; the tests never run Python):
/// forward outputs, and gradients of Σ output·r for fixed random r.
/// </summary>
public class ConvFixtureTests
{
    private static readonly Lazy<JsonElement[]> Cases = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "conv.json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"PyTorch fixture {path} is missing; regenerate it with /usr/bin/python3 tests/LatentSharp.Tests/Fixtures/make_conv_fixtures.py.", path);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToArray();
    });

    public static TheoryData<string> CaseNames()
    {
        var names = new TheoryData<string>();
        foreach (JsonElement c in Cases.Value) names.Add(c.GetProperty("name").GetString()!);
        return names;
    }

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

    private static Tensor ReadTensor(JsonElement e)
    {
        int[] shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        float[] data = e.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        return Tensor.FromArray(data, shape);
    }

    /// <summary>|actual − expected| ≤ tol·max(1, |expected|), element by element.</summary>
    private static void AssertClose(JsonElement expected, ReadOnlySpan<int> shape, float[] actual, double tol, string what)
    {
        Assert.Equal(expected.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(), shape.ToArray());
        int i = 0;
        foreach (JsonElement v in expected.GetProperty("data").EnumerateArray())
        {
            double want = v.GetSingle();
            Assert.True(Math.Abs(actual[i] - want) <= tol * Math.Max(1, Math.Abs(want)), $"{what} element {i}: {actual[i]:G9} vs PyTorch {want:G9}");
            i++;
        }
        Assert.Equal(i, Tensor.CheckedLength(shape));
    }
}
