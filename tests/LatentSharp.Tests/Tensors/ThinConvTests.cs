using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

// ThinConv.Enabled, Gemm.ForcedPath and Threading.MaxThreads are process-wide: these run alone, with the GEMM tests.
[Collection(nameof(LatentSharp.Tests.Kernels.GemmTests))]
public class ThinConvTests
{
    /// <summary>images, H, W, O (the many-channel side), kernel, stride, padding, output padding (transposed only): the conv
    /// VAE's first and last layers (with 9 images: a block of 8 and one more), odd and non-square maps with 9 rows and a
    /// channel count that is not a multiple of 4, rows wider than one vector (Wo = 18, 20), stride 3, one image.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int> Geometries() => new()
    {
        { 9, 28, 28, 32, 4, 2, 1, 0 },
        { 3, 9, 11, 5, 3, 2, 1, 1 },
        { 2, 36, 40, 7, 4, 2, 1, 0 },
        { 2, 13, 16, 4, 4, 3, 2, 2 },
        { 1, 8, 8, 3, 2, 2, 0, 1 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Conv2d_MatchesThePhasePlaneGemms(int n, int h, int w, int o, int k, int stride, int padding, int outputPadding)
    {
        _ = outputPadding;
        var g = new Im2ColGeometry(1, h, w, k, k, stride, padding, Im2ColGeometry.OutputSize(h, k, stride, padding), Im2ColGeometry.OutputSize(w, k, stride, padding));
        // Images as data (no gradient): the path's backward then computes the weight and bias gradients; with an input
        // gradient to fold back, everything goes the other way, also compared.
        Tensor data = Tensor.FromArray(GradCheck.Param(1, n, 1, h, w).Data.ToArray(), n, 1, h, w);
        Tensor x = GradCheck.Param(1, n, 1, h, w), weight = GradCheck.Param(2, o, 1, k, k), bias = GradCheck.Param(3, o);
        WhereItApplies(g, () =>
        {
            foreach (bool relu in new[] { false, true })
            {
                Compare(() => Tensor.Conv2d(data, weight, bias, stride, padding, tapMask: 0, relu), weight, bias);
                Compare(() => Tensor.Conv2d(x, weight, bias, stride, padding, tapMask: 0, relu), x, weight, bias);
            }
        });
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void ConvTranspose2d_MatchesThePhasePlaneGemms(int n, int h, int w, int c, int k, int stride, int padding, int outputPadding)
    {
        // The transposed convolution from c channels to one whose output is an [h', w'] map: its input map is the
        // convolution's output above.
        int hi = Im2ColGeometry.OutputSize(h, k, stride, padding), wi = Im2ColGeometry.OutputSize(w, k, stride, padding);
        int ho = (hi - 1) * stride - 2 * padding + k + outputPadding, wo = (wi - 1) * stride - 2 * padding + k + outputPadding;
        Tensor x = GradCheck.Param(4, n, c, hi, wi), weight = GradCheck.Param(5, c, 1, k, k), bias = GradCheck.Param(6, 1);
        WhereItApplies(new Im2ColGeometry(1, ho, wo, k, k, stride, padding, hi, wi), () =>
        {
            foreach (bool relu in new[] { false, true })
                Compare(() => Tensor.ConvTranspose2d(x, weight, bias, stride, padding, outputPadding, relu), x, weight, bias);
        });
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences()
    {
        Tensor data = Tensor.FromArray(GradCheck.Param(7, 2, 1, 7, 9).Data.ToArray(), 2, 1, 7, 9);
        Tensor weight = GradCheck.Param(8, 5, 1, 3, 3), bias = GradCheck.Param(9, 5);
        Tensor xt = GradCheck.Param(10, 2, 5, 4, 5), weightT = GradCheck.Param(11, 5, 1, 3, 3), biasT = GradCheck.Param(12, 1);
        // Linear in each input, so a large step loses nothing to curvature and keeps float rounding small next to it.
        WhereItApplies(new Im2ColGeometry(1, 7, 9, 3, 3, 2, 1, 4, 5), () =>
        {
            GradCheck.Check(t => Tensor.Conv2d(t[0], t[1], t[2], 2, 1), [data, weight, bias], eps: 0.1);
            GradCheck.Check(t => Tensor.ConvTranspose2d(t[0], t[1], t[2], 2, 1, 0), [xt, weightT, biasT], eps: 0.1);
        });
    }

    [Fact]
    public void OneAndTwoThreads_SameBits()
    {
        Tensor data = Tensor.FromArray(GradCheck.Param(13, 0f, 1f, 21, 1, 28, 28).Data.ToArray(), 21, 1, 28, 28);
        Tensor weight = GradCheck.Param(14, 32, 1, 4, 4), bias = GradCheck.Param(15, 32);
        Tensor weightT = GradCheck.Param(16, 32, 1, 4, 4), biasT = GradCheck.Param(17, 1);
        float[] Run(int threads)
        {
            int saved = Threading.MaxThreads;
            try
            {
                Threading.MaxThreads = threads;
                foreach (Tensor t in new[] { weight, bias, weightT, biasT }) t.ZeroGrad();
                Tensor y = Tensor.Conv2d(data, weight, bias, 2, 1, tapMask: 0, relu: true);     // [21, 32, 14, 14]
                Tensor z = Tensor.ConvTranspose2d(y, weightT, biasT, 2, 1, 0);                  // [21, 1, 28, 28]
                z.Multiply(z).Sum().Backward();
                return [.. y.Data, .. z.Data, .. weight.Grad!, .. bias.Grad!, .. weightT.Grad!, .. biasT.Grad!];
            }
            finally
            {
                Threading.MaxThreads = saved;
            }
        }
        WhereItApplies(new Im2ColGeometry(1, 28, 28, 4, 4, 2, 1, 14, 14),
            () => Assert.Equal(Run(1).Select(BitConverter.SingleToInt32Bits), Run(2).Select(BitConverter.SingleToInt32Bits)));
    }

    [Fact]
    public void AppliesOnlyToAtMost16RowsWithEveryTap()
    {
        var g = new Im2ColGeometry(1, 28, 28, 4, 4, 2, 1, 14, 14);
        Assert.Equal(ImplicitColumns.Supported, ThinConv.Applies(g));
        Assert.False(ThinConv.Applies(g with { Channels = 2 }));
        Assert.False(ThinConv.Applies(new Im2ColGeometry(1, 28, 28, 5, 5, 2, 2, 14, 14)));
        Assert.False(ThinConv.Applies(g with { TapMask = 0b11 }));
    }

    /// <summary>
    /// Runs <paramref name="test"/> where the path applies: the phase planes need AVX-512 and the GEMM's Vector512 path;
    /// elsewhere it must not apply.
    /// </summary>
    private static void WhereItApplies(Im2ColGeometry g, Action test)
    {
        if (!ImplicitColumns.Supported)
        {
            Assert.False(ThinConv.Applies(g));
            return;
        }
        Assert.True(ThinConv.Applies(g), $"the thin-convolution path does not take {g}");
        test();
    }

    /// <summary>The output and every gradient of Σ y² on this path and with it off (the phase-plane GEMMs).</summary>
    private static void Compare(Func<Tensor> forward, params Tensor[] parameters) =>
        PathComparison.AssertSame("thin", on => ThinConv.Enabled = on, forward, parameters);
}
