using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// 2-D convolution over [B, C, H, W] inputs with weight [O, C, kh, kw] and bias [O], initialised as PyTorch's
/// <c>nn.Conv2d</c>: weight and bias ~ U(−1/√fanIn, 1/√fanIn) with fanIn = C·kh·kw.
/// </summary>
public sealed class Conv2d : Layer, IFusesRelu
{
    /// <summary>A convolution from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels with a square kernel, drawing its weights from <paramref name="rng"/>; throws <see cref="ArgumentOutOfRangeException"/> for sizes below 1 or a negative padding.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, Rng rng, int stride = 1, int padding = 0, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentNullException.ThrowIfNull(rng);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        float bound = Init.UniformBound(inChannels * kernelSize * kernelSize);
        Weight = RegisterParameter("weight", Init.Uniform(rng, bound, outChannels, inChannels, kernelSize, kernelSize));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform(rng, bound, outChannels));
    }

    /// <summary>C, the channels of the input.</summary>
    public int InChannels { get; }
    /// <summary>O, the channels of the output.</summary>
    public int OutChannels { get; }
    /// <summary>k, the side of the square kernel.</summary>
    public int KernelSize { get; }
    /// <summary>s, the step between kernel positions, in pixels.</summary>
    public int Stride { get; }
    /// <summary>p, the zero pixels added on each side of the input.</summary>
    public int Padding { get; }

    /// <summary>[O, C, kh, kw]</summary>
    public Tensor Weight { get; }

    /// <summary>[O], or null without bias.</summary>
    public Tensor? Bias { get; }

    /// <summary>x [B, C, H, W] → [B, O, (H + 2p − k)/s + 1, (W + 2p − k)/s + 1].</summary>
    public override Tensor Forward(Tensor x) => Tensor.Conv2d(x, Weight, Bias, Stride, Padding);

    /// <inheritdoc/>
    Tensor IFusesRelu.ForwardRelu(Tensor x) => Tensor.Conv2d(x, Weight, Bias, Stride, Padding, tapMask: 0, relu: true);

    /// <summary>The layer and its sizes, e.g. <c>Conv2d(1, 32, kernel: 4, stride: 2, padding: 1)</c>.</summary>
    public override string ToString() => $"Conv2d({InChannels}, {OutChannels}, kernel: {KernelSize}, stride: {Stride}, padding: {Padding})";
}
