using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>Which centre the PixelCNN mask keeps: type A hides the pixel itself (first layer), type B lets it through (later layers).</summary>
public enum MaskType
{
    /// <summary>Hides the centre pixel: the first layer, whose output must not see its own input pixel.</summary>
    A,
    /// <summary>Keeps the centre pixel: the layers after the first.</summary>
    B,
}

/// <summary>
/// A PixelCNN masked convolution (van den Oord et al. 2016) on single-channel-ordered data: stride 1, "same" padding k/2,
/// weight [O, C, k, k] under a constant 0/1 mask that keeps the kernel rows above the centre and, in the centre row, the
/// columns left of the centre (type A) or left of and at the centre (type B). Output pixel i therefore sees only input
/// pixels before i in raster order (type A) or up to and including i (type B). The forward is y = conv(x, W ⊙ M), run as
/// a convolution over the kept taps only (a 3×3 type B reads 5 of its 9, a 7×7 type A 24 of 49), so masked weights are
/// never read and their gradient is zero: training can never open them. Initialised as <see cref="Conv2d"/> (U(±1/√(C·k·k))).
/// <para>
/// With G &gt; 1 channel groups (PixelRNN / PixelCNN's masks for the R → G → B order of a pixel's sub-pixels), channel f
/// belongs to group f mod G, and the centre tap links output group g to input group g' only when g' &lt; g (type A) or
/// g' ≤ g (type B): y = conv(x, W ⊙ M) with the centre of M [O, C, k, k] set per channel pair. With G = 1 this is the
/// mask above (the whole pixel hidden by type A, kept by type B).
/// </para>
/// </summary>
public sealed class MaskedConv2d : Layer
{
    private readonly Tensor _mask;   // [O, C, k, k], constant
    private readonly ulong _taps;    // bit i·k + j set for each kept tap

    /// <summary>
    /// A masked convolution from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels in
    /// <paramref name="channelGroups"/> groups, drawing its weights from <paramref name="rng"/>; throws
    /// <see cref="ArgumentOutOfRangeException"/> for an even kernel, one above 7, or a 1×1 kernel of type A with one group.
    /// </summary>
    public MaskedConv2d(int inChannels, int outChannels, int kernelSize, MaskType type, Rng rng, int channelGroups = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channelGroups);
        ArgumentNullException.ThrowIfNull(rng);
        if (kernelSize < 1 || kernelSize % 2 == 0 || kernelSize > 7)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "A masked convolution needs an odd kernel size of at most 7, so that it has a centre pixel and its taps fit a 64-bit mask.");
        // A 1×1 type A kernel keeps no tap at all, and an empty tap mask means "every tap" to Conv2d: it would see its own pixel.
        if (kernelSize == 1 && type == MaskType.A && channelGroups == 1)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "A 1x1 masked convolution of type A sees no pixel at all (its only tap is the centre, which type A hides); use a larger kernel or type B.");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Type = type;
        ChannelGroups = channelGroups;
        float bound = Init.UniformBound(inChannels * kernelSize * kernelSize);
        Weight = RegisterParameter("weight", Init.Uniform(rng, bound, outChannels, inChannels, kernelSize, kernelSize));
        Bias = RegisterParameter("bias", Init.Uniform(rng, bound, outChannels));

        int k = kernelSize, centre = k / 2;
        var kernel = new float[k * k];
        for (int r = 0; r < k; r++)
        for (int c = 0; c < k; c++)
            kernel[r * k + c] = r < centre || (r == centre && (c < centre || (c == centre && type == MaskType.B))) ? 1f : 0f;
        if (channelGroups > 1) kernel[centre * k + centre] = 1f;   // set per channel pair below
        for (int t = 0; t < k * k; t++) if (kernel[t] == 1f) _taps |= 1UL << t;
        var mask = new float[outChannels * inChannels * k * k];
        for (int i = 0; i < outChannels * inChannels; i++) kernel.CopyTo(mask, i * k * k);
        if (channelGroups > 1) SetOwnPixelTapByGroup(mask, outChannels, inChannels, k, k, k / 2, k / 2, channelGroups, type);
        _mask = Tensor.FromArray(mask, outChannels, inChannels, k, k);
    }

    /// <summary>
    /// Whether output channel <paramref name="outChannel"/> may see input channel <paramref name="inChannel"/> of its own
    /// pixel, channels in groups f mod G: earlier groups only (type A), or also its own (type B).
    /// </summary>
    public static bool SeesOwnPixel(int outChannel, int inChannel, int channelGroups, MaskType type)
    {
        int outGroup = outChannel % channelGroups, inGroup = inChannel % channelGroups;
        return type == MaskType.A ? inGroup < outGroup : inGroup <= outGroup;
    }

    /// <summary>
    /// Sets tap (<paramref name="row"/>, <paramref name="column"/>), the one over the pixel itself, of every channel pair of
    /// <paramref name="mask"/> [O, C, kh, kw] by <see cref="SeesOwnPixel"/>.
    /// </summary>
    internal static void SetOwnPixelTapByGroup(float[] mask, int outChannels, int inChannels, int kernelHeight, int kernelWidth, int row, int column, int channelGroups, MaskType type)
    {
        int tap = row * kernelWidth + column, taps = kernelHeight * kernelWidth;
        for (int o = 0; o < outChannels; o++)
        for (int c = 0; c < inChannels; c++)
            mask[(o * inChannels + c) * taps + tap] = SeesOwnPixel(o, c, channelGroups, type) ? 1f : 0f;
    }

    /// <summary>C, the channels of the input.</summary>
    public int InChannels { get; }
    /// <summary>O, the channels of the output.</summary>
    public int OutChannels { get; }
    /// <summary>k, the side of the square kernel (odd, at most 7).</summary>
    public int KernelSize { get; }
    /// <summary>Whether the mask hides (A) or keeps (B) the centre pixel.</summary>
    public MaskType Type { get; }
    /// <summary>G, the channel groups of a pixel's sub-pixels (1: the pixel is one group).</summary>
    public int ChannelGroups { get; }

    /// <summary>[O, C, k, k]; the taps the mask hides are trained by nothing and used by nothing.</summary>
    public Tensor Weight { get; }

    /// <summary>[O]</summary>
    public Tensor Bias { get; }

    /// <summary>The constant 0/1 mask. [O, C, k, k]</summary>
    public Tensor Mask => _mask;

    /// <summary>The kept taps as bits i·k + j, as <see cref="Tensor.Conv2d(Tensor, Tensor, Tensor?, int, int)"/>'s masked form takes them.</summary>
    internal ulong TapMask => _taps;

    /// <summary>x [B, C, H, W] → [B, O, H, W].</summary>
    public override Tensor Forward(Tensor x) => Tensor.Conv2d(x, EffectiveWeight(), Bias, stride: 1, padding: KernelSize / 2, tapMask: _taps);

    /// <summary>The weight the convolution uses: W, or W ⊙ M with channel groups (the masked centre pairs get no gradient). [O, C, k, k]</summary>
    internal Tensor EffectiveWeight() => ChannelGroups == 1 ? Weight : Weight * _mask;

    /// <summary>The layer and its sizes, e.g. <c>MaskedConv2d(1, 64, kernel: 7, type A)</c>.</summary>
    public override string ToString() => $"MaskedConv2d({InChannels}, {OutChannels}, kernel: {KernelSize}, type {Type}{(ChannelGroups > 1 ? $", {ChannelGroups} channel groups" : "")})";
}
