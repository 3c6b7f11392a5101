using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Kernels;

// DirectConv.Enabled, Gemm.ForcedPath and Threading.MaxThreads are process-wide: these run alone, with the GEMM tests.
[Collection(nameof(GemmTests))]
public class DirectConvTests
{
    // Mask bits of the PixelCNN kernels: rows above the centre, and the centre row left of (A) or up to (B) the centre.
    private const ulong Mask3B = 0b000_011_111, Mask7A = (1UL << 24) - 1;

    /// <summary>images, C, H, W, O, kernel, padding, tap mask (0: all taps).</summary>
    public static TheoryData<int, int, int, int, int, int, int, ulong> Geometries() => new()
    {
        { 3, 16, 28, 28, 16, 3, 1, Mask3B },   // the masked residual block's 3×3 type B
        { 2, 1, 28, 28, 32, 7, 3, Mask7A },    // the type-A input layer
        { 5, 32, 28, 28, 16, 1, 0, 0 },        // a 1×1 reduction (the pointwise path)
        { 3, 16, 28, 28, 33, 1, 0, 0 },        // 1×1 into a channel count that is not a multiple of the 4-row tile
        { 2, 3, 5, 7, 5, 3, 0, 0 },            // no padding, a non-square image, 5 output channels
        { 1, 2, 6, 6, 1, 5, 2, 0 },            // one output channel, one image
        { 4, 7, 9, 4, 7, 3, 2, 0 },            // padding past the kernel's half: the output is larger than the input
        { 3, 28, 4, 4, 6, 3, 1, 0 },           // depth 252, just inside one GEMM K slice
        { 2, 30, 4, 4, 6, 3, 1, 0 },           // depth 270: past MaxDepth, so the GEMM path takes it
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Forward_HasTheBitsOfTheIm2ColGemmPath_OnOneAndTwoThreads(int n, int c, int h, int w, int o, int k, int padding, ulong mask)
    {
        var g = new Im2ColGeometry(c, h, w, k, k, 1, padding, h + 2 * padding - k + 1, w + 2 * padding - k + 1, mask);
        var x = new float[n * c * h * w];
        var weight = new float[o * c * k * k];
        var bias = new float[o];
        var rng = new Rng(7);
        rng.FillUniform(x, -1f, 1f);
        rng.FillUniform(weight, -0.5f, 0.5f);
        rng.FillUniform(bias, -0.5f, 0.5f);

        GemmPath savedPath = Gemm.ForcedPath;
        int savedThreads = Threading.MaxThreads;
        try
        {
            // Both vector paths on any host (emulated where not accelerated): each has its own tile width.
            foreach (GemmPath path in new[] { GemmPath.Vector256, GemmPath.Vector512 })
            {
                Gemm.ForcedPath = path;
                Assert.Equal(g.Rows <= DirectConv.MaxDepth, DirectConv.Applies(g));
                foreach (bool withBias in new[] { true, false })
                {
                    float[] expected = Convolve(x, weight, withBias ? bias : null, n, c, h, w, o, k, padding, mask, direct: false, threads: 1);
                    foreach (int threads in new[] { 1, 2 })
                    {
                        float[] actual = Convolve(x, weight, withBias ? bias : null, n, c, h, w, o, k, padding, mask, direct: true, threads);
                        Assert.Equal(expected.Length, actual.Length);
                        for (int i = 0; i < expected.Length; i++)
                            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                                Assert.Fail($"{path}, bias {withBias}, {threads} threads: y[{i}] = {actual[i]:R}, the GEMM path gives {expected[i]:R}");
                    }
                }
            }
        }
        finally
        {
            Gemm.ForcedPath = savedPath;
            Threading.MaxThreads = savedThreads;
            DirectConv.Enabled = true;
        }
    }

    [Fact]
    public void Forward_MatchesAScalarConvolution()
    {
        // Independent of the GEMM: a 3×3 type-B masked convolution summed in double, 2 images, 3 → 6 channels, 5×6 maps.
        const int n = 2, c = 3, h = 5, w = 6, o = 6, k = 3;
        var x = new float[n * c * h * w];
        var weight = new float[o * c * k * k];
        var bias = new float[o];
        var rng = new Rng(11);
        rng.FillUniform(x, -1f, 1f);
        rng.FillUniform(weight, -1f, 1f);
        rng.FillUniform(bias, -1f, 1f);
        double Reference(int b, int oc, int r, int q)
        {
            double sum = bias[oc];
            for (int ic = 0; ic < c; ic++)
            for (int tap = 0; tap < k * k; tap++)
            {
                int rr = r + tap / k - 1, qq = q + tap % k - 1;
                if ((Mask3B >> tap & 1) == 0 || rr < 0 || rr >= h || qq < 0 || qq >= w) continue;
                sum += (double)weight[(oc * c + ic) * k * k + tap] * x[((b * c + ic) * h + rr) * w + qq];
            }
            return sum;
        }
        GemmPath savedPath = Gemm.ForcedPath;
        try
        {
            foreach (GemmPath path in new[] { GemmPath.Vector256, GemmPath.Vector512 })
            {
                Gemm.ForcedPath = path;
                float[] y = Convolve(x, weight, bias, n, c, h, w, o, k, 1, Mask3B, direct: true, threads: 2);
                for (int b = 0; b < n; b++)
                for (int oc = 0; oc < o; oc++)
                for (int r = 0; r < h; r++)
                for (int q = 0; q < w; q++)
                    Assert.Equal(Reference(b, oc, r, q), y[((b * o + oc) * h + r) * w + q], 1e-5);
            }
        }
        finally
        {
            Gemm.ForcedPath = savedPath;
        }
    }

    [Theory]
    [InlineData(32, 3, 28, 28)]
    [InlineData(64, 2, 28, 28)]
    [InlineData(6, 5, 5, 7)]    // 3 channels inside the block, a non-square map, more images than threads
    public void MaskedResidualBlock_GradientFree_HasTheBitsOfTheComposedOps(int channels, int n, int h, int w)
    {
        var block = new LatentSharp.Nn.MaskedResidualBlock(channels, new Rng(3));
        var x = new float[n * channels * h * w];
        new Rng(4).FillUniform(x, -1f, 1f);
        GemmPath savedPath = Gemm.ForcedPath;
        int savedThreads = Threading.MaxThreads;
        try
        {
            float[] Run(bool direct, bool gradients, int threads)
            {
                DirectConv.Enabled = direct;
                Threading.MaxThreads = threads;
                Tensor input = Tensor.FromArray((float[])x.Clone(), n, channels, h, w);
                if (gradients) return block.Forward(input).Data.ToArray();
                using var _ = Tensor.NoGrad();
                return block.Forward(input).Data.ToArray();
            }
            foreach (GemmPath path in new[] { GemmPath.Vector256, GemmPath.Vector512 })
            {
                Gemm.ForcedPath = path;
                float[] composed = Run(direct: false, gradients: false, threads: 1);   // im2col + GEMM, op by op
                foreach (float[] actual in new[] { Run(true, false, 1), Run(true, false, 2), Run(true, true, 2) })
                    for (int i = 0; i < composed.Length; i++)
                        if (BitConverter.SingleToInt32Bits(composed[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                            Assert.Fail($"{path}: y[{i}] = {actual[i]:R}, the composed ops give {composed[i]:R}");
            }

            // The chain runs only without gradients: with them the block must stay differentiable.
            DirectConv.Enabled = true;
            Tensor recorded = block.Forward(Tensor.FromArray((float[])x.Clone(), n, channels, h, w));
            Assert.True(recorded.RequiresGrad);
        }
        finally
        {
            Gemm.ForcedPath = savedPath;
            Threading.MaxThreads = savedThreads;
            DirectConv.Enabled = true;
        }
    }

    private static float[] Convolve(float[] x, float[] weight, float[]? bias, int n, int c, int h, int w, int o, int k, int padding,
        ulong mask, bool direct, int threads)
    {
        DirectConv.Enabled = direct;
        Threading.MaxThreads = threads;
        using var _ = Tensor.NoGrad();
        Tensor y = Tensor.Conv2d(Tensor.FromArray((float[])x.Clone(), n, c, h, w), Tensor.FromArray((float[])weight.Clone(), o, c, k, k),
            bias is null ? null : Tensor.FromArray((float[])bias.Clone(), o), 1, padding, mask);
        return y.Data.ToArray();
    }
}
