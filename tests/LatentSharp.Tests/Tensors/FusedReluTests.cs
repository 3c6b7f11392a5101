using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

// A ReLU fused into the convolution that makes its input (what Sequential runs for Conv2d + Relu and ConvTranspose2d + Relu)
// against the two ops apart: the output and every gradient to the bit, on each path the convolutions take.
// ConvBatch.PhasePlanesEnabled and Threading.MaxThreads are process-wide: these run alone, with the GEMM tests.
[Collection(nameof(LatentSharp.Tests.Kernels.GemmTests))]
public class FusedReluTests
{
    /// <summary>images, C, H, W, O, kernel, stride, padding: the conv VAE's stride-2 layers (phase planes or unfolded
    /// columns), a stride-1 layer (the direct path), a 1×1 layer (pointwise), one image, maps wider than 32 columns (the
    /// phase planes' scalar filling).</summary>
    public static TheoryData<int, int, int, int, int, int, int, int> Geometries() => new()
    {
        { 6, 1, 28, 28, 8, 4, 2, 1 },
        { 5, 32, 14, 14, 16, 4, 2, 1 },
        { 1, 3, 9, 8, 5, 4, 2, 1 },
        { 4, 3, 8, 7, 6, 3, 1, 1 },
        { 3, 5, 6, 6, 4, 1, 1, 0 },
        { 2, 2, 9, 40, 3, 4, 2, 1 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Conv2d_WithRelu_EqualsConv2dThenRelu_BitForBit(int n, int c, int h, int w, int o, int k, int stride, int padding)
    {
        Tensor x = GradCheck.Param(61, n, c, h, w);
        Tensor weight = GradCheck.Param(62, o, c, k, k);
        Tensor bias = GradCheck.Param(63, o);
        foreach (bool withBias in new[] { true, false })
        {
            Tensor? b = withBias ? bias : null;
            Compare([x, weight, bias],
                relu => relu ? Tensor.Conv2d(x, weight, b, stride, padding, tapMask: 0, relu: true) : Tensor.Conv2d(x, weight, b, stride, padding).Relu(),
                $"Conv2d {n}x{c}x{h}x{w} → {o}, k{k} s{stride} p{padding}, bias {withBias}");
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void ConvTranspose2d_WithRelu_EqualsConvTranspose2dThenRelu_BitForBit(int n, int c, int h, int w, int o, int k, int stride, int padding)
    {
        // The transposed convolution back from the convolution's output size to the input's.
        int ho = (h + 2 * padding - k) / stride + 1, wo = (w + 2 * padding - k) / stride + 1;
        int outputPadding = (h + 2 * padding - k) % stride;
        Tensor x = GradCheck.Param(64, n, o, ho, wo);
        Tensor weight = GradCheck.Param(65, o, c, k, k);
        Tensor bias = GradCheck.Param(66, c);
        foreach (bool withBias in new[] { true, false })
        {
            Tensor? b = withBias ? bias : null;
            Compare([x, weight, bias],
                relu => relu ? Tensor.ConvTranspose2d(x, weight, b, stride, padding, outputPadding, relu: true) : Tensor.ConvTranspose2d(x, weight, b, stride, padding, outputPadding).Relu(),
                $"ConvTranspose2d {n}x{o}x{ho}x{wo} → {c}, k{k} s{stride} p{padding}, bias {withBias}");
        }
    }

    // Small enough that no output sits within a finite difference of the kink (asserted, not assumed).
    [Fact]
    public void FusedConvolutions_AwayFromTheKink_MatchGradCheck()
    {
        Tensor x = GradCheck.Param(71, 1, 2, 5, 4);
        Tensor w = GradCheck.Param(72, 3, 2, 3, 3);
        Tensor b = GradCheck.Param(73, 3);
        float[] pre = Tensor.Conv2d(x, w, b, 2, 1).Data;
        Assert.True(pre.Min(MathF.Abs) > 0.02f, "a convolution output lies at the kink");
        Assert.Contains(pre, v => v < 0);
        GradCheck.Check(t => Tensor.Conv2d(t[0], t[1], t[2], 2, 1, tapMask: 0, relu: true), [x, w, b]);

        Tensor xt = GradCheck.Param(74, 1, 3, 2, 2);
        Tensor wt = GradCheck.Param(75, 3, 2, 3, 3);
        Tensor bt = GradCheck.Param(76, 2);
        float[] preT = Tensor.ConvTranspose2d(xt, wt, bt, 2, 1, 0).Data;
        Assert.True(preT.Min(MathF.Abs) > 0.02f, "a transposed convolution output lies at the kink");
        Assert.Contains(preT, v => v < 0);
        GradCheck.Check(t => Tensor.ConvTranspose2d(t[0], t[1], t[2], 2, 1, 0, relu: true), [xt, wt, bt]);
    }

    private static void Compare(Tensor[] parameters, Func<bool, Tensor> op, string what)
    {
        var rng = new Rng(3);
        foreach (bool fromPlanes in new[] { true, false })
        {
            foreach (int threads in new[] { 1, 2 })
            {
                int savedThreads = Threading.MaxThreads;
                try
                {
                    Threading.MaxThreads = threads;
                    ConvBatch.PhasePlanesEnabled = fromPlanes;
                    float[]? weights = null;
                    int outputs = 0;
                    float[] Run(bool relu)
                    {
                        foreach (Tensor p in parameters) p.ZeroGrad();
                        Tensor y = op(relu);
                        outputs = y.Length;
                        if (weights is null)
                        {
                            weights = new float[y.Length];
                            rng.FillUniform(weights, -1f, 1f);
                        }
                        y.Multiply(Tensor.FromArray(weights, [.. y.Shape])).Sum().Backward();
                        float[] inference;
                        using (Tensor.NoGrad()) inference = op(relu).Data[..y.Length];   // the forward without a graph (chunked planes)
                        return [.. y.Data[..y.Length], .. inference, .. parameters.SelectMany(p => p.Grad ?? [])];
                    }
                    float[] apart = Run(relu: false), fused = Run(relu: true);
                    Assert.Equal(apart.Length, fused.Length);
                    Assert.Contains(apart[..outputs], v => v == 0f);   // some outputs were cut by the ReLU
                    for (int i = 0; i < apart.Length; i++)
                        Assert.True(BitConverter.SingleToInt32Bits(apart[i]) == BitConverter.SingleToInt32Bits(fused[i]),
                            $"{what}, planes {fromPlanes}, {threads} threads: value {i} is {fused[i]}, apart {apart[i]}");
                }
                finally
                {
                    Threading.MaxThreads = savedThreads;
                    ConvBatch.PhasePlanesEnabled = true;
                }
            }
        }
    }
}
