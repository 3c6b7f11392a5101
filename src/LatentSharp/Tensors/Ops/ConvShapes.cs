namespace LatentSharp.Tensors;

/// <summary>Argument checks for the convolution ops; every message names the shapes involved.</summary>
internal static class ConvShapes
{
    public static void CheckConv2d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding)
    {
        const string op = nameof(Tensor.Conv2d);
        CheckCommon(op, input, weight, stride, padding, "[outChannels, inChannels, kh, kw]");
        ReadOnlySpan<int> x = input.Shape, w = weight.Shape;
        if (x[1] != w[1])
            throw new ArgumentException(
                $"{op}: input {Tensor.ShapeText(x)} has {x[1]} channels but weight {Tensor.ShapeText(w)} expects {w[1]} " +
                "(weight is [outChannels, inChannels, kh, kw]).", nameof(weight));
        CheckBias(op, bias, w[0], weight);
        if (x[2] + 2 * padding < w[2] || x[3] + 2 * padding < w[3])
            throw new ArgumentException(
                $"{op}: the {w[2]}x{w[3]} kernel of weight {Tensor.ShapeText(w)} does not fit input {Tensor.ShapeText(x)} " +
                $"padded by {padding} ({x[2] + 2 * padding}x{x[3] + 2 * padding}); the output would be empty. " +
                "Use a larger input, more padding or a smaller kernel.", nameof(input));
    }

    /// <summary>A tap mask is 0 (every tap) or sets bits of the kh·kw window positions only, at most 64 of them.</summary>
    public static void CheckTapMask(ulong tapMask, int kh, int kw)
    {
        if (tapMask == 0) return;
        int window = kh * kw;
        if (window > 64 || (window < 64 && tapMask >> window != 0))
            throw new ArgumentException(
                $"{nameof(Tensor.Conv2d)}: tap mask 0x{tapMask:X} names positions outside the {kh}x{kw} window " +
                "(bit i·kw + j for row i and column j; windows of more than 64 positions take no mask).", nameof(tapMask));
    }

    public static void CheckConvTranspose2d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding, int outputPadding)
    {
        const string op = nameof(Tensor.ConvTranspose2d);
        CheckCommon(op, input, weight, stride, padding, "[inChannels, outChannels, kh, kw] (PyTorch's layout)");
        ReadOnlySpan<int> x = input.Shape, w = weight.Shape;
        if (x[1] != w[0])
            throw new ArgumentException(
                $"{op}: input {Tensor.ShapeText(x)} has {x[1]} channels but weight {Tensor.ShapeText(w)} expects {w[0]} " +
                "(weight is [inChannels, outChannels, kh, kw], PyTorch's layout).", nameof(weight));
        if (outputPadding < 0 || outputPadding >= stride)
            throw new ArgumentOutOfRangeException(nameof(outputPadding), outputPadding,
                $"{op}: outputPadding must be in [0, stride) = [0, {stride}); it only picks between the output sizes that a stride-{stride} convolution maps to the same input size.");
        CheckBias(op, bias, w[1], weight);
        long ho = (long)(x[2] - 1) * stride - 2L * padding + w[2] + outputPadding;
        long wo = (long)(x[3] - 1) * stride - 2L * padding + w[3] + outputPadding;
        if (ho <= 0 || wo <= 0)
            throw new ArgumentException(
                $"{op}: input {Tensor.ShapeText(x)} with weight {Tensor.ShapeText(w)}, stride {stride}, padding {padding} and outputPadding {outputPadding} " +
                $"gives an output of {ho}x{wo}; it must be at least 1x1. Reduce the padding.", nameof(input));
    }

    private static void CheckCommon(string op, Tensor input, Tensor weight, int stride, int padding, string weightLayout)
    {
        if (input.Rank != 4)
            throw new ArgumentException($"{op}: input must be [N, C, H, W]; got {Tensor.ShapeText(input.Shape)}. Reshape a single image to [1, C, H, W].", nameof(input));
        if (weight.Rank != 4)
            throw new ArgumentException($"{op}: weight must be {weightLayout}; got {Tensor.ShapeText(weight.Shape)}.", nameof(weight));
        if (weight.Dim(2) < 1 || weight.Dim(3) < 1)
            throw new ArgumentException($"{op}: weight {Tensor.ShapeText(weight.Shape)} has an empty kernel.", nameof(weight));
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, $"{op}: stride must be at least 1.");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, $"{op}: padding must not be negative.");
    }

    private static void CheckBias(string op, Tensor? bias, int outChannels, Tensor weight)
    {
        if (bias is not null && (bias.Rank != 1 || bias.Dim(0) != outChannels))
            throw new ArgumentException(
                $"{op}: bias must be [{outChannels}] (one value per output channel of weight {Tensor.ShapeText(weight.Shape)}); got {Tensor.ShapeText(bias.Shape)}.", nameof(bias));
    }
}
