using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

// ChannelsLastConv.WinogradEnabled, Gemm.ForcedPath and Threading.MaxThreads are process-wide: these run alone, with the GEMM tests.
[Collection(nameof(LatentSharp.Tests.Kernels.GemmTests))]
public class WinogradConvTests
{
    /// <summary>images, C, H, W, O of 4 × 4, stride-2, padding-1 convolutions: the conv VAE's layer; a non-square map
    /// whose output (3 × 5) fills its 4 × 4 tiles partly; more images than one block of them (16); a 2 × 2 map (one
    /// output); 96 outputs (a 64-wide and a 32-wide tile per row); a 64 × 64 map, one image per block.</summary>
    public static TheoryData<int, int, int, int, int> Geometries() => new()
    {
        { 3, 32, 14, 14, 64 },
        { 2, 64, 6, 10, 32 },
        { 17, 32, 8, 8, 32 },
        { 1, 32, 2, 2, 64 },
        { 2, 32, 4, 6, 96 },
        { 2, 32, 64, 64, 32 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Conv2d_MatchesTheDirectProducts(int n, int c, int h, int w, int o)
    {
        Tensor x = GradCheck.Param(21, n, c, h, w), weight = GradCheck.Param(22, o, c, 4, 4), bias = GradCheck.Param(23, o);
        OnBothPaths(new Im2ColGeometry(c, h, w, 4, 4, 2, 1, h / 2, w / 2), o, () =>
        {
            foreach (bool relu in new[] { false, true })
                Compare(() => Tensor.Conv2d(x, weight, bias, 2, 1, tapMask: 0, relu), x, weight, bias);
        });
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void ConvTranspose2d_MatchesTheDirectProducts(int n, int c, int h, int w, int o)
    {
        // The adjoint of the same convolution: from the O-channel half-size map back to C channels at H × W.
        Tensor x = GradCheck.Param(24, n, o, h / 2, w / 2), weight = GradCheck.Param(25, o, c, 4, 4), bias = GradCheck.Param(26, c);
        OnBothPaths(new Im2ColGeometry(c, h, w, 4, 4, 2, 1, h / 2, w / 2), o, () =>
        {
            foreach (bool relu in new[] { false, true })
                Compare(() => Tensor.ConvTranspose2d(x, weight, bias, 2, 1, 0, relu), x, weight, bias);
        });
    }

    [Fact]
    public void ConvTranspose2d_InputOrWeightGradientAlone_MatchesTheDirectProducts()
    {
        // The transposed layer's backward shares its transformed blocks between the two gradients: each alone too.
        Tensor x = GradCheck.Param(31, 5, 64, 4, 4), weight = GradCheck.Param(32, 64, 32, 4, 4), bias = GradCheck.Param(33, 32);
        Tensor fixedX = x.Detach(), fixedWeight = weight.Detach();
        OnBothPaths(new Im2ColGeometry(32, 8, 8, 4, 4, 2, 1, 4, 4), 64, () =>
        {
            Compare(() => Tensor.ConvTranspose2d(fixedX, weight, bias, 2, 1, 0, relu: true), weight, bias);
            Compare(() => Tensor.ConvTranspose2d(x, fixedWeight, bias, 2, 1, 0, relu: true), x, bias);
        });
    }

    [Fact]
    public void InputUsedTwice_GradientsAddUp_AsByTheDirectProducts()
    {
        // Each layer twice on the same input: the second backward adds its input gradient to the first's.
        Tensor x = GradCheck.Param(34, 3, 32, 6, 6), weight = GradCheck.Param(35, 64, 32, 4, 4), bias = GradCheck.Param(36, 64);
        Tensor xt = GradCheck.Param(37, 3, 64, 3, 3), weightT = GradCheck.Param(38, 64, 32, 4, 4), biasT = GradCheck.Param(39, 32);
        OnBothPaths(new Im2ColGeometry(32, 6, 6, 4, 4, 2, 1, 3, 3), 64, () =>
        {
            Compare(() => Tensor.Conv2d(x, weight, bias, 2, 1, tapMask: 0, relu: true).Add(Tensor.Conv2d(x, weight, null, 2, 1)), x, weight, bias);
            Compare(() => Tensor.ConvTranspose2d(xt, weightT, biasT, 2, 1, 0, relu: false).Add(Tensor.ConvTranspose2d(xt, weightT, null, 2, 1, 0)), xt, weightT, biasT);
        });
    }

    [Fact]
    public void NoImages_NoGradient()
    {
        Tensor x = GradCheck.Param(40, 0, 32, 6, 6), weight = GradCheck.Param(41, 64, 32, 4, 4), bias = GradCheck.Param(42, 64);
        Tensor xt = GradCheck.Param(43, 0, 64, 3, 3), weightT = GradCheck.Param(44, 64, 32, 4, 4), biasT = GradCheck.Param(45, 32);
        OnBothPaths(new Im2ColGeometry(32, 6, 6, 4, 4, 2, 1, 3, 3), 64, () =>
        {
            foreach (Tensor t in new[] { weight, bias, weightT, biasT }) t.ZeroGrad();
            Tensor.Conv2d(x, weight, bias, 2, 1).Sum().Add(Tensor.ConvTranspose2d(xt, weightT, biasT, 2, 1, 0).Sum()).Backward();
            Assert.All(weight.Grad!, v => Assert.Equal(0f, v));
            Assert.All(weightT.Grad!, v => Assert.Equal(0f, v));
        });
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences()
    {
        Tensor x = GradCheck.Param(27, 1, 32, 4, 6), weight = GradCheck.Param(28, 32, 32, 4, 4), bias = GradCheck.Param(29, 32);
        Tensor xt = GradCheck.Param(30, 1, 32, 2, 3);
        // Linear in each input, so a large step loses nothing to curvature and keeps float rounding small next to it.
        OnBothPaths(new Im2ColGeometry(32, 4, 6, 4, 4, 2, 1, 2, 3), 32, () =>
        {
            GradCheck.Check(t => Tensor.Conv2d(t[0], t[1], t[2], 2, 1), [x, weight, bias], eps: 0.1);
            GradCheck.Check(t => Tensor.ConvTranspose2d(t[0], t[1], t[2], 2, 1, 0), [xt, weight, bias], eps: 0.1);
        });
    }

    [Fact]
    public void TakesOnlyFourByFourStrideTwoPaddingOneOnEvenMaps()
    {
        var g = new Im2ColGeometry(32, 14, 14, 4, 4, 2, 1, 7, 7);
        Assert.True(ChannelsLastConv.TakesWinograd(g));
        Assert.False(ChannelsLastConv.TakesWinograd(new Im2ColGeometry(32, 13, 13, 4, 4, 2, 1, 6, 6)));
        Assert.False(ChannelsLastConv.TakesWinograd(new Im2ColGeometry(32, 14, 14, 3, 3, 2, 1, 7, 7)));
        Assert.False(ChannelsLastConv.TakesWinograd(new Im2ColGeometry(32, 14, 14, 4, 4, 2, 0, 6, 6)));
        Assert.False(ChannelsLastConv.TakesWinograd(new Im2ColGeometry(32, 15, 15, 4, 4, 3, 1, 5, 5)));
        bool saved = ChannelsLastConv.WinogradEnabled;
        try
        {
            ChannelsLastConv.WinogradEnabled = false;
            Assert.False(ChannelsLastConv.TakesWinograd(g));
        }
        finally
        {
            ChannelsLastConv.WinogradEnabled = saved;
        }
    }

    /// <summary>Runs <paramref name="test"/> on both vector paths, on which g must take the Winograd form.</summary>
    private static void OnBothPaths(Im2ColGeometry g, int o, Action test)
    {
        Assert.True(ChannelsLastConv.TakesWinograd(g));
        PathComparison.OnChannelsLastPaths(g, o, test);
    }

    /// <summary>The output and every gradient of Σ y² in the Winograd form and by the direct channels-last products.</summary>
    private static void Compare(Func<Tensor> forward, params Tensor[] parameters) =>
        PathComparison.AssertSame("Winograd", on => ChannelsLastConv.WinogradEnabled = on, forward, parameters);
}
