using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// The PixelCNN's residual block: x + Conv1×1(h/2 → h)(ReLU(MaskedConv 3×3 type B(h/2 → h/2)(ReLU(Conv1×1(h → h/2)(ReLU(x)))))).
/// Causal like its masked convolution: output pixel i sees input pixels up to and including i. [B, h, H, W] → [B, h, H, W]
/// </summary>
public sealed class MaskedResidualBlock : Layer
{
    private const int Kernel = 3;

    private readonly Conv2d _reduce, _expand;
    private readonly MaskedConv2d _masked;

    /// <summary>A block over <paramref name="channels"/> feature maps (narrowed to half inside), drawing its weights from <paramref name="rng"/>; throws <see cref="ArgumentOutOfRangeException"/> below 2 channels.</summary>
    public MaskedResidualBlock(int channels, Rng rng)
    {
        if (channels < 2) throw new ArgumentOutOfRangeException(nameof(channels), channels, "A masked residual block needs at least 2 channels (it narrows to half inside).");
        int half = channels / 2;
        _reduce = RegisterModule("reduce", new Conv2d(channels, half, 1, rng));
        _masked = RegisterModule("masked", new MaskedConv2d(half, half, Kernel, MaskType.B, rng));
        _expand = RegisterModule("expand", new Conv2d(half, channels, 1, rng));
    }

    /// <summary>x [B, h, H, W] → [B, h, H, W].</summary>
    public override Tensor Forward(Tensor x) =>
        Tensor.ResidualReluChain(x, new(_reduce.Weight, _reduce.Bias, 0), new(_masked.Weight, _masked.Bias, Kernel / 2, _masked.TapMask),
            new(_expand.Weight, _expand.Bias, 0))   // gradient-free: image by image, the same bits
        ?? x + _expand.Forward(_masked.Forward(_reduce.Forward(x.Relu()).Relu()).Relu());
}
