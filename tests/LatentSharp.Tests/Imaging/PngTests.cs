using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using LatentSharp.Imaging;
using LatentSharp.Imaging.Internal;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Imaging;

public class PngTests
{
    public static TheoryData<int, int, int> Sizes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int channels in new[] { 1, 3 })
            foreach ((int w, int h) in new[] { (1, 1), (7, 3), (28, 28), (100, 37) })
                data.Add(w, h, channels);
        return data;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Decode_OfEncodedRandomImage_ReturnsSamePixels(int width, int height, int channels)
    {
        Image image = RandomImage(width, height, channels, seed: 11);
        Image decoded = Png.Decode(Png.Encode(image));
        AssertSameImage(image, decoded);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Decode_OfSmoothImage_ReturnsSamePixels(int width, int height, int channels)
    {
        // Gradients make the encoder pick Sub/Up/Average/Paeth rather than None.
        var image = new Image(width, height, channels);
        for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = (byte)(i / channels % width * 3 + i / (width * channels) * 5 + i % channels * 40);
        AssertSameImage(image, Png.Decode(Png.Encode(image)));
    }

    [Theory]
    [InlineData(0)]   // None
    [InlineData(1)]   // Sub
    [InlineData(2)]   // Up
    [InlineData(3)]   // Average
    [InlineData(4)]   // Paeth
    public void Decode_WithEveryRowUsingOneFilter_ReturnsSamePixels(byte filterType)
    {
        var filter = (PngFilter)filterType;
        foreach (int channels in new[] { 1, 3 })
        {
            Image image = RandomImage(13, 9, channels, seed: 5);
            byte[] png = Png.Encode(image, filter);
            AssertSameImage(image, Png.Decode(png));
            byte[] scanlines = InflateIdat(png);
            for (int y = 0; y < image.Height; y++) Assert.Equal((byte)filter, scanlines[y * (13 * channels + 1)]);
        }
    }

    [Fact]
    public void Encode_Always_StartsWithPngSignature()
    {
        byte[] png = Png.Encode(new Image(3, 2, 1));
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
    }

    [Fact]
    public void Crc32_OfKnownInputs_MatchesPublishedValues()
    {
        Assert.Equal(0xAE426082u, Crc32.Compute("IEND"u8));          // every PNG ends with this CRC
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));     // the CRC-32 check value
        Assert.Equal(0u, Crc32.Compute([]));
        Assert.Equal(Crc32.Compute("IHDRabc"u8), Crc32.Append(Crc32.Compute("IHDR"u8), "abc"u8));
    }

    [Fact]
    public void Encode_Always_EndsWithTheCanonicalIendChunk()
    {
        byte[] png = Png.Encode(new Image(5, 5, 3));
        Assert.Equal(Convert.FromHexString("0000000049454E44AE426082"), png[^12..]);
    }

    [Fact]
    public void Encode_EveryChunk_HasLengthTypeDataAndCorrectCrc()
    {
        byte[] png = Png.Encode(RandomImage(28, 28, 1, seed: 3));
        var types = new List<string>();
        for (int pos = 8; pos < png.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            types.Add(Encoding.ASCII.GetString(png, pos + 4, 4));
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            Assert.Equal(Crc32.Compute(png.AsSpan(pos + 4, 4 + length)), crc);
            pos += 12 + length;
        }
        Assert.Equal(["IHDR", "IDAT", "IEND"], types);
    }

    [Fact]
    public void Encode_Header_DescribesSizeBitDepthAndColourType()
    {
        byte[] gray = Png.Encode(new Image(100, 37, 1)), rgb = Png.Encode(new Image(7, 3, 3));
        Assert.Equal(Convert.FromHexString("0000000D49484452" + "00000064" + "00000025" + "0800000000"), gray[8..(8 + 8 + 13)]);
        Assert.Equal(Convert.FromHexString("00000007" + "00000003" + "0802000000"), rgb[16..29]);
    }

    [Fact]
    public void Idat_InflatedWithZLibStream_IsTheRawFilteredScanlines()
    {
        Image image = RandomImage(7, 3, 3, seed: 9);
        byte[] scanlines = InflateIdat(Png.Encode(image));
        Assert.Equal(Png.FilterScanlines(image, forcedFilter: null), scanlines);
        Assert.Equal((7 * 3 + 1) * 3, scanlines.Length);

        byte[] unfiltered = InflateIdat(Png.Encode(image, PngFilter.None));
        for (int y = 0; y < 3; y++)
        {
            Assert.Equal(0, unfiltered[y * 22]);
            Assert.Equal(image.Pixels.AsSpan(y * 21, 21), unfiltered.AsSpan(y * 22 + 1, 21));
        }
    }

    [Fact]
    public void Decode_WithFlippedDataByte_ThrowsInvalidPngNamingTheChunk()
    {
        byte[] png = Png.Encode(RandomImage(4, 4, 1, seed: 1));
        png[8 + 8 + 2] ^= 0xFF;   // inside IHDR's data
        var e = Assert.Throws<InvalidPngException>(() => Png.Decode(png));
        Assert.Contains("IHDR", e.Message);
    }

    [Fact]
    public void Decode_OfNonPng_ThrowsInvalidPng()
    {
        Assert.Throws<InvalidPngException>(() => Png.Decode("GIF89a--"u8.ToArray()));
        Assert.Throws<InvalidPngException>(() => Png.Decode(Png.Encode(new Image(2, 2, 1))[..40]));
    }

    [Fact]
    public void Decode_WithIdatSplitAndAncillaryChunk_ReturnsSamePixels()
    {
        Image image = RandomImage(10, 6, 3, seed: 2);
        byte[] original = Png.Encode(image);
        int idatLength = (int)BinaryPrimitives.ReadUInt32BigEndian(original.AsSpan(33));
        byte[] zlib = original.AsSpan(41, idatLength).ToArray();
        using var rebuilt = new MemoryStream();
        rebuilt.Write(original, 0, 33);                                 // signature + IHDR
        Png.WriteChunk(rebuilt, "tEXt", "Comment\0split"u8);
        Png.WriteChunk(rebuilt, "IDAT", zlib.AsSpan(0, 5));
        Png.WriteChunk(rebuilt, "IDAT", zlib.AsSpan(5));
        Png.WriteChunk(rebuilt, "IEND", []);
        AssertSameImage(image, Png.Decode(rebuilt.ToArray()));
    }

    [Fact]
    public void Write_OverExistingFile_ReplacesItAndLeavesNoTempFile()
    {
        string folder = Path.Combine(Path.GetTempPath(), "latentsharp-png-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(folder, "out.png");
            Png.Write(path, new Image(2, 2, 1));
            Image second = RandomImage(5, 4, 3, seed: 8);
            Png.Write(path, second);
            AssertSameImage(second, Png.Read(path));
            Assert.Equal(["out.png"], Directory.GetFiles(folder).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    internal static byte[] InflateIdat(byte[] png)
    {
        int pos = 8;
        using var idat = new MemoryStream();
        while (pos < png.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            if (Encoding.ASCII.GetString(png, pos + 4, 4) == "IDAT") idat.Write(png, pos + 8, length);
            pos += 12 + length;
        }
        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        return raw.ToArray();
    }

    private static Image RandomImage(int width, int height, int channels, ulong seed)
    {
        var rng = new Rng(seed);
        var image = new Image(width, height, channels);
        for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = (byte)rng.NextUInt64();
        return image;
    }

    private static void AssertSameImage(Image expected, Image actual)
    {
        Assert.Equal((expected.Width, expected.Height, expected.Channels), (actual.Width, actual.Height, actual.Channels));
        Assert.Equal(expected.Pixels, actual.Pixels);
    }
}
