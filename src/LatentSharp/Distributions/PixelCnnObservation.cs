using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// An autoregressive p(x | z) for images, PixelVAE-style (Gulrajani et al. 2017): pixels in raster order and, within a
/// pixel, sub-pixels in channel order (R → G → B), each pixel's distribution given by a <see cref="PixelHead"/> from P
/// outputs that see the decoder's h feature maps f at the pixel and the pixels before it. The decoder gives h channels per
/// pixel instead of the head's parameters:
/// <code>
/// a = MaskedConv 7×7 type A (C → h) → N masked residual blocks (3×3 type B)      x [B, C, H, W] → [B, h, H, W]   once per image
/// outputs = Conv1×1 (h → P)(ReLU(Conv1×1 (h → h)(ReLU(a + f))))                   f [S·B, h, H, W] → [S·B, P·H·W]
/// </code>
/// The head: <see cref="BernoulliPixelHead"/> (binarized single-channel images, P = 1 logit, the default),
/// <see cref="CategoricalPixelHead"/> (8-bit images, 256 logits per sub-pixel; with C &gt; 1 every layer is masked by
/// channel group, the 1×1s as type B, so sub-pixel c's logits see sub-pixels &lt; c of their own pixel) or
/// <see cref="LogisticMixturePixelHead"/> (8-bit images, PixelCNN++'s mixture per pixel; its outputs see the earlier pixels
/// only, the coupling orders the channels). Only the image input is masked: f depends on z alone and reaches every output.
/// The code carries the image's global shape through f; the masked layers model what it leaves out, the local texture
/// the pixels before i predict. Every layer is causal (as in the PixelCNN), so this is a normalized likelihood, of the
/// binary pixels or of the 8-bit values themselves (<see cref="IsDiscrete8Bit"/>). With S decoder outputs per image the
/// pixel layers run once per image and their features are tiled.
/// <para>
/// With the code into the blocks (<c>codeIntoBlocks</c>), f is added to the 7×7 layer's output instead, so every masked
/// block combines the code with the pixels before it (a conditional PixelCNN, van den Oord et al. 2016); f depends on z
/// alone, so causality holds as before. The blocks then run once per decoder output rather than once per image.
/// </para>
/// <para>
/// <see cref="Mean"/> and <see cref="Sample"/> run pixel by pixel (H·W passes over the rows down to the pixel's own) and,
/// for the categorical head, sub-pixel by sub-pixel (C passes per pixel). E[x | z] has no closed form here:
/// <see cref="Mean"/> shows, along one path drawn with the fixed seed <see cref="MeanSeed"/> (deterministic, and shaped
/// like a sample), the probabilities σ(logit_i) = E[x_i | x_&lt;i, z] of the Bernoulli head (the greedy path, each pixel 1
/// when its probability is at least ½, stays almost black, as the background predicts more background), and the drawn
/// values themselves for the 8-bit heads; <see cref="Sample"/> draws every pixel.
/// </para>
/// </summary>
public sealed class PixelCnnObservation : Module, IObservationModel
{
    private const int FirstKernel = 7;

    /// <summary>The seed of the path along which <see cref="Mean"/> shows the pixel probabilities.</summary>
    internal const ulong MeanSeed = 0x9E3779B97F4A7C15;

    // Mean and Sample run on groups of images whose h feature maps hold at most this many floats (16 MB).
    private const int GroupFloats = 4 << 20;

    private readonly MaskedConv2d _input;
    private readonly MaskedResidualBlock[] _blocks;
    private readonly Layer _hidden, _output;
    private readonly int _height, _width;
    private readonly bool _codeIntoBlocks;

    /// <summary>
    /// h = <paramref name="channels"/> feature maps, <paramref name="blocks"/> residual blocks, images of height × width
    /// and of <paramref name="head"/>'s channels (null: the Bernoulli head of binarized single-channel images); the
    /// decoder's maps enter before the blocks when <paramref name="codeIntoBlocks"/>, after them otherwise.
    /// </summary>
    public PixelCnnObservation(int channels, int blocks, int height, int width, Rng rng, bool codeIntoBlocks = false, PixelHead? head = null)
    {
        if (channels < 2) throw new ArgumentOutOfRangeException(nameof(channels), channels, "The pixelcnn likelihood needs at least 2 feature channels.");
        ArgumentOutOfRangeException.ThrowIfNegative(blocks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentNullException.ThrowIfNull(rng);
        Channels = channels;
        Head = head ?? new BernoulliPixelHead();
        _height = height;
        _width = width;
        _codeIntoBlocks = codeIntoBlocks;
        int groups = Head.ChannelGroups;
        // With one group (Bernoulli, logistic mixture, grey categorical) the 1×1s are plain convolutions, as they always were.
        _input = RegisterModule("input", new MaskedConv2d(Head.Channels, channels, FirstKernel, MaskType.A, rng, groups));
        _blocks = new MaskedResidualBlock[blocks];
        for (int i = 0; i < blocks; i++) _blocks[i] = RegisterModule($"block{i + 1}", new MaskedResidualBlock(channels, rng, groups));
        _hidden = RegisterModule("hidden", MaskedResidualBlock.Pointwise(channels, channels, groups, rng));
        _output = RegisterModule("output", MaskedResidualBlock.Pointwise(channels, Head.OutputsPerPixel, groups, rng));
    }

    /// <inheritdoc/>
    public string Name => "pixelcnn";

    /// <summary>h: the decoder must give h feature maps per image, [B, h·H·W].</summary>
    public int Channels { get; }

    /// <summary>What the P outputs of a pixel mean: its distribution, log-probability and sampler.</summary>
    public PixelHead Head { get; }

    /// <summary>True for the 8-bit heads: <see cref="LogProb"/> is then of the values v = round(255·x) themselves.</summary>
    public bool IsDiscrete8Bit => Head is not BernoulliPixelHead;

    private int Dimensions => Head.Channels * _height * _width;

    /// <inheritdoc/>
    public Tensor LogProb(Tensor x, Tensor output)
    {
        Tensor outputs = Outputs(x, output);                                      // [S·B, P·H·W]
        return Head.LogProb(x.Tile(outputs.Dim(0) / x.Dim(0)), outputs);
    }

    /// <summary>
    /// The head's P outputs of every pixel given the decoder output and the sub-pixels before it (the Bernoulli head's are
    /// the logits), for S decoder outputs per image laid out sample-major. x [B, C·H·W], output [S·B, h·H·W] → [S·B, P·H·W]
    /// </summary>
    public Tensor Outputs(Tensor x, Tensor output)
    {
        int draws = IObservationModel.DrawsPerImage(x, output), b = x.Dim(0), d = Dimensions;
        if (x.Dim(1) != d) throw new ArgumentException($"The pixelcnn likelihood models {Head.Channels}x{_height}x{_width} images [B, {d}]; got {x}.", nameof(x));
        CheckOutput(output);
        Tensor outputs = OutputsOf(x.Reshape(b, Head.Channels, _height, _width), output.Reshape(draws * b, Channels, _height, _width), draws);
        return outputs.Reshape(draws * b, Head.OutputsPerPixel * _height * _width);
    }

    /// <inheritdoc/>
    public Tensor Mean(Tensor output)
    {
        int n = CheckOutput(output);
        if (IsDiscrete8Bit) return Tensor.FromArray(Generate(output, new Rng(MeanSeed), []), n, Dimensions);
        var probabilities = new float[n * Dimensions];
        Generate(output, new Rng(MeanSeed), probabilities);
        return Tensor.FromArray(probabilities, n, Dimensions);
    }

    /// <inheritdoc/>
    public Tensor Sample(Tensor output, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int n = CheckOutput(output);
        return Tensor.FromArray(Generate(output, rng, []), n, Dimensions);
    }

    /// <summary>
    /// The head's outputs for the rows the images hold: all of them, or the first rows while generating (every layer is
    /// causal, so those equal the first rows of the whole image's outputs). images [B, C, rows, W], f [S·B, h, rows, W] →
    /// [S·B, P, rows, W]
    /// </summary>
    private Tensor OutputsOf(Tensor images, Tensor features, int draws)
    {
        Tensor a = _input.Forward(images);
        if (_codeIntoBlocks) a = a.Tile(draws) + features;
        foreach (MaskedResidualBlock block in _blocks) a = block.Forward(a);
        if (!_codeIntoBlocks) a = a.Tile(draws) + features;
        Tensor h = _hidden.Forward(a.Relu()).Relu();
        return _output.Forward(h);
    }

    /// <summary>
    /// One image per decoder output, drawn pixel by pixel (and sub-pixel by sub-pixel); the Bernoulli pixels' probabilities
    /// go to <paramref name="probabilities"/> unless it is empty.
    /// </summary>
    private float[] Generate(Tensor output, Rng rng, Span<float> probabilities)
    {
        int n = output.Dim(0), plane = _height * _width, d = Dimensions;
        int group = Math.Max(1, GroupFloats / (Math.Max(Channels, Head.OutputsPerPixel) * plane));
        var images = new float[n * d];
        for (int first = 0; first < n; first += group)
        {
            int count = Math.Min(group, n - first);
            Tensor features = Tensor.FromArray(output.Data.AsSpan(first * Channels * plane, count * Channels * plane).ToArray(), count, Channels, _height, _width);
            Tensor FeaturesOf(int rows) => rows == _height ? features : features.Slice(2, 0, rows);
            if (Head is BernoulliPixelHead)
                RasterOrder.Fill(images.AsSpan(first * d, count * d), count, _height, _width,
                    (top, rows) => OutputsOf(top.Reshape(count, 1, rows, _width), FeaturesOf(rows), 1).Reshape(count, rows * _width),
                    rng, probabilities.IsEmpty ? default : probabilities.Slice(first * d, count * d));
            else
                Head.Fill(images.AsSpan(first * d, count * d), count, _height, _width, (top, rows) => OutputsOf(top, FeaturesOf(rows), 1), rng);
        }
        return images;
    }

    /// <summary>The number of decoder outputs; throws unless they are rows of h·H·W features.</summary>
    private int CheckOutput(Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        int width = Channels * _height * _width;
        if (output.Rank != 2 || output.Dim(1) != width)
            throw new ArgumentException($"The pixelcnn likelihood takes {Channels} feature maps of {_height}x{_width} per image from the decoder, [B, {width}]; got {output}.", nameof(output));
        return output.Dim(0);
    }
}
