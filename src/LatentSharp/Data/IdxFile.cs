using System.Buffers.Binary;
using System.IO.Compression;

namespace LatentSharp.Data;

/// <summary>
/// Reads and writes IDX files (the MNIST / Fashion-MNIST format) of unsigned bytes: images (magic 2051,
/// 3 dimensions) and labels (magic 2049, 1 dimension), raw or gzip-compressed.
/// Reading detects gzip by its magic bytes (1f 8b), not by the file name, and streams straight into the
/// decoded array. Writing compresses when the path ends in ".gz" and is atomic (temp file + rename).
/// Every problem with a file's content is an <see cref="InvalidDataFileException"/>.
/// </summary>
public static class IdxFile
{
    public const int ImagesMagic = 0x0803; // 2051: unsigned bytes, 3 dimensions
    public const int LabelsMagic = 0x0801; // 2049: unsigned bytes, 1 dimension

    private const byte UnsignedByteType = 0x08;
    private const int MaxSide = 1 << 16;
    private const string Hint = "The file is damaged or not what its name says: download or generate it again.";

    public static IdxImages ReadImages(string path)
    {
        using Source source = Source.Open(path);
        Span<byte> header = stackalloc byte[16];
        ReadHeader(source, header, ImagesMagic);
        int count = ReadSize(source, header, 4, "image count");
        int rows = ReadSize(source, header, 8, "row count");
        int cols = ReadSize(source, header, 12, "column count");
        if (rows > MaxSide || cols > MaxSide)
            throw Invalid(source, $"absurd image size {rows}x{cols} in the header");
        int imageBytes = rows * cols;
        if ((long)count * imageBytes > Array.MaxLength)
            throw Invalid(source, $"absurd size: header says {count} images of {rows}x{cols}, more than one array can hold");

        string Truncated(long held) => $"truncated: header says {count} images of {rows}x{cols}, file holds {held / imageBytes}";
        if (source.RawLength is long length && length - header.Length < (long)count * imageBytes)
            throw Invalid(source, Truncated(length - header.Length));
        if (source.MaxDecompressedLength is long most && most < header.Length + (long)count * imageBytes)
            throw Invalid(source, $"truncated: header says {count} images of {rows}x{cols}, more than a gzip file of {source.FileLength} bytes can hold");

        var pixels = new byte[count * imageBytes];
        int read = ReadFully(source, pixels);
        if (read < pixels.Length) throw Invalid(source, Truncated(read));
        EnsureAtEnd(source, $"{count} images");
        return new IdxImages(count, rows, cols, pixels);
    }

    public static byte[] ReadLabels(string path)
    {
        using Source source = Source.Open(path);
        Span<byte> header = stackalloc byte[8];
        ReadHeader(source, header, LabelsMagic);
        int count = ReadSize(source, header, 4, "label count");

        string Truncated(long held) => $"truncated: header says {count} labels, file holds {held}";
        if (source.RawLength is long length && length - header.Length < count)
            throw Invalid(source, Truncated(length - header.Length));
        if (source.MaxDecompressedLength is long most && most < header.Length + (long)count)
            throw Invalid(source, $"truncated: header says {count} labels, more than a gzip file of {source.FileLength} bytes can hold");

        var labels = new byte[count];
        int read = ReadFully(source, labels);
        if (read < labels.Length) throw Invalid(source, Truncated(read));
        EnsureAtEnd(source, $"{count} labels");
        return labels;
    }

    public static void WriteImages(string path, IdxImages images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count <= 0 || images.Rows <= 0 || images.Cols <= 0 || images.Rows > MaxSide || images.Cols > MaxSide)
            throw new ArgumentException($"Cannot write {images.Count} images of {images.Rows}x{images.Cols}.", nameof(images));
        if (images.Pixels.Length != (long)images.Count * images.Rows * images.Cols)
            throw new ArgumentException(
                $"{images.Count} images of {images.Rows}x{images.Cols} need {(long)images.Count * images.Rows * images.Cols} pixels, got {images.Pixels.Length}.",
                nameof(images));
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), images.Count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), images.Rows);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), images.Cols);
        WriteAtomic(path, header, images.Pixels);
    }

    public static void WriteLabels(string path, byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Length == 0) throw new ArgumentException("Cannot write an empty label file.", nameof(labels));
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), labels.Length);
        WriteAtomic(path, header, labels);
    }

    private static void ReadHeader(Source source, Span<byte> header, int expectedMagic)
    {
        int read = ReadFully(source, header[..4]);
        if (read == 0) throw Invalid(source, "empty file, expected an IDX header");
        if (read < 4) throw Invalid(source, $"truncated header: {read} of {header.Length} bytes");

        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        string expected = Describe(expectedMagic);
        if (magic != expectedMagic)
        {
            if (magic == ImagesMagic || magic == LabelsMagic)
                throw Invalid(source, $"wrong magic number {magic} ({Describe(magic)}), expected {expectedMagic} ({expected})");
            if (header[0] != 0 || header[1] != 0)
                throw Invalid(source, $"not an IDX file: magic number {magic} (0x{magic:x8}), expected {expectedMagic} ({expected})");
            if (header[2] != UnsignedByteType)
                throw Invalid(source, $"unsupported IDX element type 0x{header[2]:x2}, only unsigned bytes (0x08) are supported");
            int dims = expectedMagic & 0xff;
            throw Invalid(source, $"wrong dimension count: header says {header[3]}, {expected} have {dims}");
        }

        read = ReadFully(source, header[4..]);
        if (read < header.Length - 4) throw Invalid(source, $"truncated header: {4 + read} of {header.Length} bytes");
    }

    private static string Describe(int magic) => magic == ImagesMagic ? "IDX images" : "IDX labels";

    private static int ReadSize(Source source, ReadOnlySpan<byte> header, int offset, string what)
    {
        int size = BinaryPrimitives.ReadInt32BigEndian(header[offset..]);
        if (size <= 0) throw Invalid(source, $"{what} in the header is {size}, must be positive");
        return size;
    }

    private static int ReadFully(Source source, Span<byte> destination)
    {
        try
        {
            return source.Stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw Invalid(source, $"corrupt gzip stream ({e.Message})", e);
        }
    }

    private static void EnsureAtEnd(Source source, string declared)
    {
        Span<byte> scratch = stackalloc byte[4096];
        long extra = 0;
        int read;
        while ((read = ReadFully(source, scratch)) > 0) extra += read;
        if (extra > 0) throw Invalid(source, $"{extra} trailing bytes after the {declared} the header declares");
    }

    private static InvalidDataFileException Invalid(Source source, string problem, Exception? inner = null) =>
        new(source.Path, problem, Hint, inner);

    private static void WriteAtomic(string path, byte[] header, byte[] body)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                if (full.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                {
                    using var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true);
                    gzip.Write(header);
                    gzip.Write(body);
                }
                else
                {
                    file.Write(header);
                    file.Write(body);
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>An open file, decompressing when it starts with the gzip magic bytes.</summary>
    private sealed class Source : IDisposable
    {
        /// <summary>Deflate cannot compress better than about 1032:1, so a gzip file never holds more than this many bytes per byte.</summary>
        private const long MaxDeflateRatio = 1032;

        private Source(string path, Stream stream, long fileLength, bool compressed)
        {
            Path = path;
            Stream = stream;
            FileLength = fileLength;
            Compressed = compressed;
        }

        public string Path { get; }
        public Stream Stream { get; }
        public long FileLength { get; }
        public bool Compressed { get; }

        /// <summary>The content length when not compressed: truncation is found before allocating.</summary>
        public long? RawLength => Compressed ? null : FileLength;

        /// <summary>An upper bound on the decompressed length: an absurd header is caught before allocating.</summary>
        public long? MaxDecompressedLength => Compressed ? FileLength * MaxDeflateRatio : null;

        public static Source Open(string path)
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            Span<byte> magic = stackalloc byte[2];
            int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            if (read == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
                return new Source(path, new GZipStream(file, CompressionMode.Decompress), file.Length, compressed: true);
            return new Source(path, file, file.Length, compressed: false);
        }

        public void Dispose() => Stream.Dispose();
    }
}
