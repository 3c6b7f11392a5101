using LatentSharp.Kernels;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Kernels;

public class PreciseMathTests
{
    public static TheoryData<int> AwkwardLengths => [0, 1, 7, 31, 65, 127, 257];

    private static float[] Inputs(int n, float low, float high)
    {
        var x = new float[n];
        new LatentSharp.Tensors.Rng((ulong)n + 1).FillUniform(x, low, high);
        return x;
    }

    [Theory]
    [MemberData(nameof(AwkwardLengths))]
    public void Log1p_EveryLength_MatchesDoubleReference(int n)
    {
        foreach ((float low, float high) in new[] { (-0.9f, 3f), (-1e-5f, 1e-5f), (1e-30f, 1e-20f) })
        {
            float[] x = Inputs(n, low, high), y = new float[n];
            PreciseMath.Log1p(x, y);
            for (int i = 0; i < n; i++) Reference.Close(Reference.Log1p(x[i]), y[i], 4e-7, what: $"log1p({x[i]:G9}) at {i}/{n}");
            PreciseMath.Log1p(x, x);   // in place
            Assert.Equal(y, x);
        }
    }

    [Theory]
    [MemberData(nameof(AwkwardLengths))]
    public void ExpM1_EveryLength_MatchesDoubleReference(int n)
    {
        foreach ((float low, float high) in new[] { (-20f, 20f), (-1e-5f, 1e-5f), (-1e-30f, 1e-30f) })
        {
            float[] x = Inputs(n, low, high), y = new float[n];
            PreciseMath.ExpM1(x, y);
            for (int i = 0; i < n; i++)
            {
                double v = x[i], expected = Math.Abs(v) < 1e-5 ? v + v * v / 2 + v * v * v / 6 : Math.Exp(v) - 1;
                Reference.Close(expected, y[i], 4e-7, what: $"expm1({x[i]:G9}) at {i}/{n}");
            }
        }
    }

    [Fact]
    public void SpecialValues_FollowIeee()
    {
        // Lengths 9 and 1 so that the values go through both the vector body and the scalar tail.
        float[] log1pIn = [0f, -1f, float.PositiveInfinity, float.NaN, -2f, 1e-38f, -0.5f, 1e30f, 1e-10f];
        double[] log1pOut = [0, double.NegativeInfinity, double.PositiveInfinity, double.NaN, double.NaN, 1e-38, Math.Log(0.5), Math.Log(1e30), 1e-10];
        float[] expm1In = [0f, float.NegativeInfinity, float.PositiveInfinity, float.NaN, -100f, 100f, 1e-10f, -1e-10f, 89f];
        double[] expm1Out = [0, -1, double.PositiveInfinity, double.NaN, -1, double.PositiveInfinity, 1e-10, -1e-10, double.PositiveInfinity];
        for (int i = 0; i < log1pIn.Length; i++)
        {
            float[] lv = new float[log1pIn.Length], ev = new float[expm1In.Length];
            PreciseMath.Log1p(log1pIn, lv);
            PreciseMath.ExpM1(expm1In, ev);
            foreach ((double expected, float actual, string what) in new[] { (log1pOut[i], lv[i], $"log1p({log1pIn[i]})"), (log1pOut[i], PreciseMath.Log1p(log1pIn[i]), $"scalar log1p({log1pIn[i]})"),
                                                                          (expm1Out[i], ev[i], $"expm1({expm1In[i]})"), (expm1Out[i], PreciseMath.ExpM1(expm1In[i]), $"scalar expm1({expm1In[i]})") })
            {
                if (double.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"{what} = {actual}");
                else if (double.IsInfinity(expected)) Assert.Equal((float)expected, actual);
                else Reference.Close(expected, actual, 4e-7, what: what);
            }
        }
    }
}
