using System.Text.Json;

namespace LatentSharp.Tests.Optim;

/// <summary>Reads Fixtures/optim.json (written by Fixtures/make_optim_fixtures.py from PyTorch) and compares against it.</summary>
internal static class Golden
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "optim.json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"The golden file {path} is missing; it is copied from tests/LatentSharp.Tests/Fixtures (regenerate with make_optim_fixtures.py).", path);
        return JsonDocument.Parse(File.ReadAllText(path));
    });

    public static JsonElement Root => Document.Value.RootElement;

    public static JsonElement Case(string section, string name)
    {
        foreach (JsonElement e in Root.GetProperty(section).EnumerateArray())
        {
            if (e.GetProperty("name").GetString() == name) return e;
        }
        throw new KeyNotFoundException($"optim.json has no {section} case \"{name}\".");
    }

    public static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(v => (float)v.GetDouble())];

    /// <summary>Element-wise |actual − expected| ≤ abs + rel·|expected|: 1e-5 relative, 1e-6 absolute unless told.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, double rel = 1e-5, double abs = 1e-6)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = abs + rel * Math.Abs(expected[i]);
            Assert.True(Math.Abs(actual[i] - (double)expected[i]) <= tol,
                $"{what}[{i}]: {actual[i]:G9}, expected {expected[i]:G9} (tolerance {tol:G3})");
        }
    }
}
