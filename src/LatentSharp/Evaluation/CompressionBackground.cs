using LatentSharp.Imaging;

namespace LatentSharp.Evaluation;

/// <summary>
/// A background model of the likelihood-ratio outlier score that is a lossless compressor: log p_background(x) = −L(x),
/// where L(x) is the length in nats of x encoded as a PNG file (8-bit grayscale, per-row filters, deflate at its smallest
/// setting). Shapes: <c>B</c> rows of <c>D</c> = height · width pixels.
/// </summary>
/// <remarks>
/// This is the input-complexity correction of Serrà et al. (2020), "Input complexity and out-of-distribution detection
/// with likelihood-based generative models": S(x) = −log p_model(x) − L(x). A compressor is a universal model of "simple"
/// images; subtracting its code length removes the part of the likelihood that comes from the image being simple
/// (e.g. mostly black) and keeps what the model knows beyond generic image regularities. Nothing is fitted.
/// L(x) = 8 · bytes · ln 2; the PNG signature and chunk headers add the same number of bytes to every image, so they only
/// shift all scores by one constant and cancel in any ranking. Lengths come in whole bytes (8 ln 2 ≈ 5.5 nats), a coarse
/// but deterministic grid. Intensities in [0, 1] are stored as round(255 x); binary images become 0 / 255.
/// </remarks>
public sealed class CompressionBackground
{
    /// <summary>
    /// A background for images of <paramref name="width"/> × <paramref name="height"/> pixels of <paramref name="channels"/>
    /// channels (1: grey, 3: colour), laid out channel-planar [C, H, W] as the data sets hold them.
    /// </summary>
    public CompressionBackground(int width, int height, int channels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "PNG images here are grey (1) or colour (3).");
        Width = width;
        Height = height;
        Channels = channels;
    }

    /// <summary>W, the image width in pixels.</summary>
    public int Width { get; }

    /// <summary>H, the image height in pixels.</summary>
    public int Height { get; }

    /// <summary>C: 1 for grey, 3 for colour.</summary>
    public int Channels { get; }

    /// <summary>D = C·H·W, the values of one image.</summary>
    public int Dimensions => Channels * Width * Height;

    /// <summary>L(x), the compressed length of one image [D] in bytes (PNG file, headers included).</summary>
    public int CompressedBytes(ReadOnlySpan<float> image)
    {
        if (image.Length != Dimensions)
            throw new ArgumentException($"A {Channels}x{Height}x{Width} image needs {Dimensions} values, got {image.Length}.", nameof(image));
        return Png.Encode(Image.FromPlanes(image, Channels, Height, Width)).Length;
    }

    /// <summary>log p_background(x) = −L(x) per row of <paramref name="x"/> [b, D]: [b], in nats.</summary>
    public double[] LogLikelihood(float[] x, int b)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfNegative(b);
        int d = Dimensions;
        if (x.Length < (long)b * d) throw new ArgumentException($"{b} rows of {d} need {(long)b * d} values, got {x.Length}.", nameof(x));
        var result = new double[b];
        for (int i = 0; i < b; i++)
            result[i] = -8 * Math.Log(2) * CompressedBytes(x.AsSpan(i * d, d));
        return result;
    }
}
