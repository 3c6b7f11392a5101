using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using LatentSharp.Data;

namespace LatentSharp.Tests.Data;

public class IdxFileTests
{
    private static IdxImages SomeImages(int count = 5, int rows = 3, int cols = 4)
    {
        var pixels = new byte[count * rows * cols];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 37 + 11);
        return new IdxImages(count, rows, cols, pixels);
    }

    private static byte[] Header(params int[] words)
    {
        var bytes = new byte[4 * words.Length];
        for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 * i), words[i]);
        return bytes;
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(raw);
        return memory.ToArray();
    }

    [Theory]
    [InlineData("images-idx3-ubyte")]
    [InlineData("images-idx3-ubyte.gz")]
    public void Images_WrittenThenRead_AreEqual(string name)
    {
        using var temp = new TempFolder();
        IdxImages written = SomeImages();
        IdxFile.WriteImages(temp.File(name), written);

        IdxImages read = IdxFile.ReadImages(temp.File(name));

        Assert.Equal((written.Count, written.Rows, written.Cols), (read.Count, read.Rows, read.Cols));
        Assert.Equal(written.Pixels, read.Pixels);
        Assert.Single(Directory.GetFiles(temp.Path)); // no temp file left behind
    }

    [Theory]
    [InlineData("labels-idx1-ubyte")]
    [InlineData("labels-idx1-ubyte.gz")]
    public void Labels_WrittenThenRead_AreEqual(string name)
    {
        using var temp = new TempFolder();
        byte[] written = [3, 1, 4, 1, 5, 9, 2, 6, 0, 255];
        IdxFile.WriteLabels(temp.File(name), written);

        Assert.Equal(written, IdxFile.ReadLabels(temp.File(name)));
    }

    [Fact]
    public void Write_PathEndingInGz_CompressesAndOtherwiseNot()
    {
        using var temp = new TempFolder();
        IdxFile.WriteLabels(temp.File("a.gz"), [1, 2]);
        IdxFile.WriteLabels(temp.File("a"), [1, 2]);

        Assert.Equal(new byte[] { 0x1f, 0x8b }, File.ReadAllBytes(temp.File("a.gz"))[..2]);
        Assert.Equal(Header(2049, 2).Concat(new byte[] { 1, 2 }), File.ReadAllBytes(temp.File("a")));
    }

    [Fact]
    public void Read_GzipContentUnderRawName_IsDetectedByMagicBytes()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("labels-idx1-ubyte"), Gzip([.. Header(2049, 3), 7, 8, 9]));

        Assert.Equal(new byte[] { 7, 8, 9 }, IdxFile.ReadLabels(temp.File("labels-idx1-ubyte")));
    }

    [Fact]
    public void Write_ExistingFile_IsReplaced()
    {
        using var temp = new TempFolder();
        IdxFile.WriteLabels(temp.File("l.gz"), [1, 2, 3, 4]);
        IdxFile.WriteLabels(temp.File("l.gz"), [5]);

        Assert.Equal(new byte[] { 5 }, IdxFile.ReadLabels(temp.File("l.gz")));
    }

    private static InvalidDataFileException ReadBad(byte[] content, string name, bool images = true, bool gzip = false)
    {
        using var temp = new TempFolder();
        string path = temp.File(name);
        File.WriteAllBytes(path, gzip ? Gzip(content) : content);
        return images
            ? Assert.Throws<InvalidDataFileException>(() => IdxFile.ReadImages(path))
            : Assert.Throws<InvalidDataFileException>(() => IdxFile.ReadLabels(path));
    }

    [Fact]
    public void ReadImages_LabelsFile_SaysWrongMagicAndWhichKind()
    {
        var e = ReadBad([.. Header(2049, 3), 1, 2, 3], "train-labels-idx1-ubyte");

        Assert.StartsWith("train-labels-idx1-ubyte: wrong magic number 2049 (IDX labels), expected 2051 (IDX images)", e.Message);
    }

    [Fact]
    public void ReadLabels_ImagesFile_SaysWrongMagicAndWhichKind()
    {
        var e = ReadBad([.. Header(2051, 1, 1, 1), 1], "x.gz", images: false, gzip: true);

        Assert.StartsWith("x.gz: wrong magic number 2051 (IDX images), expected 2049 (IDX labels)", e.Message);
    }

    [Fact]
    public void ReadImages_NotIdx_SaysNotAnIdxFile()
    {
        var e = ReadBad("PNG stuff here, not idx"u8.ToArray(), "picture.png");

        Assert.StartsWith("picture.png: not an IDX file", e.Message);
    }

    [Fact]
    public void ReadImages_TwoDimensions_SaysWrongDimensionCount()
    {
        var e = ReadBad([.. Header(0x0802, 2, 2), 1, 2, 3, 4], "images");

        Assert.StartsWith("images: wrong dimension count: header says 2, IDX images have 3", e.Message);
    }

    [Fact]
    public void ReadImages_FloatElements_SaysUnsupportedType()
    {
        var e = ReadBad([.. Header(0x0D03, 1, 1, 1), 0, 0, 0, 0], "images");

        Assert.Contains("unsupported IDX element type 0x0d", e.Message);
    }

    [Theory]
    [InlineData(0, 28, 28, "image count in the header is 0, must be positive")]
    [InlineData(-5, 28, 28, "image count in the header is -5, must be positive")]
    [InlineData(10, 0, 28, "row count in the header is 0, must be positive")]
    [InlineData(10, 28, 100_000, "absurd image size 28x100000")]
    [InlineData(2_000_000_000, 28, 28, "absurd size: header says 2000000000 images of 28x28")]
    public void ReadImages_BadSizes_SaysWhich(int count, int rows, int cols, string expected)
    {
        var e = ReadBad(Header(2051, count, rows, cols), "images.gz", gzip: true);

        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_Truncated_SaysHowManyImagesTheFileHolds(bool gzip)
    {
        byte[] body = new byte[9871 * 784 + 100]; // 9871 whole images and part of the next
        for (int i = 0; i < body.Length; i++) body[i] = (byte)(i % 251);
        var e = ReadBad([.. Header(2051, 10000, 28, 28), .. body], "t10k-images-idx3-ubyte.gz", gzip: gzip);

        Assert.StartsWith("t10k-images-idx3-ubyte.gz: truncated: header says 10000 images of 28x28, file holds 9871. ", e.Message);
    }

    [Fact]
    public void ReadImages_GzipTooSmallForItsHeader_FailsBeforeAllocating()
    {
        var e = ReadBad([.. Header(2051, 2_000_000, 28, 28), 1, 2, 3], "images.gz", gzip: true);

        Assert.Matches(@"^images\.gz: truncated: header says 2000000 images of 28x28, more than a gzip file of \d+ bytes can hold", e.Message);
    }

    [Fact]
    public void ReadLabels_Truncated_SaysHowManyLabelsTheFileHolds()
    {
        var e = ReadBad([.. Header(2049, 10), 1, 2, 3], "labels", images: false, gzip: true);

        Assert.StartsWith("labels: truncated: header says 10 labels, file holds 3", e.Message);
    }

    [Fact]
    public void ReadImages_TruncatedHeader_SaysSo()
    {
        var e = ReadBad([.. Header(2051, 10), 0, 0], "images");

        Assert.StartsWith("images: truncated header: 10 of 16 bytes", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_TrailingBytes_SaysHowMany(bool gzip)
    {
        var e = ReadBad([.. Header(2051, 1, 2, 2), 1, 2, 3, 4, 5, 6, 7], "images", gzip: gzip);

        Assert.StartsWith("images: 3 trailing bytes after the 1 images the header declares", e.Message);
    }

    [Fact]
    public void ReadLabels_CorruptGzip_IsWrappedWithTheFileName()
    {
        byte[] gz = Gzip([.. Header(2049, 1000), .. new byte[1000]]);
        for (int i = 10; i < gz.Length - 8; i++) gz[i] ^= 0x5a; // damage the deflate data, keep the gzip header
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("labels.gz"), gz);

        var e = Assert.Throws<InvalidDataFileException>(() => IdxFile.ReadLabels(temp.File("labels.gz")));

        Assert.StartsWith("labels.gz: corrupt gzip stream", e.Message);
        Assert.IsType<InvalidDataException>(e.InnerException);
    }

    [Fact]
    public void Read_EmptyFile_SaysEmpty()
    {
        var e = ReadBad([], "images");

        Assert.StartsWith("images: empty file", e.Message);
    }

    [Fact]
    public void InvalidDataFileException_Message_EndsWithAHint()
    {
        var e = ReadBad([.. Header(2049, 10), 1], "labels", images: false);

        Assert.Equal("truncated: header says 10 labels, file holds 1", e.Problem);
        Assert.Contains("download or generate it again", e.Message);
    }

    [Theory]
    [InlineData(65536, 65536, false)] // rows * cols wraps to 0 in 32 bits
    [InlineData(65536, 65536, true)]
    [InlineData(46341, 46341, false)] // rows * cols wraps to a negative size
    [InlineData(46341, 46341, true)]
    [InlineData(16385, 1, false)]
    public void ReadImages_SidesTooLong_SaysAbsurdSizeBeforeAllocating(int rows, int cols, bool gzip)
    {
        var e = ReadBad([.. Header(2051, 1, rows, cols), 1, 2, 3, 4], "images", gzip: gzip);

        Assert.Contains($"absurd image size {rows}x{cols}", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadLabels_CountBeyondAnyArray_SaysAbsurdSize(bool gzip)
    {
        var e = ReadBad([.. Header(2049, int.MaxValue), 1], "labels", images: false, gzip: gzip);

        Assert.Contains("absurd size: header says 2147483647 labels", e.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_Fifo_IsRefusedWithoutBlocking(bool images)
    {
        if (OperatingSystem.IsWindows()) return;
        using var temp = new TempFolder();
        string path = MakeFifo(temp.File("train-images-idx3-ubyte"));

        var (_, error) = IdxMutationTests.RunWithTimeout(() => images ? IdxFile.ReadImages(path) : IdxFile.ReadLabels(path));

        var e = Assert.IsType<InvalidDataFileException>(error);
        Assert.StartsWith("train-images-idx3-ubyte: is not a regular file", e.Message);
    }

    internal static string MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    public void Read_GzipTrailerCutOff_SaysTheTrailerDoesNotMatch(int cut)
    {
        byte[] gz = Gzip([.. Header(2049, 100), .. Enumerable.Range(0, 100).Select(i => (byte)i)]);

        var e = ReadBad(gz[..^cut], "labels.gz", images: false);

        Assert.Contains("gzip trailer", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33 })]
    [InlineData(new byte[] { 0x1f })]
    public void Read_GzipFollowedByOtherBytes_IsRefused(byte[] extra)
    {
        byte[] gz = Gzip([.. Header(2051, 2, 2, 2), 1, 2, 3, 4, 5, 6, 7, 8]);

        var e = ReadBad([.. gz, .. extra], "images.gz");

        Assert.StartsWith("images.gz: ", e.Message);
    }

    [Fact]
    public void Read_TwoGzipMembers_AreRefusedAsNotSupported()
    {
        byte[] content = [.. Header(2049, 4), 1, 2, 3, 4];
        byte[] joined = [.. Gzip(content[..6]), .. Gzip(content[6..])];

        var e = ReadBad(joined, "labels.gz", images: false);

        Assert.Contains("joins several gzip members, which is not supported", e.Message);
    }

    [Fact]
    public void Read_GzipWithWrongLengthInTrailer_IsRefused()
    {
        byte[] gz = Gzip([.. Header(2049, 4), 1, 2, 3, 4]);
        gz[^4] ^= 0x01; // ISIZE

        var e = ReadBad(gz, "labels.gz", images: false);

        Assert.Contains("gzip", e.Message);
    }

    [Fact]
    public void Read_LargeGzipFile_RoundTripsThroughTheGrowingBuffer()
    {
        using var temp = new TempFolder();
        var pixels = new byte[3000 * 28 * 28]; // 2.3 MB from a small file: more than the first buffer
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i % 7 == 0 ? i : 0);
        IdxFile.WriteImages(temp.File("big.gz"), new IdxImages(3000, 28, 28, pixels));

        Assert.Equal(pixels, IdxFile.ReadImages(temp.File("big.gz")).Pixels);
    }
}
