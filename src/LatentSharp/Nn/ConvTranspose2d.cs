using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// 2-D transposed convolution over [B, C, H, W] inputs with weight [C, O, kh, kw] and bias [O], initialised as
/// PyTorch's <c>nn.ConvTranspose2d</c>: weight and bias ~ U(−1/√fanIn, 1/√fanIn) where, as torch computes it from
/// weight dimension 1 of the [C, O, kh, kw] layout, fanIn = O·kh·kw.
/// </summary>
public sealed class ConvTranspose2d : Layer, IFusesRelu
{
    /// <summary>A transposed convolution from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels with a square kernel, drawing its weights from <paramref name="rng"/>; throws <see cref="ArgumentOutOfRangeException"/> for sizes below 1, a negative padding or an output padding not below the stride.</summary>
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, Rng rng, int stride = 1, int padding = 0, int outputPadding = 0, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfNegative(outputPadding);
        if (outputPadding >= stride)
            throw new ArgumentOutOfRangeException(nameof(outputPadding), outputPadding, $"must be smaller than the stride ({stride}).");
        ArgumentNullException.ThrowIfNull(rng);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        OutputPadding = outputPadding;
        float bound = Init.UniformBound(outChannels * kernelSize * kernelSize);
        Weight = RegisterParameter("weight", Init.Uniform(rng, bound, inChannels, outChannels, kernelSize, kernelSize));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform(rng, bound, outChannels));
    }

    /// <summary>C, the channels of the input.</summary>
    public int InChannels { get; }
    /// <summary>O, the channels of the output.</summary>
    public int OutChannels { get; }
    /// <summary>k, the side of the square kernel.</summary>
    public int KernelSize { get; }
    /// <summary>s, the upsampling step, in output pixels.</summary>
    public int Stride { get; }
    /// <summary>p, the pixels cropped from each side of the full output.</summary>
    public int Padding { get; }
    /// <summary>op, the extra pixels added to one side of the output (below the stride), to reach an exact size.</summary>
    public int OutputPadding { get; }

    /// <summary>[C, O, kh, kw]</summary>
    public Tensor Weight { get; }

    /// <summary>[O], or null without bias.</summary>
    public Tensor? Bias { get; }

    /// <summary>x [B, C, H, W] → [B, O, (H − 1)s − 2p + k + op, (W − 1)s − 2p + k + op].</summary>
    public override Tensor Forward(Tensor x) => Tensor.ConvTranspose2d(x, Weight, Bias, Stride, Padding, OutputPadding);

    /// <inheritdoc/>
    Tensor IFusesRelu.ForwardRelu(Tensor x) => Tensor.ConvTranspose2d(x, Weight, Bias, Stride, Padding, OutputPadding, relu: true);

    /// <summary>The layer and its sizes, e.g. <c>ConvTranspose2d(64, 32, kernel: 4, stride: 2, padding: 1, outputPadding: 0)</c>.</summary>
    public override string ToString() => $"ConvTranspose2d({InChannels}, {OutChannels}, kernel: {KernelSize}, stride: {Stride}, padding: {Padding}, outputPadding: {OutputPadding})";
}
