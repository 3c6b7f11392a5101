using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// The PixelCNN's residual block: x + Conv1×1(h/2 → h)(ReLU(MaskedConv 3×3 type B(h/2 → h/2)(ReLU(Conv1×1(h → h/2)(ReLU(x)))))).
/// Causal like its masked convolution: output pixel i sees input pixels up to and including i. With G &gt; 1 channel groups
/// every convolution, the 1×1s too, is masked type B by group (<see cref="MaskedConv2d"/>), so a channel of group g sees
/// groups ≤ g of its own pixel. [B, h, H, W] → [B, h, H, W]
/// </summary>
public sealed class MaskedResidualBlock : Layer
{
    private const int Kernel = 3;

    private readonly Layer _reduce, _expand;
    private readonly MaskedConv2d _masked;
    private readonly bool _grouped;

    /// <summary>A block over <paramref name="channels"/> feature maps (narrowed to half inside) in <paramref name="channelGroups"/> groups, drawing its weights from <paramref name="rng"/>; throws <see cref="ArgumentOutOfRangeException"/> below 2 channels.</summary>
    public MaskedResidualBlock(int channels, Rng rng, int channelGroups = 1)
    {
        if (channels < 2) throw new ArgumentOutOfRangeException(nameof(channels), channels, "A masked residual block needs at least 2 channels (it narrows to half inside).");
        int half = channels / 2;
        _grouped = channelGroups > 1;
        _reduce = RegisterModule("reduce", Pointwise(channels, half, channelGroups, rng));
        _masked = RegisterModule("masked", new MaskedConv2d(half, half, Kernel, MaskType.B, rng, channelGroups));
        _expand = RegisterModule("expand", Pointwise(half, channels, channelGroups, rng));
    }

    /// <summary>
    /// A 1×1 convolution that keeps the channel groups' order: a plain <see cref="Conv2d"/> for one group, a type-B
    /// <see cref="MaskedConv2d"/> (group g sees groups ≤ g) for several.
    /// </summary>
    public static Layer Pointwise(int inChannels, int outChannels, int channelGroups, Rng rng) =>
        channelGroups == 1 ? new Conv2d(inChannels, outChannels, 1, rng) : new MaskedConv2d(inChannels, outChannels, 1, MaskType.B, rng, channelGroups);

    /// <summary>x [B, h, H, W] → [B, h, H, W].</summary>
    public override Tensor Forward(Tensor x)
    {
        if (!_grouped && _reduce is Conv2d reduce && _expand is Conv2d expand
            && Tensor.ResidualReluChain(x, new(reduce.Weight, reduce.Bias, 0), new(_masked.Weight, _masked.Bias, Kernel / 2, _masked.TapMask),
                new(expand.Weight, expand.Bias, 0)) is { } fused)   // gradient-free: image by image, the same bits
            return fused;
        return x + _expand.Forward(_masked.Forward(_reduce.Forward(x.Relu()).Relu()).Relu());
    }
}
