using System.Numerics;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

public class ConvTests
{
    // ---- references, in double, straight from the definitions ---------------------------------------------------

    /// <summary>y[n,o,oy,ox] = b[o] + Σ w[o,c,i,j]·x[n,c,oy·s−p+i, ox·s−p+j].</summary>
    private static double[] NaiveConv2d(Tensor x, Tensor w, Tensor? b, int s, int p, out int[] shape)
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), o = w.Dim(0), kh = w.Dim(2), kw = w.Dim(3);
        int ho = (h + 2 * p - kh) / s + 1, wo = (wd + 2 * p - kw) / s + 1;
        shape = [n, o, ho, wo];
        var y = new double[n * o * ho * wo];
        for (int ni = 0; ni < n; ni++)
        for (int oi = 0; oi < o; oi++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            double sum = b is null ? 0 : b.Data[oi];
            for (int ci = 0; ci < c; ci++)
            for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++)
            {
                int yy = oy * s - p + i, xx = ox * s - p + j;
                if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                sum += (double)w.Data[((oi * c + ci) * kh + i) * kw + j] * x.Data[((ni * c + ci) * h + yy) * wd + xx];
            }
            y[((ni * o + oi) * ho + oy) * wo + ox] = sum;
        }
        return y;
    }

    /// <summary>Each x[n,c,h,w] adds w[c,o,i,j]·x to y[n,o,h·s−p+i, w·s−p+j] (output cropped by p, grown by op).</summary>
    private static double[] NaiveConvTranspose2d(Tensor x, Tensor w, Tensor? b, int s, int p, int op, out int[] shape)
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), o = w.Dim(1), kh = w.Dim(2), kw = w.Dim(3);
        int ho = (h - 1) * s - 2 * p + kh + op, wo = (wd - 1) * s - 2 * p + kw + op;
        shape = [n, o, ho, wo];
        var y = new double[n * o * ho * wo];
        for (int ni = 0; ni < n; ni++)
        for (int oi = 0; oi < o; oi++)
        for (int t = 0; t < ho * wo; t++)
            y[(ni * o + oi) * ho * wo + t] = b is null ? 0 : b.Data[oi];
        for (int ni = 0; ni < n; ni++)
        for (int ci = 0; ci < c; ci++)
        for (int yy = 0; yy < h; yy++)
        for (int xx = 0; xx < wd; xx++)
        for (int oi = 0; oi < o; oi++)
        for (int i = 0; i < kh; i++)
        for (int j = 0; j < kw; j++)
        {
            int oy = yy * s - p + i, ox = xx * s - p + j;
            if (oy < 0 || oy >= ho || ox < 0 || ox >= wo) continue;
            y[((ni * o + oi) * ho + oy) * wo + ox] +=
                (double)w.Data[((ci * o + oi) * kh + i) * kw + j] * x.Data[((ni * c + ci) * h + yy) * wd + xx];
        }
        return y;
    }

    private static void AssertClose(double[] expected, int[] expectedShape, Tensor actual, double tol = 1e-5)
    {
        Assert.Equal(expectedShape, actual.Shape.ToArray());
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual.Data[i] - expected[i]) <= tol * Math.Max(1, Math.Abs(expected[i])),
                $"element {i}: {actual.Data[i]:G9} vs reference {expected[i]:G9}");
    }

    // ---- forward against the references ------------------------------------------------------------------------

    // N, C, H, W, O, kh, kw, stride, padding, bias
    public static TheoryData<int, int, int, int, int, int, int, int, int, bool> ConvShapes => new()
    {
        { 1, 1, 5, 5, 1, 3, 3, 1, 0, false },
        { 2, 3, 7, 7, 4, 3, 3, 2, 1, true },
        { 3, 2, 9, 6, 5, 4, 2, 2, 0, true },
        { 2, 5, 8, 11, 3, 5, 3, 3, 2, false },
        { 4, 1, 28, 28, 6, 4, 4, 2, 1, true },
        { 1, 2, 3, 2, 2, 3, 3, 1, 2, true },
        { 3, 4, 5, 7, 6, 1, 1, 1, 0, true },     // 1×1, stride 1, no padding: the per-image products on NCHW data
        { 2, 3, 4, 5, 2, 1, 1, 1, 0, false },
        { 2, 3, 7, 6, 4, 1, 1, 2, 0, true },     // 1×1 with a stride or padding goes through the column matrix
        { 1, 2, 4, 4, 3, 1, 1, 1, 1, false },
    };

    [Theory]
    [MemberData(nameof(ConvShapes))]
    public void Conv2d_Forward_MatchesDirectConvolution(int n, int c, int h, int w, int o, int kh, int kw, int s, int p, bool withBias)
    {
        Tensor x = GradCheck.Param(1, n, c, h, w);
        Tensor wt = GradCheck.Param(2, o, c, kh, kw);
        Tensor? b = withBias ? GradCheck.Param(3, o) : null;
        double[] expected = NaiveConv2d(x, wt, b, s, p, out int[] shape);
        AssertClose(expected, shape, Tensor.Conv2d(x, wt, b, s, p));
    }

    // N, C, H, W, O, kh, kw, stride, padding, outputPadding
    public static TheoryData<int, int, int, int, int, int, int, int, int, int> TransposeShapes => new()
    {
        { 1, 1, 3, 3, 1, 3, 3, 1, 0, 0 },
        { 2, 2, 4, 4, 3, 4, 4, 2, 1, 0 },
        { 2, 3, 5, 4, 2, 3, 3, 2, 1, 1 },
        { 3, 2, 3, 5, 4, 5, 2, 3, 2, 2 },
        { 2, 4, 7, 7, 3, 4, 4, 2, 1, 0 },
        { 1, 2, 1, 1, 3, 2, 3, 1, 0, 0 },
        { 2, 2, 3, 4, 2, 1, 2, 3, 0, 2 },   // kernel narrower than the stride: phases no tap reaches get the bias alone
        { 1, 2, 6, 5, 3, 5, 5, 2, 3, 1 },   // padding wider than the stride
        { 2, 3, 14, 14, 4, 4, 4, 2, 1, 0 },  // the conv decoders' last layer
        { 2, 3, 5, 6, 2, 6, 4, 3, 4, 2 },    // padding wider than the stride, kernels a multiple of it: phases start past 0
        { 1, 2, 4, 3, 3, 2, 2, 2, 0, 1 },    // one tap per phase
        { 3, 2, 2, 2, 2, 3, 5, 4, 1, 3 },    // kernels no multiple of the stride, phases of 0 and 1 taps
    };

    [Theory]
    [MemberData(nameof(TransposeShapes))]
    public void ConvTranspose2d_Forward_MatchesDirectScatter(int n, int c, int h, int w, int o, int kh, int kw, int s, int p, int op)
    {
        Tensor x = GradCheck.Param(4, n, c, h, w);
        Tensor wt = GradCheck.Param(5, c, o, kh, kw);
        Tensor b = GradCheck.Param(6, o);
        double[] expected = NaiveConvTranspose2d(x, wt, b, s, p, op, out int[] shape);
        AssertClose(expected, shape, Tensor.ConvTranspose2d(x, wt, b, s, p, op));
        expected = NaiveConvTranspose2d(x, wt, null, s, p, op, out shape);
        AssertClose(expected, shape, Tensor.ConvTranspose2d(x, wt, null, s, p, op));
    }

    [Fact]
    public void Conv_Chunked_GivesTheSameValuesAsOneChunk()
    {
        // A tiny column budget forces one image per chunk; then three images per chunk (5 = 3 + 2).
        Tensor x = GradCheck.Param(7, 5, 3, 9, 8);
        Tensor w = GradCheck.Param(8, 4, 3, 3, 3);
        Tensor wt = GradCheck.Param(9, 4, 2, 4, 4);
        Tensor b = GradCheck.Param(10, 4);
        Tensor bt = GradCheck.Param(11, 2);
        (float[] Y, float[] Gx, float[] Gw, float[] Gb) Run(Func<Tensor> f, Tensor[] ps)
        {
            foreach (Tensor t in ps) t.ZeroGrad();
            Tensor y = f();
            y.Multiply(y).Sum().Backward();
            return ((float[])y.Data.Clone(), (float[])ps[0].Grad!.Clone(), (float[])ps[1].Grad!.Clone(), (float[])ps[2].Grad!.Clone());
        }

        long budget = ConvBatch.ColumnBudget;
        try
        {
            Tensor Conv() => Tensor.Conv2d(x, w, b, 2, 1);
            Tensor ConvT() => Tensor.ConvTranspose2d(Tensor.Conv2d(x, w, b, 2, 1), wt, bt, 2, 1, 1);
            var conv = Run(Conv, [x, w, b]);
            var convT = Run(ConvT, [x, wt, bt]);
            foreach (long chunkBudget in new long[] { 1, 3 * 27 * 20 })   // 1 image, then 3 images (5 = 3 + 2) per chunk
            {
                ConvBatch.ColumnBudget = chunkBudget;
                var conv2 = Run(Conv, [x, w, b]);
                var convT2 = Run(ConvT, [x, wt, bt]);
                foreach (var (one, other) in new[] { (conv.Y, conv2.Y), (convT.Y, convT2.Y), (conv.Gx, conv2.Gx), (conv.Gw, conv2.Gw), (conv.Gb, conv2.Gb), (convT.Gx, convT2.Gx), (convT.Gw, convT2.Gw), (convT.Gb, convT2.Gb) })
                    for (int i = 0; i < one.Length; i++) Assert.True(Math.Abs(one[i] - other[i]) <= 1e-4f * Math.Max(1, Math.Abs(one[i])), $"element {i}: {one[i]} vs {other[i]}");
            }
        }
        finally
        {
            ConvBatch.ColumnBudget = budget;
        }
    }

    [Fact]
    public void Conv_InsideArenaScopes_RecycledBuffersGiveTheSameResults()
    {
        // Arena buffers come back with old contents: the ops must not depend on them being zero.
        Tensor x = GradCheck.Param(23, 3, 2, 6, 6);
        Tensor w = GradCheck.Param(24, 4, 2, 3, 3);
        Tensor wt = GradCheck.Param(25, 4, 2, 4, 4);
        var arena = new Arena();
        float[]? first = null;
        for (int step = 0; step < 3; step++)
        {
            foreach (Tensor t in new[] { x, w, wt }) t.ZeroGrad();
            using (arena.Scope())
            {
                Tensor y = Tensor.ConvTranspose2d(Tensor.Conv2d(x, w, null, 2, 1), wt, null, 2, 1, 1);
                y.Multiply(y).Sum().Backward();
                float[] values = [.. y.Data, .. x.Grad!, .. w.Grad!, .. wt.Grad!];
                first ??= values;
                Assert.Equal(first, values);
            }
        }
    }

    // ---- gradients ----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1, 0, true)]
    [InlineData(1, 1, false)]
    [InlineData(2, 0, false)]
    [InlineData(2, 1, true)]
    public void Conv2d_Gradients_MatchGradCheck(int stride, int padding, bool withBias)
    {
        Tensor x = GradCheck.Param(11, 2, 3, 7, 6);
        Tensor w = GradCheck.Param(12, 4, 3, 3, 2);
        Tensor[] inputs = withBias ? [x, w, GradCheck.Param(13, 4)] : [x, w];
        GradCheck.Check(t => Tensor.Conv2d(t[0], t[1], t.Length > 2 ? t[2] : null, stride, padding), inputs);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Conv2d_Pointwise_Gradients_MatchGradCheck(bool withBias)
    {
        Tensor x = GradCheck.Param(14, 3, 4, 5, 3);
        Tensor w = GradCheck.Param(15, 2, 4, 1, 1);
        Tensor[] inputs = withBias ? [x, w, GradCheck.Param(16, 2)] : [x, w];
        // x and w each feed two convolutions, so a backward that overwrote their gradients instead of adding would fail.
        GradCheck.Check(t => Tensor.Conv2d(t[0], t[1], t.Length > 2 ? t[2] : null) + Tensor.Conv2d(t[0].Multiply(t[0]), t[1], null), inputs);
    }

    // ---- tap masks (masked convolutions) -------------------------------------------------------------------------

    /// <summary>The weight with every tap outside the mask set to zero, as a plain tensor.</summary>
    private static Tensor Zeroed(Tensor w, ulong tapMask)
    {
        int window = w.Dim(2) * w.Dim(3);
        float[] data = w.Data.AsSpan(0, w.Length).ToArray();
        for (int i = 0; i < data.Length; i++) if ((tapMask >> (i % window) & 1) == 0) data[i] = 0f;
        return Tensor.FromArray(data, w.Shape.ToArray());
    }

    [Theory]
    [InlineData(3, 3, 1, 1, 0b000_011_111UL)]        // PixelCNN 3×3 type B: the row above and the centre row up to the centre
    [InlineData(3, 3, 1, 1, 0b000_001_111UL)]        // type A: without the centre
    [InlineData(3, 2, 2, 1, 0b100_110UL)]            // an arbitrary mask, stride 2
    [InlineData(1, 1, 1, 0, 1UL)]                    // the one tap of a 1×1 kernel
    public void Conv2d_TapMask_EqualsConvolutionWithZeroedWeights(int kh, int kw, int stride, int padding, ulong tapMask)
    {
        // Five images, so that with a small column budget they are also run in chunks of two.
        Tensor x = GradCheck.Param(31, 5, 3, 7, 6);
        Tensor w = GradCheck.Param(32, 4, 3, kh, kw);
        Tensor b = GradCheck.Param(33, 4);
        Tensor masked = Tensor.Conv2d(x, w, b, stride, padding, tapMask);
        masked.Multiply(masked).Sum().Backward();

        Tensor x2 = x.Detach().AsParameter(), w2 = Zeroed(w, tapMask).AsParameter(), b2 = b.Detach().AsParameter();
        Tensor reference = Tensor.Conv2d(x2, w2, b2, stride, padding);
        reference.Multiply(reference).Sum().Backward();

        double[] expected = [.. reference.Data.AsSpan(0, reference.Length).ToArray().Select(v => (double)v)];
        AssertClose(expected, reference.Shape.ToArray(), masked);
        int window = kh * kw;
        for (int i = 0; i < w.Length; i++)
        {
            float want = (tapMask >> (i % window) & 1) == 0 ? 0f : w2.Grad![i];   // unused taps get no gradient
            Assert.True(Math.Abs(w.Grad![i] - want) <= 1e-4f * Math.Max(1, Math.Abs(want)), $"dW[{i}]: {w.Grad[i]} vs {want}");
        }
        for (int i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(x.Grad![i] - x2.Grad![i]) <= 1e-4f * Math.Max(1, Math.Abs(x2.Grad[i])), $"dX[{i}]");
        for (int i = 0; i < b.Length; i++) Assert.Equal(b2.Grad![i], b.Grad![i], 3);

        long budget = ConvBatch.ColumnBudget;
        try
        {
            ConvBatch.ColumnBudget = 2L * 3 * BitOperations.PopCount(tapMask) * masked.Dim(2) * masked.Dim(3);
            Tensor chunked = Tensor.Conv2d(x.Detach(), w.Detach(), b.Detach(), stride, padding, tapMask);
            AssertClose(expected, reference.Shape.ToArray(), chunked);
        }
        finally
        {
            ConvBatch.ColumnBudget = budget;
        }
    }

    [Theory]
    [InlineData(1, 1, 0b000_011_111UL)]
    [InlineData(2, 0, 0b101_010UL)]
    public void Conv2d_TapMask_Gradients_MatchGradCheck(int stride, int padding, ulong tapMask)
    {
        Tensor x = GradCheck.Param(34, 2, 3, 7, 6);
        Tensor w = GradCheck.Param(35, 4, 3, 3, tapMask > 0b111_111 ? 3 : 2);
        GradCheck.Check(t => Tensor.Conv2d(t[0], t[1], t[2], stride, padding, tapMask), [x, w, GradCheck.Param(36, 4)]);
    }

    [Fact]
    public void Conv2d_TapMaskOutsideTheWindow_Throws()
    {
        Tensor x = GradCheck.Param(37, 1, 1, 5, 5), w = GradCheck.Param(38, 2, 1, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Conv2d(x, w, null, 1, 1, 1UL << 9));
        Assert.Contains("3x3", e.Message);
    }

    [Theory]
    [InlineData(1, 0, 0, true)]
    [InlineData(1, 1, 0, false)]
    [InlineData(2, 0, 1, false)]
    [InlineData(2, 1, 0, true)]
    [InlineData(2, 1, 1, true)]
    [InlineData(3, 2, 2, false)]
    public void ConvTranspose2d_Gradients_MatchGradCheck(int stride, int padding, int outputPadding, bool withBias)
    {
        Tensor x = GradCheck.Param(14, 2, 3, 5, 3);
        Tensor w = GradCheck.Param(15, 3, 2, 4, 3);
        Tensor[] inputs = withBias ? [x, w, GradCheck.Param(16, 2)] : [x, w];
        GradCheck.Check(t => Tensor.ConvTranspose2d(t[0], t[1], t.Length > 2 ? t[2] : null, stride, padding, outputPadding), inputs);
    }

    [Fact]
    public void Conv2d_WhenOnlyWeightNeedsGrad_LeavesInputWithoutGradient()
    {
        Tensor x = Tensor.FromArray(new float[2 * 2 * 5 * 5], 2, 2, 5, 5);
        new Rng(17).FillUniform(x.Data, -1f, 1f);
        Tensor w = GradCheck.Param(18, 3, 2, 3, 3);
        GradCheck.Check(t => Tensor.Conv2d(x, t[0], null, 2, 1), [w]);
        Assert.Null(x.Grad);
        GradCheck.Check(t => Tensor.ConvTranspose2d(x, t[0], null, 2, 1, 1), [GradCheck.Param(19, 2, 3, 3, 3)]);
        Assert.Null(x.Grad);
    }

    // ---- the transpose is the adjoint ---------------------------------------------------------------------------

    [Theory]
    [InlineData(2, 3, 7, 7, 4, 3, 2, 1, 0)]
    [InlineData(2, 3, 8, 8, 4, 3, 2, 1, 1)]
    [InlineData(1, 2, 11, 5, 3, 4, 3, 2, 2)]
    [InlineData(3, 1, 6, 6, 2, 2, 1, 0, 0)]
    public void ConvTranspose2d_IsAdjointOfConv2d(int n, int c, int h, int w, int o, int k, int s, int p, int op)
    {
        // Conv2d maps [N,C,H,W] → [N,O,Ho,Wo]; with the same weight [O,C,k,k], ConvTranspose2d maps [N,O,Ho,Wo] back to
        // [N,C,H,W] when outputPadding makes up for the rows the stride skipped: <conv(x), y> = <x, convT(y)>.
        Tensor x = GradCheck.Param(20, n, c, h, w);
        Tensor wt = GradCheck.Param(21, o, c, k, k);
        Tensor cx = Tensor.Conv2d(x, wt, null, s, p);
        Tensor y = GradCheck.Param(22, cx.Shape.ToArray());
        Tensor ty = Tensor.ConvTranspose2d(y, wt, null, s, p, op);
        Assert.Equal(x.Shape.ToArray(), ty.Shape.ToArray());
        double left = 0, right = 0, scale = 0;
        for (int i = 0; i < cx.Length; i++) { left += (double)cx.Data[i] * y.Data[i]; scale += Math.Abs((double)cx.Data[i] * y.Data[i]); }
        for (int i = 0; i < x.Length; i++) right += (double)x.Data[i] * ty.Data[i];
        Assert.True(Math.Abs(left - right) <= 1e-6 * scale, $"<conv(x), y> = {left:G9} but <x, convT(y)> = {right:G9}");
    }

    // ---- shape errors -------------------------------------------------------------------------------------------

    [Fact]
    public void Conv2d_ChannelMismatch_NamesBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Conv2d(Tensor.Zeros(2, 3, 7, 7), Tensor.Zeros(4, 5, 3, 3), null));
        Assert.Contains("[2, 3, 7, 7]", ex.Message);
        Assert.Contains("[4, 5, 3, 3]", ex.Message);
    }

    [Fact]
    public void Conv2d_KernelLargerThanPaddedInput_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Conv2d(Tensor.Zeros(1, 1, 2, 5), Tensor.Zeros(1, 1, 4, 3), null, padding: 0));
        Assert.Contains("[1, 1, 2, 5]", ex.Message);
        Assert.Contains("[1, 1, 4, 3]", ex.Message);
        Assert.Equal([1, 1, 1, 5], Tensor.Conv2d(Tensor.Zeros(1, 1, 2, 5), Tensor.Zeros(1, 1, 4, 3), null, padding: 1).Shape.ToArray());
    }

    [Fact]
    public void Conv_BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => Tensor.Conv2d(Tensor.Zeros(3, 7, 7), Tensor.Zeros(4, 3, 3, 3), null));
        Assert.Throws<ArgumentException>(() => Tensor.Conv2d(Tensor.Zeros(1, 3, 7, 7), Tensor.Zeros(4, 3, 3), null));
        var bias = Assert.Throws<ArgumentException>(() => Tensor.Conv2d(Tensor.Zeros(1, 3, 7, 7), Tensor.Zeros(4, 3, 3, 3), Tensor.Zeros(3)));
        Assert.Contains("[4]", bias.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Conv2d(Tensor.Zeros(1, 3, 7, 7), Tensor.Zeros(4, 3, 3, 3), null, stride: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Conv2d(Tensor.Zeros(1, 3, 7, 7), Tensor.Zeros(4, 3, 3, 3), null, padding: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.ConvTranspose2d(Tensor.Zeros(1, 2, 4, 4), Tensor.Zeros(2, 3, 4, 4), null, stride: 2, outputPadding: 2));
    }

    [Fact]
    public void ConvTranspose2d_ChannelMismatch_NamesBothShapes()
    {
        // PyTorch's layout: weight [inChannels, outChannels, kh, kw]; an [O, C, ...] weight is the classic mistake.
        var ex = Assert.Throws<ArgumentException>(() => Tensor.ConvTranspose2d(Tensor.Zeros(2, 2, 4, 4), Tensor.Zeros(3, 2, 4, 4), null, 2, 1));
        Assert.Contains("[2, 2, 4, 4]", ex.Message);
        Assert.Contains("[3, 2, 4, 4]", ex.Message);
    }

    [Fact]
    public void ConvTranspose2d_EmptyOutput_Throws()
    {
        // (1 − 1)·1 − 2·2 + 3 + 0 = −1
        var ex = Assert.Throws<ArgumentException>(() => Tensor.ConvTranspose2d(Tensor.Zeros(1, 1, 1, 1), Tensor.Zeros(1, 1, 3, 3), null, 1, 2));
        Assert.Contains("[1, 1, 1, 1]", ex.Message);
        Assert.Contains("-1x-1", ex.Message);
    }
}
