using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Kernels;

public class MaskedTests
{
    public static TheoryData<int> Lengths => [0, 1, 7, 8, 15, 16, 17, 31, 65, 127, 257];

    private static (float[] X, float[] G, float[] D) Inputs(int n)
    {
        var rng = new Rng((ulong)n + 1);
        var x = new float[n];
        var g = new float[n];
        var d = new float[n];
        rng.FillUniform(x, -2f, 2f);
        rng.FillUniform(g, -1f, 1f);
        rng.FillUniform(d, -1f, 1f);
        if (n > 3) (x[0], x[1], x[2]) = (0f, -0f, 1f);   // the boundary itself gets no gradient
        return (x, g, d);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void PassWherePositive_MatchesScalarReference(int n)
    {
        var (x, g, d) = Inputs(n);
        float[] expected = d.Select((v, i) => x[i] > 0f ? v + g[i] : v).ToArray();
        Masked.PassWherePositive(x, g, d, overwrite: false);
        Assert.Equal(expected, d);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void PassWherePositive_Overwriting_NeverReadsTheDestination(int n)
    {
        var (x, g, d) = Inputs(n);
        float[] expected = x.Select((v, i) => v > 0f ? g[i] : 0f).ToArray();
        Array.Fill(d, float.NaN);
        Masked.PassWherePositive(x, g, d, overwrite: true);
        Assert.Equal(expected, d);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void AddWhereInside_MatchesScalarReference(int n)
    {
        var (x, g, d) = Inputs(n);
        float[] expected = d.Select((v, i) => x[i] > -1f && x[i] < 1f ? v + g[i] : v).ToArray();
        Masked.AddWhereInside(x, -1f, 1f, g, d);
        Assert.Equal(expected, d);
    }
}
