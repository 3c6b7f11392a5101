using System.Buffers.Binary;
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
}
