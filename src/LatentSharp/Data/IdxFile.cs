using System.Buffers.Binary;
using System.IO.Compression;

namespace LatentSharp.Data;

/// <summary>
/// Reads and writes IDX files (the MNIST / Fashion-MNIST format) of unsigned bytes: images (magic 2051,
/// 3 dimensions) and labels (magic 2049, 1 dimension), raw or gzip-compressed.
/// Reading detects gzip by its magic bytes (1f 8b), not by the file name, and streams straight into the
/// decoded array; a gzip file is one member whose CRC-32 and length are checked. Every size in the header is checked
/// against the file before anything is allocated. Writing compresses when the path ends in ".gz" and is atomic
/// (temp file + rename). Every problem with a file's content, and a path that is not a regular file, is an
/// <see cref="InvalidDataFileException"/>.
/// </summary>
public static class IdxFile
{
    /// <summary>The magic number of an image file: unsigned bytes, 3 dimensions.</summary>
    public const int ImagesMagic = 0x0803; // 2051: unsigned bytes, 3 dimensions
    /// <summary>The magic number of a label file: unsigned bytes, 1 dimension.</summary>
    public const int LabelsMagic = 0x0801; // 2049: unsigned bytes, 1 dimension

    private const byte UnsignedByteType = 0x08;

    /// <summary>The longest image side read or written: some thousands of pixels, so that rows * cols stays far inside int.</summary>
    private const int MaxSide = 1 << 14;

    /// <summary>The first buffer for a gzip body; it doubles while data keeps coming.</summary>
    private const int InitialGzipCapacity = 1 << 20;

    private const string Hint = "The file is damaged or not what its name says: download or generate it again.";
    private const string NotAFileHint = "Datasets are read from regular files only.";

    /// <summary>The images of the IDX file at <paramref name="path"/>, raw or gzip; throws <see cref="InvalidDataFileException"/> for a damaged, truncated or non-image file.</summary>
    public static IdxImages ReadImages(string path)
    {
        using Source source = Source.Open(path);
        Span<byte> header = stackalloc byte[16];
        ReadHeader(source, header, ImagesMagic);
        int count = ReadSize(source, header, 4, "image count");
        int rows = ReadSize(source, header, 8, "row count");
        int cols = ReadSize(source, header, 12, "column count");
        if (rows > MaxSide || cols > MaxSide)
            throw source.Invalid($"absurd image size {rows}x{cols} in the header, at most {MaxSide} pixels per side");
        var body = new Body(count, (long)rows * cols, $"{count} images of {rows}x{cols}");
        if (body.Bytes > Array.MaxLength)
            throw source.Invalid($"absurd size: header says {body.Declared}, more than one array can hold");

        byte[] pixels = ReadBody(source, header.Length, body);
        source.EnsureAtEnd($"{count} images");
        return new IdxImages(count, rows, cols, pixels);
    }

    /// <summary>The labels of the IDX file at <paramref name="path"/>, raw or gzip; throws <see cref="InvalidDataFileException"/> for a damaged, truncated or non-label file.</summary>
    public static byte[] ReadLabels(string path)
    {
        using Source source = Source.Open(path);
        Span<byte> header = stackalloc byte[8];
        ReadHeader(source, header, LabelsMagic);
        int count = ReadSize(source, header, 4, "label count");
        var body = new Body(count, 1, $"{count} labels");
        if (body.Bytes > Array.MaxLength)
            throw source.Invalid($"absurd size: header says {body.Declared}, more than one array can hold");

        byte[] labels = ReadBody(source, header.Length, body);
        source.EnsureAtEnd($"{count} labels");
        return labels;
    }

    /// <summary>Writes <paramref name="images"/> atomically, gzip-compressed when <paramref name="path"/> ends in ".gz"; throws <see cref="ArgumentException"/> for empty images or a pixel count that does not fit the sizes.</summary>
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

    /// <summary>Writes <paramref name="labels"/> atomically, gzip-compressed when <paramref name="path"/> ends in ".gz"; throws <see cref="ArgumentException"/> when there are none.</summary>
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
        int read = source.Read(header[..4]);
        if (read == 0) throw source.Invalid("empty file, expected an IDX header");
        if (read < 4) throw source.Invalid($"truncated header: {read} of {header.Length} bytes");

        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        string expected = Describe(expectedMagic);
        if (magic != expectedMagic)
        {
            if (magic == ImagesMagic || magic == LabelsMagic)
                throw source.Invalid($"wrong magic number {magic} ({Describe(magic)}), expected {expectedMagic} ({expected})");
            if (header[0] != 0 || header[1] != 0)
                throw source.Invalid($"not an IDX file: magic number {magic} (0x{magic:x8}), expected {expectedMagic} ({expected})");
            if (header[2] != UnsignedByteType)
                throw source.Invalid($"unsupported IDX element type 0x{header[2]:x2}, only unsigned bytes (0x08) are supported");
            int dims = expectedMagic & 0xff;
            throw source.Invalid($"wrong dimension count: header says {header[3]}, {expected} have {dims}");
        }

        read = source.Read(header[4..]);
        if (read < header.Length - 4) throw source.Invalid($"truncated header: {4 + read} of {header.Length} bytes");
    }

    private static string Describe(int magic) => magic == ImagesMagic ? "IDX images" : "IDX labels";

    private static int ReadSize(Source source, ReadOnlySpan<byte> header, int offset, string what)
    {
        int size = BinaryPrimitives.ReadInt32BigEndian(header[offset..]);
        if (size <= 0) throw source.Invalid($"{what} in the header is {size}, must be positive");
        return size;
    }

    /// <summary>What the header declares after itself: <see cref="Count"/> items of <see cref="ItemBytes"/> bytes each.</summary>
    private readonly record struct Body(int Count, long ItemBytes, string Declared)
    {
        /// <summary>At most 2^31 items of at most 2^28 bytes: no overflow in 64 bits.</summary>
        public long Bytes => Count * ItemBytes;

        public string Truncated(long heldBytes) => $"truncated: header says {Declared}, file holds {heldBytes / ItemBytes}";
    }

    /// <summary>
    /// Reads the <paramref name="body"/> that follows a header of <paramref name="headerBytes"/>, refusing a header that
    /// claims more than the file can hold before allocating for it.
    /// </summary>
    private static byte[] ReadBody(Source source, int headerBytes, Body body)
    {
        if (!source.Compressed && source.FileLength - headerBytes < body.Bytes)
            throw source.Invalid(body.Truncated(source.FileLength - headerBytes));
        if (source.Compressed && source.FileLength * Source.MaxDeflateRatio < headerBytes + body.Bytes)
            throw source.Invalid($"truncated: header says {body.Declared}, more than a gzip file of {source.FileLength} bytes can hold");

        // A gzip header can still claim a thousand times the file's size: the buffer grows with the bytes that actually
        // arrive, so a lying header costs no more memory than the data behind it.
        int length = (int)body.Bytes;
        int capacity = source.Compressed ? (int)Math.Min(length, Math.Max(InitialGzipCapacity, 4 * source.FileLength)) : length;
        var buffer = new byte[capacity];
        int filled = 0;
        while (true)
        {
            filled += source.Read(buffer.AsSpan(filled));
            if (filled < buffer.Length || filled == length) break;
            Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
        }
        if (filled < length) throw source.Invalid(body.Truncated(filled));
        return buffer;
    }

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

    /// <summary>
    /// An open file, decompressing when it starts with the gzip magic bytes. A gzip file is one member (RFC 1952) whose
    /// trailer, the last 8 bytes of the file, must hold the CRC-32 and the length of the decompressed bytes: that refuses
    /// a cut-off trailer, bytes after the member and several members joined, none of which the decompressor reports.
    /// </summary>
    private sealed class Source : IDisposable
    {
        /// <summary>Deflate cannot compress better than about 1032:1, so a gzip file never holds more than this many bytes per byte.</summary>
        public const long MaxDeflateRatio = 1032;

        private const int GzipHeaderBytes = 10, GzipTrailerBytes = 8;

        private readonly FileStream _file;
        private readonly Stream _stream;
        private uint _crc;
        private long _decompressedLength;

        private Source(string path, FileStream file, bool compressed)
        {
            Path = path;
            _file = file;
            _stream = compressed ? new GZipStream(file, CompressionMode.Decompress) : file;
            FileLength = file.Length;
            Compressed = compressed;
        }

        public string Path { get; }
        public long FileLength { get; }
        public bool Compressed { get; }

        public static Source Open(string path)
        {
            FileStream file = InputFile.OpenRead(path, problem => new InvalidDataFileException(path, problem, NotAFileHint),
                options: FileOptions.SequentialScan);
            try
            {
                Span<byte> magic = stackalloc byte[2];
                int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
                file.Position = 0;
                return new Source(path, file, compressed: read == 2 && magic[0] == 0x1f && magic[1] == 0x8b);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        /// <summary>Fills <paramref name="destination"/> unless the content ends first; returns the bytes read.</summary>
        public int Read(Span<byte> destination)
        {
            int read;
            try
            {
                read = _stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
            }
            catch (InvalidDataException e)
            {
                throw Invalid("corrupt gzip stream: the compressed data is damaged", e);
            }
            if (Compressed)
            {
                _crc = Crc32.Append(_crc, destination[..read]);
                _decompressedLength += read;
            }
            return read;
        }

        /// <summary>Refuses content after what the header declares, and a gzip trailer that does not match the content.</summary>
        public void EnsureAtEnd(string declared)
        {
            Span<byte> scratch = stackalloc byte[4096];
            long extra = 0;
            int read;
            while ((read = Read(scratch)) > 0) extra += read;
            if (extra > 0) throw Invalid($"{extra} trailing bytes after the {declared} the header declares");
            if (Compressed) CheckGzipTrailer();
        }

        private void CheckGzipTrailer()
        {
            if (FileLength < GzipHeaderBytes + GzipTrailerBytes)
                throw Invalid($"truncated gzip file: {FileLength} bytes, too short for a gzip header and trailer");
            Span<byte> trailer = stackalloc byte[GzipTrailerBytes];
            _file.Position = FileLength - GzipTrailerBytes;
            _file.ReadExactly(trailer);
            uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
            uint storedLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
            if (storedCrc != _crc || storedLength != (uint)_decompressedLength)
                throw Invalid($"the gzip trailer (CRC-32 0x{storedCrc:x8}, length {storedLength}) does not match the data "
                    + $"(CRC-32 0x{_crc:x8}, length {(uint)_decompressedLength}): the file is cut off, has bytes after its end, "
                    + "or joins several gzip members, which is not supported");
        }

        public InvalidDataFileException Invalid(string problem, Exception? inner = null) => new(Path, problem, Hint, inner);

        public void Dispose() => _stream.Dispose();
    }
}
