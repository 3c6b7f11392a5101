using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// An autoregressive p(x | z) for binarized single-channel images, PixelVAE-style (Gulrajani et al. 2017): pixels in
/// raster order, x_i ~ Bernoulli(σ(logit_i)), where logit_i sees the decoder's h feature maps f at pixel i and the pixels
/// before i. The decoder gives h channels per pixel instead of one logit:
/// <code>
/// a = MaskedConv 7×7 type A (1 → h) → N masked residual blocks (3×3 type B)     x [B, 1, H, W] → [B, h, H, W]   once per image
/// logits = Conv1×1 (h → 1)(ReLU(Conv1×1 (h → h)(ReLU(a + f))))                  f [S·B, h, H, W] → [S·B, H·W]
/// </code>
/// The code carries the image's global shape through f; the masked layers model what it leaves out, the local texture
/// the pixels before i predict. Every layer is causal (as in the PixelCNN), so this is a normalized likelihood. With S
/// decoder outputs per image the pixel layers run once per image and their features are tiled.
/// <para>
/// With the code into the blocks (<c>codeIntoBlocks</c>), f is added to the 7×7 layer's output instead, so every masked
/// block combines the code with the pixels before it (a conditional PixelCNN, van den Oord et al. 2016); f depends on z
/// alone, so causality holds as before. The blocks then run once per decoder output rather than once per image.
/// </para>
/// <para>
/// <see cref="Mean"/> and <see cref="Sample"/> run pixel by pixel (H·W passes over the rows down to the pixel's own).
/// E[x | z] has no closed form here: <see cref="Mean"/> shows the probabilities σ(logit_i) = E[x_i | x_&lt;i, z] along one
/// path drawn with the fixed seed <see cref="MeanSeed"/> (deterministic, and shaped like a sample; the greedy path, each
/// pixel 1 when its probability is at least ½, stays almost black, as the background predicts more background);
/// <see cref="Sample"/> draws every pixel.
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
    private readonly Conv2d _hidden, _output;
    private readonly int _height, _width;
    private readonly bool _codeIntoBlocks;

    /// <summary>
    /// h = <paramref name="channels"/> feature maps, <paramref name="blocks"/> residual blocks, images of height × width; the
    /// decoder's maps enter before the blocks when <paramref name="codeIntoBlocks"/>, after them otherwise.
    /// </summary>
    public PixelCnnObservation(int channels, int blocks, int height, int width, Rng rng, bool codeIntoBlocks = false)
    {
        if (channels < 2) throw new ArgumentOutOfRangeException(nameof(channels), channels, "The pixelcnn likelihood needs at least 2 feature channels.");
        ArgumentOutOfRangeException.ThrowIfNegative(blocks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentNullException.ThrowIfNull(rng);
        Channels = channels;
        _height = height;
        _width = width;
        _codeIntoBlocks = codeIntoBlocks;
        _input = RegisterModule("input", new MaskedConv2d(1, channels, FirstKernel, MaskType.A, rng));
        _blocks = new MaskedResidualBlock[blocks];
        for (int i = 0; i < blocks; i++) _blocks[i] = RegisterModule($"block{i + 1}", new MaskedResidualBlock(channels, rng));
        _hidden = RegisterModule("hidden", new Conv2d(channels, channels, 1, rng));
        _output = RegisterModule("output", new Conv2d(channels, 1, 1, rng));
    }

    /// <inheritdoc/>
    public string Name => "pixelcnn";

    /// <summary>h: the decoder must give h feature maps per image, [B, h·H·W].</summary>
    public int Channels { get; }

    /// <inheritdoc/>
    public Tensor LogProb(Tensor x, Tensor output)
    {
        int draws = IObservationModel.DrawsPerImage(x, output), b = x.Dim(0), d = _height * _width;
        if (x.Dim(1) != d) throw new ArgumentException($"The pixelcnn likelihood models {_height}x{_width} images [B, {d}]; got {x}.", nameof(x));
        CheckOutput(output);
        Tensor logits = Logits(x.Reshape(b, 1, _height, _width), output.Reshape(draws * b, Channels, _height, _width), draws);
        return logits.BinaryCrossEntropyWithLogits(x.Tile(draws)).Sum(1).Negate();
    }

    /// <inheritdoc/>
    public Tensor Mean(Tensor output)
    {
        var probabilities = new float[CheckOutput(output) * _height * _width];
        Generate(output, new Rng(MeanSeed), probabilities);
        return Tensor.FromArray(probabilities, output.Dim(0), _height * _width);
    }

    /// <inheritdoc/>
    public Tensor Sample(Tensor output, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int n = CheckOutput(output);
        return Tensor.FromArray(Generate(output, rng, []), n, _height * _width);
    }

    /// <summary>
    /// The logits of the rows the images hold: all of them, or the first rows while generating (every layer is causal, so
    /// those equal the first rows of the whole image's logits). images [B, 1, rows, W], f [S·B, h, rows, W] → [S·B, rows·W]
    /// </summary>
    private Tensor Logits(Tensor images, Tensor features, int draws)
    {
        Tensor a = _input.Forward(images);
        if (_codeIntoBlocks) a = a.Tile(draws) + features;
        foreach (MaskedResidualBlock block in _blocks) a = block.Forward(a);
        if (!_codeIntoBlocks) a = a.Tile(draws) + features;
        Tensor h = _hidden.Forward(a.Relu()).Relu();
        return _output.Forward(h).Reshape(features.Dim(0), features.Dim(2) * _width);
    }

    /// <summary>One image per decoder output, drawn pixel by pixel; the pixels' probabilities go to <paramref name="probabilities"/> unless it is empty.</summary>
    private float[] Generate(Tensor output, Rng rng, Span<float> probabilities)
    {
        int n = output.Dim(0), d = _height * _width, group = Math.Max(1, GroupFloats / (Channels * d));
        var images = new float[n * d];
        for (int first = 0; first < n; first += group)
        {
            int count = Math.Min(group, n - first);
            Tensor features = Tensor.FromArray(output.Data.AsSpan(first * Channels * d, count * Channels * d).ToArray(), count, Channels, _height, _width);
            RasterOrder.Fill(images.AsSpan(first * d, count * d), count, _height, _width,
                (top, rows) => Logits(top.Reshape(count, 1, rows, _width), rows == _height ? features : features.Slice(2, 0, rows), 1),
                rng, probabilities.IsEmpty ? default : probabilities.Slice(first * d, count * d));
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
