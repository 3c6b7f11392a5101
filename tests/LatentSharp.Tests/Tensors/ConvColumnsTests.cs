using System.Numerics;
using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

// ConvBatch.PhasePlanesEnabled, Gemm.ForcedPath and Threading.MaxThreads are process-wide: these run alone, with the GEMM tests.
[Collection(nameof(LatentSharp.Tests.Kernels.GemmTests))]
public class ConvColumnsTests
{
    // ---- the column matrix read from phase planes -----------------------------------------------------------------

    /// <summary>images, C, H, W, O, kernel, stride, padding, tap mask (0: all): the conv VAE's layers, stride 1 beyond the
    /// direct path's depth, stride 3, one image, windows past the edges, small maps, a masked convolution.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, ulong> Geometries() => new()
    {
        { 5, 1, 28, 28, 8, 4, 2, 1, 0UL },
        { 3, 32, 14, 14, 16, 4, 2, 1, 0UL },
        { 4, 29, 6, 5, 6, 3, 1, 1, 0UL },
        { 1, 3, 9, 8, 5, 3, 2, 1, 0UL },
        { 3, 2, 11, 10, 4, 5, 3, 2, 0UL },
        { 6, 4, 4, 4, 3, 2, 2, 0, 0UL },
        { 2, 3, 9, 9, 4, 3, 2, 1, 0b110_011_101UL },
    };

    // The transposed convolution's forward and the convolution's input gradient run whole chunks of images on each core:
    // one and two threads give the same bits, with chunks of several images and a shorter last one (37 images), with and
    // without the fused ReLU.
    [Fact]
    public void ChunksOnEachCore_OneAndTwoThreads_SameBits()
    {
        Tensor x = GradCheck.Param(56, 37, 16, 7, 7);
        Tensor weight = GradCheck.Param(57, 16, 8, 4, 4);
        Tensor bias = GradCheck.Param(58, 8);
        Tensor weight2 = GradCheck.Param(59, 4, 8, 4, 4);
        float[] Run(int threads, bool relu)
        {
            int saved = Threading.MaxThreads;
            try
            {
                Threading.MaxThreads = threads;
                foreach (Tensor t in new[] { x, weight, bias, weight2 }) t.ZeroGrad();
                Tensor y = Tensor.ConvTranspose2d(x, weight, bias, 2, 1, 0, relu);       // [37, 8, 14, 14]
                Tensor z = Tensor.Conv2d(y, weight2, null, 2, 1, tapMask: 0, relu);      // back to [37, 4, 7, 7]: dx of y from planes
                z.Multiply(z).Sum().Backward();
                return [.. y.Data, .. z.Data, .. x.Grad!, .. weight.Grad!, .. bias.Grad!, .. weight2.Grad!];
            }
            finally
            {
                Threading.MaxThreads = saved;
            }
        }
        foreach (bool relu in new[] { false, true })
            Assert.Equal(Run(1, relu).Select(BitConverter.SingleToInt32Bits), Run(2, relu).Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Conv2dAndTranspose_FromPhasePlanes_SameBitsAsUnfolding(int n, int c, int h, int w, int o, int k, int stride, int padding, ulong mask)
    {
        if (!ImplicitColumns.Supported)
        {
            // Then the convolutions always unfold (the GEMM tests cover the refusal): nothing to compare.
            ConvBatch.PhasePlanesEnabled = true;
            Assert.False(ConvBatch.ReadsPhasePlanes);
            return;
        }
        Tensor x = GradCheck.Param(51, n, c, h, w);
        Tensor weight = GradCheck.Param(52, o, c, k, k);
        Tensor bias = GradCheck.Param(53, o);
        Tensor weightT = GradCheck.Param(54, o, c, k, k);   // ConvTranspose2d: [C_in = O, C_out = C, kh, kw], back to x's shape
        Tensor biasT = GradCheck.Param(55, c);
        int outputPadding = (h + 2 * padding - k) % stride;
        float[] Run(bool fromPlanes, bool weightGrad)
        {
            ConvBatch.PhasePlanesEnabled = fromPlanes;
            try
            {
                foreach (Tensor t in new[] { x, weight, bias, weightT, biasT }) t.ZeroGrad();
                Tensor wc = weightGrad ? weight : weight.Detach();
                Tensor y = Tensor.Conv2d(x, wc, bias, stride, padding, mask);
                Tensor z = mask == 0 ? Tensor.ConvTranspose2d(y, weightT, biasT, stride, padding, outputPadding) : y;
                z.Multiply(z).Sum().Backward();
                float[] grads = weightGrad ? [.. weight.Grad!, .. weightT.Grad ?? []] : [];
                return [.. y.Data, .. z.Data, .. x.Grad!, .. bias.Grad!, .. grads];
            }
            finally
            {
                ConvBatch.PhasePlanesEnabled = true;
            }
        }

        int saved = Threading.MaxThreads;
        // Products of at most 16 rows take the thin path from the planes (its own tests compare it with these GEMMs).
        ThinConv.Enabled = false;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                Threading.MaxThreads = threads;
                // One chunk of columns on both paths (the default budget), so every sum runs in the same order.
                Assert.Equal(Run(false, true), Run(true, true));
                Assert.Equal(Run(false, false), Run(true, false));   // only dx of the first convolution wanted
            }
        }
        finally
        {
            Threading.MaxThreads = saved;
            ThinConv.Enabled = true;
        }
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, 1)]
    public void Conv2d_FromPhasePlanes_InChunks_SameBitsAsOneChunk(int stride, int padding)
    {
        if (!ConvBatch.ReadsPhasePlanes) return;   // without AVX-512 the unfolding path's own chunk tests hold
        // 5 images in chunks: the products of the kept path (recorded: planes kept for the backward pass) and the planes and
        // products of the inference path (not recorded: planes made chunk by chunk).
        Tensor x = GradCheck.Param(81, 5, 29, 9, 7);
        Tensor w = GradCheck.Param(82, 6, 29, 3, 3);
        Tensor b = GradCheck.Param(83, 6);
        float[] Run(long budget)
        {
            long saved = ConvBatch.ColumnBudget;
            ConvBatch.ColumnBudget = budget;
            try
            {
                foreach (Tensor t in new[] { x, w, b }) t.ZeroGrad();
                float[] inference;
                using (Tensor.NoGrad()) inference = [.. Tensor.Conv2d(x, w, b, stride, padding).Data];
                Tensor y = Tensor.Conv2d(x, w, b, stride, padding);
                y.Multiply(y).Sum().Backward();
                return [.. inference, .. y.Data, .. x.Grad!, .. w.Grad!, .. b.Grad!];
            }
            finally
            {
                ConvBatch.ColumnBudget = saved;
            }
        }
        int positions = Im2ColGeometry.OutputSize(9, 3, stride, padding) * Im2ColGeometry.OutputSize(7, 3, stride, padding);
        long planesPerImage = ImplicitColumns.PlanesLength(new Im2ColGeometry(29, 9, 7, 3, 3, stride, padding, 1, 1), 1);
        float[] whole = Run(1L << 40);
        Assert.Equal(whole, Run(2 * 6L * positions));   // the kept path's products 2 + 2 + 1 images; inference one image at a time
        Assert.Equal(whole, Run(2 * planesPerImage));   // inference 2 + 2 + 1 images
    }

    // ---- columns kept from the forward for the weight gradient ----------------------------------------------------

    [Theory]
    [InlineData(29, 3, 3, 1, 1, 0UL)]           // stride 1, depth 29·9 = 261: beyond the direct path, so im2col + GEMM
    [InlineData(3, 3, 2, 2, 1, 0UL)]
    [InlineData(3, 3, 3, 2, 0, 0b110_011_101UL)]
    public void Conv2d_KeptColumns_GiveTheSameGradientsAsUnfoldingAgain(int c, int kh, int kw, int stride, int padding, ulong tapMask)
    {
        // 5 images, 2 per chunk (2 + 2 + 1): keep none, the first chunk only, or all of them.
        Tensor x = GradCheck.Param(41, 5, c, 9, 7);
        Tensor w = GradCheck.Param(42, 3, c, kh, kw);
        Tensor b = GradCheck.Param(43, 3);
        int taps = tapMask == 0 ? kh * kw : BitOperations.PopCount(tapMask);
        long columnsPerImage = (long)c * taps * ((9 + 2 * padding - kh) / stride + 1) * ((7 + 2 * padding - kw) / stride + 1);
        long chunkBudget = ConvBatch.ColumnBudget, keptBudget = ConvBatch.KeptColumnBudget;
        try
        {
            ConvBatch.PhasePlanesEnabled = false;
            ConvBatch.ColumnBudget = 2 * columnsPerImage;
            float[]? reference = null;
            foreach (long kept in new[] { 0, 2 * columnsPerImage, 1L << 40 })
            {
                ConvBatch.KeptColumnBudget = kept;
                foreach (Tensor t in new[] { x, w, b }) t.ZeroGrad();
                Tensor y = Tensor.Conv2d(x, w, b, stride, padding, tapMask);
                y.Multiply(y).Sum().Backward();
                float[] values = [.. y.Data, .. w.Grad!, .. x.Grad!, .. b.Grad!];
                reference ??= values;
                Assert.Equal(reference, values);
            }
        }
        finally
        {
            ConvBatch.PhasePlanesEnabled = true;
            ConvBatch.ColumnBudget = chunkBudget;
            ConvBatch.KeptColumnBudget = keptBudget;
        }
    }

    [Fact]
    public void Conv2d_KeepsColumnsOnlyWhenTheWeightGradientIsRecorded()
    {
        // The kept columns come from the step's arena: compare what a forward rents with and without recording.
        Tensor x = GradCheck.Param(44, 4, 3, 9, 8);
        Tensor w = GradCheck.Param(45, 5, 3, 3, 3);
        Tensor plainWeight = w.Detach();
        var arena = new Arena();
        long Rented(Func<Tensor> forward)
        {
            using (arena.Scope()) forward();
            return arena.RentedFloats;
        }
        long output = 4 * 5 * 5 * 4, columns = 4 * (3 * 9) * (5 * 4);   // y [4, 5, 5, 4]; columns [27, 20] per image
        // From phase planes: 3 channels × 4 phases of 6 × 5 per image (the 9 × 8 image padded to 11 × 10, halved), + slack.
        long planes = 4 * 3 * 4 * 6 * 5 + ImplicitColumns.Slack;
        Assert.Equal(planes, ImplicitColumns.PlanesLength(new Im2ColGeometry(3, 9, 8, 3, 3, 2, 1, 5, 4), 4));
        foreach (bool fromPlanes in new[] { false, true })
        {
            ConvBatch.PhasePlanesEnabled = fromPlanes;
            try
            {
                long kept = ConvBatch.ReadsPhasePlanes ? planes : columns;
                using (Tensor.NoGrad()) Assert.Equal(output, Rented(() => Tensor.Conv2d(x, w, null, 2, 1)));
                Assert.Equal(output, Rented(() => Tensor.Conv2d(x, plainWeight, null, 2, 1)));   // only dx wanted: nothing kept
                Assert.Equal(output + kept, Rented(() => Tensor.Conv2d(x, w, null, 2, 1)));
            }
            finally
            {
                ConvBatch.PhasePlanesEnabled = true;
            }
        }
    }
}
