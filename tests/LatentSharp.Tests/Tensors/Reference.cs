using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

/// <summary>Closed forms in double for forward-value checks, and test inputs kept away from kinks.</summary>
internal static class Reference
{
    /// <summary>log(1 + z) without cancellation for tiny z (double has no accurate log1p).</summary>
    public static double Log1p(double z) => Math.Abs(z) < 1e-4 ? z - z * z / 2 + z * z * z / 3 : Math.Log(1 + z);

    public static double Softplus(double x) => Math.Max(x, 0) + Log1p(Math.Exp(-Math.Abs(x)));

    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>|actual − expected| ≤ absTol + relTol·|expected|, with a message that shows both.</summary>
    public static void Close(double expected, float actual, double relTol, double absTol = 0, string what = "")
    {
        Assert.True(float.IsFinite(actual), $"{what}: expected {expected:G9}, got {actual:G9}");
        Assert.True(Math.Abs(actual - expected) <= absTol + relTol * Math.Abs(expected),
            $"{what}: expected {expected:G9}, got {actual:G9} (relTol {relTol:G2}, absTol {absTol:G2})");
    }

    /// <summary>A parameter whose elements have |x| in [margin, 1] with mixed signs: no element sits near a kink at 0.</summary>
    public static Tensor AwayFromZero(ulong seed, float margin, params int[] shape)
    {
        Tensor t = GradCheck.Param(seed, margin, 1f, shape);
        for (int i = 0; i < t.Length; i += 2) t.Data[i] = -t.Data[i];
        return t;
    }
}
