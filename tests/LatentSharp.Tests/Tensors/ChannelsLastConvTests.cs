using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

// ChannelsLastConv.Enabled, Gemm.ForcedPath and Threading.MaxThreads are process-wide: these run alone, with the GEMM tests.
[Collection(nameof(LatentSharp.Tests.Kernels.GemmTests))]
public class ChannelsLastConvTests
{
    /// <summary>images, C, H, W, O, kernel, stride, padding, output padding (transposed only): the conv VAE's two middle
    /// layers, odd and non-square maps, stride 3 with a kernel that is not a multiple of it, a window wider than the map's
    /// padding, O = 96 (a 64-wide and a 32-wide tile per row), one image.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> Geometries() => new()
    {
        { 3, 32, 14, 14, 64, 4, 2, 1, 0 },
        { 3, 64, 7, 7, 32, 4, 2, 1, 0 },
        { 2, 32, 9, 11, 32, 3, 2, 1, 1 },
        { 2, 32, 10, 8, 64, 5, 3, 2, 2 },
        { 1, 64, 6, 6, 96, 2, 2, 0, 1 },
        { 5, 32, 5, 5, 32, 3, 2, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Conv2d_MatchesThePathWithoutIt(int n, int c, int h, int w, int o, int k, int stride, int padding, int outputPadding)
    {
        _ = outputPadding;
        var g = new Im2ColGeometry(c, h, w, k, k, stride, padding, Im2ColGeometry.OutputSize(h, k, stride, padding), Im2ColGeometry.OutputSize(w, k, stride, padding));
        Tensor x = GradCheck.Param(1, n, c, h, w), weight = GradCheck.Param(2, o, c, k, k), bias = GradCheck.Param(3, o);
        OnBothPaths(g, o, () =>
        {
            foreach (bool relu in new[] { false, true })
                Compare(() => Tensor.Conv2d(x, weight, bias, stride, padding, tapMask: 0, relu), x, weight, bias);
        });
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void ConvTranspose2d_MatchesThePathWithoutIt(int n, int c, int h, int w, int o, int k, int stride, int padding, int outputPadding)
    {
        int ho = (h - 1) * stride - 2 * padding + k + outputPadding, wo = (w - 1) * stride - 2 * padding + k + outputPadding;
        Tensor x = GradCheck.Param(4, n, c, h, w), weight = GradCheck.Param(5, c, o, k, k), bias = GradCheck.Param(6, o);
        OnBothPaths(new Im2ColGeometry(o, ho, wo, k, k, stride, padding, h, w), c, () =>
        {
            foreach (bool relu in new[] { false, true })
                Compare(() => Tensor.ConvTranspose2d(x, weight, bias, stride, padding, outputPadding, relu), x, weight, bias);
        });
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences()
    {
        Tensor x = GradCheck.Param(7, 1, 32, 5, 5), weight = GradCheck.Param(8, 32, 32, 3, 3), bias = GradCheck.Param(9, 32);
        Tensor xt = GradCheck.Param(10, 1, 32, 3, 3), weightT = GradCheck.Param(11, 32, 32, 3, 3);
        // Linear in each input, so a large step loses nothing to curvature and keeps float rounding small next to it.
        OnBothPaths(new Im2ColGeometry(32, 5, 5, 3, 3, 2, 1, 3, 3), 32, () =>
        {
            GradCheck.Check(t => Tensor.Conv2d(t[0], t[1], t[2], 2, 1), [x, weight, bias], eps: 0.1);
            GradCheck.Check(t => Tensor.ConvTranspose2d(t[0], t[1], t[2], 2, 1, 1), [xt, weightT, bias], eps: 0.1);
        });
    }

    [Fact]
    public void OneTwoAndFourThreads_SameBits()
    {
        Tensor x = GradCheck.Param(12, 37, 32, 14, 14), weight = GradCheck.Param(13, 64, 32, 4, 4), bias = GradCheck.Param(14, 64);
        Tensor weightT = GradCheck.Param(15, 64, 32, 4, 4), biasT = GradCheck.Param(16, 32);
        float[] Run(int threads)
        {
            int saved = Threading.MaxThreads;
            try
            {
                Threading.MaxThreads = threads;
                foreach (Tensor t in new[] { x, weight, bias, weightT, biasT }) t.ZeroGrad();
                Tensor y = Tensor.Conv2d(x, weight, bias, 2, 1, tapMask: 0, relu: true);          // [37, 64, 7, 7]
                Tensor z = Tensor.ConvTranspose2d(y, weightT, biasT, 2, 1, 0, relu: true);      // [37, 32, 14, 14]
                z.Multiply(z).Sum().Backward();
                return [.. y.Data, .. z.Data, .. x.Grad!, .. weight.Grad!, .. bias.Grad!, .. weightT.Grad!, .. biasT.Grad!];
            }
            finally
            {
                Threading.MaxThreads = saved;
            }
        }
        OnBothPaths(new Im2ColGeometry(32, 14, 14, 4, 4, 2, 1, 7, 7), 64,
            () =>
            {
                // Four threads also split the weight gradient's row groups within each fixed half of the positions.
                int[] one = [.. Run(1).Select(BitConverter.SingleToInt32Bits)];
                Assert.Equal(one, Run(2).Select(BitConverter.SingleToInt32Bits));
                Assert.Equal(one, Run(4).Select(BitConverter.SingleToInt32Bits));
            });
    }

    [Fact]
    public void AppliesOnlyToStridedConvolutionsOf32ChannelMultiples()
    {
        var g = new Im2ColGeometry(32, 14, 14, 4, 4, 2, 1, 7, 7);
        Assert.Equal(Gemm.Resolve() is GemmPath.Vector512 or GemmPath.Vector256, ChannelsLastConv.Applies(g, 64));
        Assert.False(ChannelsLastConv.Applies(g, 48));
        Assert.False(ChannelsLastConv.Applies(g with { Channels = 1 }, 32));
        Assert.False(ChannelsLastConv.Applies(new Im2ColGeometry(32, 7, 7, 3, 3, 1, 1, 7, 7), 32));
        Assert.False(ChannelsLastConv.Applies(g with { TapMask = 0b11 }, 64));
    }

    /// <summary>Runs <paramref name="test"/> on both vector paths, on which the channels-last path must compute g.</summary>
    private static void OnBothPaths(Im2ColGeometry g, int o, Action test) => PathComparison.OnChannelsLastPaths(g, o, test);

    /// <summary>The output and every gradient of Σ y² on this path and with it off (the phase-plane or unfolding path).</summary>
    private static void Compare(Func<Tensor> forward, params Tensor[] parameters) =>
        PathComparison.AssertSame("channels-last", on => ChannelsLastConv.Enabled = on, forward, parameters);
}
