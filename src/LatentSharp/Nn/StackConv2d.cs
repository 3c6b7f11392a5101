using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>The two stacks of a gated PixelCNN: the vertical one looks at the rows above, the horizontal one along its own row.</summary>
public enum PixelStack
{
    /// <summary>Looks at the rows above the pixel (and its own row for type B), every column.</summary>
    Vertical,
    /// <summary>Looks along the pixel's own row, the columns left of it (and itself for type B).</summary>
    Horizontal,
}

/// <summary>
/// A convolution of one stack of the gated PixelCNN (van den Oord et al. 2016, "Conditional Image Generation with PixelCNN
/// Decoders"): stride 1, "same" padding k/2, a square k×k weight [O, C, k, k] of which only these taps are used:
/// <list type="bullet">
/// <item><see cref="PixelStack.Vertical"/>: the rows above the centre (type A), or those and the centre row (type B), every
/// column; stacked type-B layers above a type-A one never see their own row, and their field widens by k/2 columns to each
/// side per layer, so it has no blind spot.</item>
/// <item><see cref="PixelStack.Horizontal"/>: the centre row only, the columns left of the centre (type A) or left of and at
/// the centre (type B): the 1×(k/2 + 1) kernel of the paper.</item>
/// </list>
/// Like <see cref="MaskedConv2d"/> it runs over the kept taps only, so the others are never read and get no gradient. Every
/// layer is causal row-wise: no output sees a row below its own. Initialised as <see cref="Conv2d"/> (U(±1/√(C·k·k))).
/// <para>
/// With G &gt; 1 channel groups (horizontal stack only: the vertical one never sees its own row's pixels), the centre tap
/// links channel pairs as <see cref="MaskedConv2d.SeesOwnPixel"/> says, through W ⊙ M, so that a sub-pixel's features
/// see the earlier sub-pixels of its own pixel (type A), or those and its own (type B).
/// </para>
/// </summary>
public sealed class StackConv2d : Layer
{
    private readonly ulong _taps;    // bit i·k + j set for each kept tap
    private readonly Tensor? _mask;  // [O, C, k, k], channel groups only

    /// <summary>
    /// A stack convolution from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels (in
    /// <paramref name="channelGroups"/> groups: horizontal stack only), drawing its weights from <paramref name="rng"/>;
    /// throws <see cref="ArgumentOutOfRangeException"/> for an even kernel, one above 7, a 1×1 kernel of type A, or channel
    /// groups on the vertical stack.
    /// </summary>
    public StackConv2d(int inChannels, int outChannels, int kernelSize, PixelStack stack, MaskType type, Rng rng, int channelGroups = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channelGroups);
        ArgumentNullException.ThrowIfNull(rng);
        if (channelGroups > 1 && stack == PixelStack.Vertical)
            throw new ArgumentOutOfRangeException(nameof(channelGroups), channelGroups, "The vertical stack never sees its own row's pixels, so it has no channel groups to mask.");
        if (kernelSize < 1 || kernelSize % 2 == 0 || kernelSize > 7)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "A stack convolution needs an odd kernel size of at most 7, so that it has a centre pixel and its taps fit a 64-bit mask.");
        // An empty tap mask means "every tap" to Conv2d: a 1×1 type A kernel of either stack would see its own pixel.
        if (kernelSize == 1 && type == MaskType.A)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "A 1x1 stack convolution of type A sees no pixel at all; use a larger kernel or type B.");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stack = stack;
        Type = type;
        float bound = Init.UniformBound(inChannels * kernelSize * kernelSize);
        Weight = RegisterParameter("weight", Init.Uniform(rng, bound, outChannels, inChannels, kernelSize, kernelSize));
        Bias = RegisterParameter("bias", Init.Uniform(rng, bound, outChannels));

        int k = kernelSize, centre = k / 2;
        for (int r = 0; r < k; r++)
        for (int c = 0; c < k; c++)
        {
            bool kept = stack == PixelStack.Vertical
                ? r < centre || (r == centre && type == MaskType.B)
                : r == centre && (c < centre || (c == centre && (type == MaskType.B || channelGroups > 1)));
            if (kept) _taps |= 1UL << (r * k + c);
        }
        if (channelGroups > 1)
        {
            var mask = new float[outChannels * inChannels * k * k];
            for (int i = 0; i < outChannels * inChannels; i++)
            for (int t = 0; t < k * k; t++)
                mask[i * k * k + t] = (_taps >> t & 1) == 1 ? 1f : 0f;
            MaskedConv2d.SetOwnPixelTapByGroup(mask, outChannels, inChannels, k, k, k / 2, k / 2, channelGroups, type);
            _mask = Tensor.FromArray(mask, outChannels, inChannels, k, k);
        }
    }

    /// <summary>C, the channels of the input.</summary>
    public int InChannels { get; }
    /// <summary>O, the channels of the output.</summary>
    public int OutChannels { get; }
    /// <summary>k, the side of the square kernel (odd, at most 7).</summary>
    public int KernelSize { get; }
    /// <summary>Which stack this convolution belongs to, and so which taps it keeps.</summary>
    public PixelStack Stack { get; }
    /// <summary>Whether the pixel's own position is hidden (A) or kept (B).</summary>
    public MaskType Type { get; }

    /// <summary>[O, C, k, k]; the taps outside the stack's window are trained by nothing and used by nothing.</summary>
    public Tensor Weight { get; }

    /// <summary>[O]</summary>
    public Tensor Bias { get; }

    /// <summary>The number of kernel positions used, out of k·k.</summary>
    public int KeptTaps => System.Numerics.BitOperations.PopCount(_taps);

    /// <summary>x [B, C, H, W] → [B, O, H, W].</summary>
    public override Tensor Forward(Tensor x) => Tensor.Conv2d(x, _mask is null ? Weight : Weight * _mask, Bias, stride: 1, padding: KernelSize / 2, tapMask: _taps);

    /// <summary>The layer and its sizes, e.g. <c>StackConv2d(64, 64, kernel: 3, Vertical type B)</c>.</summary>
    public override string ToString() => $"StackConv2d({InChannels}, {OutChannels}, kernel: {KernelSize}, {Stack} type {Type})";
}
