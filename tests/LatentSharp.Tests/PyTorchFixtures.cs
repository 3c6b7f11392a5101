using System.Text.Json;
using LatentSharp.Tensors;

namespace LatentSharp.Tests;

/// <summary>
/// The golden files written by the generators in Fixtures/ with PyTorch (the tests never run Python): a "cases" array,
/// tensors as {"shape": [...], "data": [row-major values]}.
/// </summary>
internal static class PyTorchFixtures
{
    /// <summary>The cases of Fixtures/<paramref name="file"/>; a missing file names the script that regenerates it.</summary>
    public static JsonElement[] Load(string file, string generator)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", file);
        if (!File.Exists(path))
            throw new FileNotFoundException($"PyTorch fixture {path} is missing; regenerate it with /usr/bin/python3 tests/LatentSharp.Tests/Fixtures/{generator}.", path);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToArray();
    }

    /// <summary>The "name" of every case, for a theory.</summary>
    public static TheoryData<string> Names(JsonElement[] cases)
    {
        var names = new TheoryData<string>();
        foreach (JsonElement c in cases) names.Add(c.GetProperty("name").GetString()!);
        return names;
    }

    public static Tensor ReadTensor(JsonElement e)
    {
        int[] shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        float[] data = e.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        return Tensor.FromArray(data, shape);
    }

    /// <summary>The same shape, and |actual − expected| ≤ tol·max(1, |expected|) element by element.</summary>
    public static void AssertClose(JsonElement expected, ReadOnlySpan<int> shape, float[] actual, double tol, string what)
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
