using LatentSharp.Kernels;

namespace LatentSharp.Tensors;

/// <summary>A stride-1 convolution of a <see cref="Tensor.ResidualReluChain"/>: weight [O, C, kh, kw], bias [O] or null, padding, taps used (0: all).</summary>
internal readonly record struct ChainConv(Tensor Weight, Tensor? Bias, int Padding, ulong TapMask = 0);

public sealed partial class Tensor
{
    /// <summary>
    /// x + conv3(ReLU(conv2(ReLU(conv1(ReLU(x)))))) for a residual block of stride-1 convolutions that keep the maps' size,
    /// computed image by image so that the intermediate maps stay in cache (<see cref="DirectConv.ResidualChain"/>), with
    /// the same bits as the composed ops. Gradient-free only: returns null while gradients are recorded, or when the direct
    /// path does not take these convolutions, and the caller then composes the ops. [N, C, H, W] → [N, C, H, W]
    /// </summary>
    internal static Tensor? ResidualReluChain(Tensor x, ChainConv first, ChainConv second, ChainConv third)
    {
        if (IsGradEnabled || x.Rank != 4) return null;
        int n = x._shape[0], c = x._shape[1], h = x._shape[2], w = x._shape[3];
        Im2ColGeometry? g1 = Geometry(first, c, h, w), g2 = Geometry(second, first.Weight._shape[0], h, w),
            g3 = Geometry(third, second.Weight._shape[0], h, w);
        if (g1 is not { } a || g2 is not { } b || g3 is not { } d || third.Weight._shape[0] != c) return null;
        if (!DirectConv.Applies(a) || !DirectConv.Applies(b) || !DirectConv.Applies(d)) return null;

        Tensor y = Empty([n, c, h, w]);
        float[]? w1 = Compact(first, a), w2 = Compact(second, b), w3 = Compact(third, d);
        try
        {
            DirectConv.ResidualChain(Layer(first, a, w1), Layer(second, b, w2), Layer(third, d, w3), x._data, y._data, n);
        }
        finally
        {
            if (w1 is not null) ConvBatch.Return(w1);
            if (w2 is not null) ConvBatch.Return(w2);
            if (w3 is not null) ConvBatch.Return(w3);
        }
        return y;

        // The geometry of a convolution over [C, H, W] maps, or null unless it takes C channels and keeps H × W.
        static Im2ColGeometry? Geometry(ChainConv conv, int channels, int height, int width)
        {
            int[] s = conv.Weight._shape;
            if (s.Length != 4 || s[1] != channels || conv.Bias is { } bias && (bias.Rank != 1 || bias._shape[0] != s[0])) return null;
            int ho = Im2ColGeometry.OutputSize(height, s[2], 1, conv.Padding), wo = Im2ColGeometry.OutputSize(width, s[3], 1, conv.Padding);
            if (ho != height || wo != width) return null;
            ConvShapes.CheckTapMask(conv.TapMask, s[2], s[3]);
            return new Im2ColGeometry(channels, height, width, s[2], s[3], 1, conv.Padding, ho, wo, conv.TapMask);
        }

        static float[]? Compact(ChainConv conv, in Im2ColGeometry g) => conv.TapMask == 0 ? null : CompactWeight(g, conv.Weight._data, conv.Weight._shape[0]);

        static DirectConvLayer Layer(ChainConv conv, in Im2ColGeometry g, float[]? compact) =>
            new(g, conv.Weight._shape[0], compact ?? conv.Weight._data, conv.Bias is null ? default : conv.Bias._data);
    }
}
