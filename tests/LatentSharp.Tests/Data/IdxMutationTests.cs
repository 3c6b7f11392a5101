using System.Buffers.Binary;
using System.IO.Compression;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LatentSharp.Data;

namespace LatentSharp.Tests.Data;

/// <summary>
/// Valid IDX files, raw or gzip, damaged the ways a disk, a download or a hostile user damages them. Whatever the damage,
/// reading either gives what the (decompressed) file says or throws the domain error; nothing else escapes, nothing hangs.
/// </summary>
public class IdxMutationTests
{

    [Property(MaxTest = 300, Arbitrary = [typeof(IdxMutations)])]
    public void Read_MutatedFile_MatchesItsContentOrThrowsInvalidDataFile(MutatedIdx file)
    {
        using var temp = new TempFolder();
        string path = temp.File(file.Gzip ? "file-idx-ubyte.gz" : "file-idx-ubyte");
        File.WriteAllBytes(path, file.Bytes);

        var (result, error) = RunWithTimeout(() => file.Images ? IdxFile.ReadImages(path) : (object)IdxFile.ReadLabels(path));

        if (error is not null)
        {
            Assert.True(error is InvalidDataFileException, $"{file}: {error.GetType().Name} escaped: {error}");
            Assert.DoesNotContain('\n', error.Message);
            return;
        }
        byte[] content = Decompressed(file);
        switch (result)
        {
            case IdxImages images:
                Assert.Equal(IdxFile.ImagesMagic, BinaryPrimitives.ReadInt32BigEndian(content));
                Assert.Equal(images.Count, BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(4)));
                Assert.Equal(images.Rows, BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(8)));
                Assert.Equal(images.Cols, BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(12)));
                Assert.Equal((long)images.Count * images.Rows * images.Cols, images.Pixels.Length);
                Assert.Equal(content[16..], images.Pixels);
                break;
            case byte[] labels:
                Assert.Equal(IdxFile.LabelsMagic, BinaryPrimitives.ReadInt32BigEndian(content));
                Assert.Equal(labels.Length, BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(4)));
                Assert.Equal(content[8..], labels);
                break;
            default:
                Assert.Fail($"unexpected result {result}");
                break;
        }
    }

    [Property(MaxTest = 80, Arbitrary = [typeof(IdxMutations)])]
    public void LoadFolder_OneMutatedFile_LoadsConsistentSplitsOrThrowsTheDomainError(MutatedIdx file, bool testSplit)
    {
        using var temp = new TempFolder();
        string folder = temp.Folder("set");
        var images = new IdxImages(file.Count, 2, 3, new byte[file.Count * 6]);
        var labels = new byte[file.Count];
        string split = testSplit ? "t10k" : "train";
        foreach (string other in new[] { "train", "t10k" })
        {
            IdxFile.WriteImages(Path.Combine(folder, $"{other}-images-idx3-ubyte"), images);
            IdxFile.WriteLabels(Path.Combine(folder, $"{other}-labels-idx1-ubyte"), labels);
        }
        string mutated = Path.Combine(folder, file.Images ? $"{split}-images-idx3-ubyte" : $"{split}-labels-idx1-ubyte");
        File.Delete(mutated);
        File.WriteAllBytes(file.Gzip ? mutated + ".gz" : mutated, file.Bytes);

        var (result, error) = RunWithTimeout(() => new DatasetResolver(null, null, null, []).Load(folder));

        if (error is not null)
        {
            Assert.True(error is InvalidDataFileException or DatasetNotFoundException, $"{file}: {error.GetType().Name} escaped: {error}");
            return;
        }
        Decompressed(file); // the damaged file was accepted: it must still be a valid gzip member
        var splits = (DataSplits)result!;
        foreach (Dataset set in new[] { splits.Train, splits.Test })
        {
            Assert.Equal((long)set.Count * set.Rows * set.Cols, set.Pixels.Length);
            Assert.Equal(set.Count, set.Labels.Length);
        }
    }

    /// <summary>Runs <paramref name="read"/> on another thread and fails the test when it does not finish in time.</summary>
    internal static (object? Result, Exception? Error) RunWithTimeout(Func<object> read) => WithinTime.Run(read, "reading");

    /// <summary>
    /// The content the reader should have seen. A gzip file the reader accepted must decompress, and end in the trailer of
    /// that content (CRC-32 and length, computed here bit by bit), so nothing was cut off or follows it.
    /// </summary>
    private static byte[] Decompressed(MutatedIdx file)
    {
        if (!file.Gzip) return file.Bytes;
        using var gzip = new GZipStream(new MemoryStream(file.Bytes), CompressionMode.Decompress);
        using var decompressed = new MemoryStream();
        gzip.CopyTo(decompressed);
        byte[] content = decompressed.ToArray();
        Assert.Equal(BitwiseCrc32(content), BinaryPrimitives.ReadUInt32LittleEndian(file.Bytes.AsSpan(file.Bytes.Length - 8)));
        Assert.Equal((uint)content.Length, BinaryPrimitives.ReadUInt32LittleEndian(file.Bytes.AsSpan(file.Bytes.Length - 4)));
        return content;
    }

    private static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}

/// <summary>A valid IDX file of <see cref="Count"/> images or labels after <see cref="Mutations"/>, in order: <see cref="Bytes"/> is the file.</summary>
public sealed record MutatedIdx(bool Images, bool Gzip, int Count, Mutation[] Mutations, byte[] Bytes)
{
    public override string ToString() =>
        $"{(Images ? "images" : "labels")}{(Gzip ? ".gz" : "")} x{Count}, {string.Join(" then ", Mutations.Select(m => m.ToString()))}, {Bytes.Length} bytes";
}

/// <summary>One change to a file. <see cref="OfContent"/> changes are made to the IDX content before it is compressed.</summary>
public abstract record Mutation
{
    public virtual bool OfContent => false;

    public abstract byte[] Apply(byte[] bytes);
}

public sealed record Unchanged : Mutation
{
    public override byte[] Apply(byte[] bytes) => bytes;
}

public sealed record FlipByte(int Where, byte Mask) : Mutation
{
    public override byte[] Apply(byte[] bytes)
    {
        byte[] copy = [.. bytes];
        if (copy.Length > 0) copy[Where % copy.Length] ^= Mask;
        return copy;
    }
}

public sealed record Truncate(int KeepPerMille) : Mutation
{
    public override byte[] Apply(byte[] bytes) => bytes[..(int)((long)bytes.Length * KeepPerMille / 1000)];
}

public sealed record CutTail(int Bytes) : Mutation
{
    public override byte[] Apply(byte[] bytes) => bytes[..Math.Max(0, bytes.Length - Bytes)];
}

public sealed record Extend(byte[] Extra) : Mutation
{
    public override byte[] Apply(byte[] bytes) => [.. bytes, .. Extra];

    public override string ToString() => $"Extend({Convert.ToHexString(Extra)})";
}

public sealed record Splice(int Where, int Remove, byte[] Insert) : Mutation
{
    public override byte[] Apply(byte[] bytes)
    {
        int at = Where % (bytes.Length + 1);
        int end = Math.Min(bytes.Length, at + Remove);
        return [.. bytes[..at], .. Insert, .. bytes[end..]];
    }

    public override string ToString() => $"Splice({Where}, {Remove}, {Convert.ToHexString(Insert)})";
}

/// <summary>Sets one 32-bit big-endian header word (0 is the magic number) of the IDX content.</summary>
public sealed record SetHeaderWord(int Word, int Value) : Mutation
{
    public override bool OfContent => true;

    public override byte[] Apply(byte[] bytes)
    {
        byte[] copy = [.. bytes];
        int offset = 4 * Word;
        if (offset + 4 <= copy.Length) BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(offset), Value);
        return copy;
    }
}

/// <summary>Appends a second complete gzip member (legal RFC 1952, refused by the reader).</summary>
public sealed record AppendGzipMember(byte[] Content) : Mutation
{
    public override byte[] Apply(byte[] bytes) => [.. bytes, .. IdxMutations.Gzip(Content)];

    public override string ToString() => $"AppendGzipMember({Convert.ToHexString(Content)})";
}

public static class IdxMutations
{
    private static readonly int[] HugeOrOdd =
        [0, 1, -1, 2, 255, 256, 16384, 16385, 46341, 65536, 1 << 24, int.MaxValue, int.MinValue, 0x0801, 0x0803, 0x0D03, 0x0808];

    public static Arbitrary<MutatedIdx> MutatedIdx() =>
        (from images in Gen.Elements(true, false)
         from gzip in Gen.Elements(false, true)
         from count in Gen.Choose(1, 6)
         from rows in Gen.Choose(1, 5)
         from cols in Gen.Choose(1, 5)
         from pixels in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), count * (images ? rows * cols : 1))
         from mutations in Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(Mutations, n))
         select Build(images, gzip, count, rows, cols, pixels, mutations)).ToArbitrary();

    private static Gen<Mutation> Mutations
    {
        get
        {
            Gen<byte[]> someBytes = Gen.Choose(1, 24).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n));
            Gen<int> anywhere = Gen.Choose(0, 1 << 20);
            return Gen.Frequency(
                (1, Gen.Constant<Mutation>(new Unchanged())),
                (4, from at in anywhere from mask in Gen.Choose(1, 255) select (Mutation)new FlipByte(at, (byte)mask)),
                (2, Gen.Choose(0, 999).Select(keep => (Mutation)new Truncate(keep))),
                (2, Gen.Choose(1, 12).Select(n => (Mutation)new CutTail(n))),
                (2, someBytes.Select(extra => (Mutation)new Extend(extra))),
                (2, from at in anywhere from remove in Gen.Choose(0, 8) from insert in someBytes
                    select (Mutation)new Splice(at, remove, insert)),
                (4, from word in Gen.Choose(0, 3) from value in Gen.OneOf(Gen.Elements(HugeOrOdd), ArbMap.Default.GeneratorFor<int>())
                    select (Mutation)new SetHeaderWord(word, value)),
                (1, someBytes.Select(content => (Mutation)new AppendGzipMember(content))));
        }
    }

    private static MutatedIdx Build(bool images, bool gzip, int count, int rows, int cols, byte[] body, Mutation[] mutations)
    {
        byte[] header = images ? Words(IdxFile.ImagesMagic, count, rows, cols) : Words(IdxFile.LabelsMagic, count);
        byte[] content = [.. header, .. body];
        foreach (Mutation mutation in mutations.Where(m => m.OfContent)) content = mutation.Apply(content);
        byte[] file = gzip ? Gzip(content) : content;
        foreach (Mutation mutation in mutations.Where(m => !m.OfContent)) file = mutation.Apply(file);
        return new MutatedIdx(images, gzip, count, mutations, file);
    }

    private static byte[] Words(params int[] words)
    {
        var bytes = new byte[4 * words.Length];
        for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 * i), words[i]);
        return bytes;
    }

    internal static byte[] Gzip(byte[] raw)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(raw);
        return memory.ToArray();
    }
}
