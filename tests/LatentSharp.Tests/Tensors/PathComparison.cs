using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

/// <summary>Compares a kernel path with the path it replaces: the output and every gradient of Σ y², with the path on and off.</summary>
public static class PathComparison
{
    /// <summary>
    /// Runs <paramref name="forward"/> and the backward of Σ y² with <paramref name="setPath"/>(true), then (false), and
    /// asserts that the outputs and the gradients of <paramref name="parameters"/> agree to float rounding (1e-5 of the
    /// largest value plus 1e-5 of each); the path is left on.
    /// </summary>
    public static void AssertSame(string path, Action<bool> setPath, Func<Tensor> forward, params Tensor[] parameters)
    {
        setPath(true);
        float[] on = OutputAndGradients(forward, parameters);
        float[] off;
        setPath(false);
        try
        {
            off = OutputAndGradients(forward, parameters);
        }
        finally
        {
            setPath(true);
        }
        Assert.Equal(off.Length, on.Length);
        double scale = off.Max(v => Math.Abs((double)v));
        for (int i = 0; i < off.Length; i++)
            Assert.True(Math.Abs(off[i] - on[i]) <= 1e-5 * scale + 1e-5 * Math.Abs(off[i]),
                $"element {i}: {on[i]:G9} on the {path} path, {off[i]:G9} without it");
    }

    /// <summary>y = <paramref name="forward"/>() and the gradients of Σ y² with respect to <paramref name="parameters"/>, from
    /// zeroed gradients: y's values, then each parameter's gradient.</summary>
    public static float[] OutputAndGradients(Func<Tensor> forward, params Tensor[] parameters)
    {
        foreach (Tensor t in parameters) t.ZeroGrad();
        Tensor y = forward();
        y.Multiply(y).Sum().Backward();
        return [.. y.Data[..y.Length], .. parameters.SelectMany(t => t.Grad![..t.Length])];
    }

    /// <summary>
    /// Runs <paramref name="test"/> on both vector paths (emulated where not accelerated; each has its own tiles), on
    /// which the channels-last path must compute g with <paramref name="o"/> outputs (else the test would compare
    /// nothing); without AVX it must not (its layout copies transpose with AVX: there the convolutions take the other paths).
    /// </summary>
    internal static void OnChannelsLastPaths(Im2ColGeometry g, int o, Action test)
    {
        if (!System.Runtime.Intrinsics.X86.Avx.IsSupported)
        {
            Assert.False(ChannelsLastConv.Applies(g, o));
            return;
        }
        GemmPath saved = Gemm.ForcedPath;
        try
        {
            foreach (GemmPath path in new[] { GemmPath.Vector256, GemmPath.Vector512 })
            {
                Gemm.ForcedPath = path;
                Assert.True(ChannelsLastConv.Applies(g, o), $"the channels-last path does not take {g} on {path}");
                test();
            }
        }
        finally
        {
            Gemm.ForcedPath = saved;
        }
    }
}
