using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// 2-D transposed convolution over [B, C, H, W] inputs with weight [C, O, kh, kw] and bias [O], initialised as
/// PyTorch's <c>nn.ConvTranspose2d</c>: weight and bias ~ U(−1/√fanIn, 1/√fanIn) where, as torch computes it from
/// weight dimension 1 of the [C, O, kh, kw] layout, fanIn = O·kh·kw.
/// </summary>
public sealed class ConvTranspose2d : Layer
{
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

    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }
    public int OutputPadding { get; }

    /// <summary>[C, O, kh, kw]</summary>
    public Tensor Weight { get; }

    /// <summary>[O], or null without bias.</summary>
    public Tensor? Bias { get; }

    /// <summary>x [B, C, H, W] → [B, O, (H − 1)s − 2p + k + op, (W − 1)s − 2p + k + op].</summary>
    public override Tensor Forward(Tensor x) => Tensor.ConvTranspose2d(x, Weight, Bias, Stride, Padding, OutputPadding);

    public override string ToString() => $"ConvTranspose2d({InChannels}, {OutChannels}, kernel: {KernelSize}, stride: {Stride}, padding: {Padding}, outputPadding: {OutputPadding})";
}
