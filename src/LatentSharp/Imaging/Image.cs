namespace LatentSharp.Imaging;

/// <summary>
/// An 8-bit raster, row-major, top row first: <see cref="Pixels"/> has shape [H, W, C] with C = 1 (gray) or 3 (RGB).
/// Drawing helpers (<see cref="FillRect"/>, <see cref="Blit"/>) clip to the image; pixel accessors throw when out of range.
/// </summary>
public sealed class Image
{
    /// <summary>W, in pixels.</summary>
    public int Width { get; }
    /// <summary>H, in pixels.</summary>
    public int Height { get; }

    /// <summary>1 for grayscale, 3 for RGB.</summary>
    public int Channels { get; }

    /// <summary>[H, W, C] row-major bytes.</summary>
    public byte[] Pixels { get; }

    /// <summary>A new image, all zero (black).</summary>
    public Image(int width, int height, int channels)
        : this(width, height, channels, new byte[CheckedLength(width, height, channels)])
    {
    }

    /// <summary>A new image filled with <paramref name="background"/>.</summary>
    public Image(int width, int height, int channels, Rgb background)
        : this(width, height, channels)
    {
        Fill(background);
    }

    /// <summary>Wraps <paramref name="pixels"/> ([H, W, C] row-major) without copying.</summary>
    public Image(int width, int height, int channels, byte[] pixels)
    {
        int length = CheckedLength(width, height, channels);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != length)
            throw new ArgumentException($"A {width}x{height} image with {channels} channel(s) needs {length} bytes, got {pixels.Length}.", nameof(pixels));
        (Width, Height, Channels, Pixels) = (width, height, channels, pixels);
    }

    /// <summary>
    /// An image from float intensities in [0, 1], shape [H, W, C] row-major; values are clamped, NaN becomes 0,
    /// and v maps to round(255 v).
    /// </summary>
    public static Image FromFloats(ReadOnlySpan<float> values, int width, int height, int channels = 1)
    {
        var image = new Image(width, height, channels);
        if (values.Length != image.Pixels.Length)
            throw new ArgumentException($"A {width}x{height} image with {channels} channel(s) needs {image.Pixels.Length} values, got {values.Length}.", nameof(values));
        for (int i = 0; i < values.Length; i++) image.Pixels[i] = ToByte(values[i]);
        return image;
    }

    /// <summary>
    /// An image from channel-planar float intensities [C, H, W] in [0, 1], the layout of data sets and models (C = 1: grey,
    /// C = 3: the red, green and blue planes in that order); values map as in <see cref="FromFloats"/>.
    /// </summary>
    public static Image FromPlanes(ReadOnlySpan<float> planes, int channels, int height, int width)
    {
        var image = new Image(width, height, channels);
        if (planes.Length != image.Pixels.Length)
            throw new ArgumentException($"A {channels}x{height}x{width} image needs {image.Pixels.Length} values, got {planes.Length}.", nameof(planes));
        int plane = height * width;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> source = planes.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++) image.Pixels[i * channels + c] = ToByte(source[i]);   // [C, H, W] → [H, W, C]
        }
        return image;
    }

    /// <summary>The colour at column <paramref name="x"/>, row <paramref name="y"/> (grey for a grayscale image); throws <see cref="ArgumentOutOfRangeException"/> outside the image.</summary>
    public Rgb GetPixel(int x, int y)
    {
        int i = Offset(x, y);
        return Channels == 1 ? Rgb.Gray(Pixels[i]) : new Rgb(Pixels[i], Pixels[i + 1], Pixels[i + 2]);
    }

    /// <summary>Sets one pixel; on a grayscale image the colour's <see cref="Rgb.Luma"/> is stored.</summary>
    public void SetPixel(int x, int y, Rgb color) => Store(Offset(x, y), color);

    /// <summary>Paints the whole image <paramref name="color"/>.</summary>
    public void Fill(Rgb color) => FillRect(0, 0, Width, Height, color);

    /// <summary>Fills the rectangle [x, x + width) × [y, y + height), clipped to the image.</summary>
    public void FillRect(int x, int y, int width, int height, Rgb color)
    {
        int x0 = Math.Max(x, 0), y0 = Math.Max(y, 0);
        int x1 = (int)Math.Min((long)x + width, Width), y1 = (int)Math.Min((long)y + height, Height);
        for (int row = y0; row < y1; row++)
            for (int col = x0; col < x1; col++)
                Store((row * Width + col) * Channels, color);
    }

    /// <summary>
    /// Copies <paramref name="source"/> with its top-left corner at (x, y), clipped to this image.
    /// Gray onto RGB replicates the level; RGB onto gray stores luma.
    /// </summary>
    public void Blit(Image source, int x, int y)
    {
        ArgumentNullException.ThrowIfNull(source);
        int x0 = Math.Max(x, 0), y0 = Math.Max(y, 0);
        int x1 = (int)Math.Min((long)x + source.Width, Width), y1 = (int)Math.Min((long)y + source.Height, Height);
        if (x0 >= x1) return;
        for (int row = y0; row < y1; row++)
        {
            if (source.Channels == Channels)
            {
                int n = (x1 - x0) * Channels;
                Array.Copy(source.Pixels, source.Offset(x0 - x, row - y), Pixels, (row * Width + x0) * Channels, n);
                continue;
            }
            for (int col = x0; col < x1; col++)
                Store((row * Width + col) * Channels, source.GetPixel(col - x, row - y));
        }
    }

    /// <summary>A new image <paramref name="factor"/> times larger in each direction (nearest neighbour).</summary>
    public Image Upscale(int factor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        var result = new Image(Width * factor, Height * factor, Channels);
        int c = Channels, outStride = result.Width * c;
        for (int y = 0; y < Height; y++)
        {
            int outRow = y * factor * outStride;
            for (int x = 0; x < Width; x++)
                for (int f = 0; f < factor; f++)
                    Array.Copy(Pixels, (y * Width + x) * c, result.Pixels, outRow + (x * factor + f) * c, c);
            for (int f = 1; f < factor; f++)
                Array.Copy(result.Pixels, outRow, result.Pixels, outRow + f * outStride, outStride);
        }
        return result;
    }

    /// <summary>This image as RGB (a copy, also when it is RGB already).</summary>
    public Image ToRgb()
    {
        if (Channels == 3) return new Image(Width, Height, 3, (byte[])Pixels.Clone());
        var result = new Image(Width, Height, 3);
        for (int i = 0; i < Pixels.Length; i++)
            result.Pixels[3 * i] = result.Pixels[3 * i + 1] = result.Pixels[3 * i + 2] = Pixels[i];
        return result;
    }

    internal static byte ToByte(float v) => v >= 1f ? (byte)255 : v > 0f ? (byte)MathF.Round(v * 255f) : (byte)0;   // NaN fails both tests: 0

    private void Store(int offset, Rgb color)
    {
        if (Channels == 1)
        {
            Pixels[offset] = color.Luma;
            return;
        }
        Pixels[offset] = color.R;
        Pixels[offset + 1] = color.G;
        Pixels[offset + 2] = color.B;
    }

    private int Offset(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"Pixel ({x}, {y}) is outside the {Width}x{Height} image.");
        return (y * Width + x) * Channels;
    }

    private static int CheckedLength(int width, int height, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), $"An image has 1 (gray) or 3 (RGB) channels, got {channels}.");
        long length = (long)width * height * channels;
        if (length > Array.MaxLength) throw new ArgumentException($"A {width}x{height}x{channels} image is too large.");
        return (int)length;
    }
}
