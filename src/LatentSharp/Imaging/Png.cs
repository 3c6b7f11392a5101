using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using LatentSharp.Imaging.Internal;

namespace LatentSharp.Imaging;

/// <summary>
/// A small PNG codec for 8-bit grayscale and RGB images: IHDR, one IDAT, IEND; non-interlaced.
/// The encoder picks a filter per row (smallest sum of absolute differences); the decoder reads all five filter types.
/// </summary>
public static class Png
{
    /// <summary>The 8-byte PNG signature: 89 50 4E 47 0D 0A 1A 0A.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private const byte ColorTypeGray = 0, ColorTypeRgb = 2;

    /// <summary>Encodes <paramref name="image"/> as a PNG file (bytes).</summary>
    public static byte[] Encode(Image image) => Encode(image, forcedFilter: null);

    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/> atomically: a temp file in the same folder, then a rename over the target.</summary>
    public static void Write(string path, Image image)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = Encode(image);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Reads a PNG file written by <see cref="Write"/> (or any 8-bit gray/RGB non-interlaced PNG).</summary>
    public static Image Read(string path) => Decode(File.ReadAllBytes(path));

    /// <summary>
    /// Decodes an 8-bit grayscale or RGB, non-interlaced PNG (all five filter types; IDAT may be split).
    /// Chunk CRCs are checked; ancillary chunks are skipped.
    /// </summary>
    public static Image Decode(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual(Signature))
            throw new InvalidPngException("Not a PNG file: the first 8 bytes are not the PNG signature.");

        int width = 0, height = 0, channels = 0;
        bool sawHeader = false, sawEnd = false;
        using var idat = new MemoryStream();
        int pos = 8;
        while (!sawEnd)
        {
            if (pos + 12 > png.Length) throw new InvalidPngException("The PNG file is truncated: it ends before its IEND chunk.");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            if (length > int.MaxValue || pos + 12 + (long)length > png.Length)
                throw new InvalidPngException($"The PNG file is truncated: a chunk at byte {pos} claims {length} bytes.");
            ReadOnlySpan<byte> typeAndData = png.AsSpan(pos + 4, 4 + (int)length);
            uint storedCrc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + (int)length));
            string type = Encoding.ASCII.GetString(typeAndData[..4]);
            if (Crc32.Compute(typeAndData) != storedCrc)
                throw new InvalidPngException($"The PNG file is corrupt: chunk {type} at byte {pos} fails its CRC check.");
            ReadOnlySpan<byte> data = typeAndData[4..];

            switch (type)
            {
                case "IHDR":
                    (width, height, channels) = ReadHeader(data);
                    sawHeader = true;
                    break;
                case "IDAT":
                    if (!sawHeader) throw new InvalidPngException("The PNG file is corrupt: IDAT comes before IHDR.");
                    idat.Write(data);
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
                default:
                    if ((typeAndData[0] & 0x20) == 0)   // upper-case first letter: critical chunk, e.g. PLTE
                        throw new InvalidPngException($"Unsupported PNG: critical chunk {type}. Only 8-bit gray and RGB images are read.");
                    break;
            }
            pos += 12 + (int)length;
        }
        if (!sawHeader) throw new InvalidPngException("The PNG file is corrupt: it has no IHDR chunk.");

        int stride = width * channels;
        byte[] filtered = Inflate(idat, checked((stride + 1) * height));
        var image = new Image(width, height, channels);
        byte[] prior = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            var filter = (PngFilter)filtered[y * (stride + 1)];
            Span<byte> row = filtered.AsSpan(y * (stride + 1) + 1, stride);
            PngFilters.Reverse(filter, row, prior, channels);
            row.CopyTo(image.Pixels.AsSpan(y * stride));
            row.CopyTo(prior);
        }
        return image;
    }

    /// <summary>Encodes with every row filtered by <paramref name="forcedFilter"/>, or the per-row best choice when null (tests use the forced form).</summary>
    internal static byte[] Encode(Image image, PngFilter? forcedFilter)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var output = new MemoryStream();
        output.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)image.Width);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)image.Height);
        header[8] = 8;                                                    // bit depth
        header[9] = image.Channels == 1 ? ColorTypeGray : ColorTypeRgb;
        header[10] = header[11] = header[12] = 0;                        // deflate, adaptive filtering, no interlace
        WriteChunk(output, "IHDR", header);
        WriteChunk(output, "IDAT", Deflate(FilterScanlines(image, forcedFilter)));
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>The raw filtered scanlines: per row one filter-type byte, then W*C filtered bytes.</summary>
    internal static byte[] FilterScanlines(Image image, PngFilter? forcedFilter)
    {
        int stride = image.Width * image.Channels, bpp = image.Channels;
        byte[] result = new byte[(stride + 1) * image.Height];
        byte[] prior = new byte[stride], scratch = new byte[stride];
        for (int y = 0; y < image.Height; y++)
        {
            ReadOnlySpan<byte> row = image.Pixels.AsSpan(y * stride, stride);
            Span<byte> output = result.AsSpan(y * (stride + 1) + 1, stride);
            PngFilter filter = forcedFilter ?? PngFilters.ApplyBest(row, prior, bpp, output, scratch);
            if (forcedFilter is not null) PngFilters.Apply(filter, row, prior, bpp, output);
            result[y * (stride + 1)] = (byte)filter;
            row.CopyTo(prior);
        }
        return result;
    }

    internal static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        output.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        output.Write(typeBytes);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Append(Crc32.Compute(typeBytes), data));
        output.Write(word);
    }

    private static byte[] Deflate(byte[] raw)
    {
        using var buffer = new MemoryStream();
        using (var zlib = new ZLibStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
            zlib.Write(raw);
        return buffer.ToArray();
    }

    private static byte[] Inflate(MemoryStream compressed, int expectedLength)
    {
        compressed.Position = 0;
        byte[] raw = new byte[expectedLength];
        try
        {
            using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
            zlib.ReadExactly(raw);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new InvalidPngException($"The PNG image data is corrupt or short: expected {expectedLength} bytes of scanlines.", e);
        }
        return raw;
    }

    private static (int Width, int Height, int Channels) ReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length != 13) throw new InvalidPngException($"The PNG file is corrupt: IHDR has {data.Length} bytes, not 13.");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(data), height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        byte bitDepth = data[8], colorType = data[9], interlace = data[12];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            throw new InvalidPngException($"The PNG file is corrupt: size {width}x{height}.");
        int channels = colorType switch { ColorTypeGray => 1, ColorTypeRgb => 3, _ => 0 };
        if (bitDepth != 8 || channels == 0)
            throw new InvalidPngException($"Unsupported PNG: bit depth {bitDepth}, colour type {colorType}. Only 8-bit gray (type 0) and RGB (type 2) are read; re-save the file as such.");
        if (interlace != 0) throw new InvalidPngException("Unsupported PNG: Adam7 interlacing. Re-save the file non-interlaced.");
        if (data[10] != 0 || data[11] != 0) throw new InvalidPngException("The PNG file is corrupt: unknown compression or filter method.");
        return ((int)width, (int)height, channels);
    }
}
