using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LatentSharp.Data;
using LatentSharp.Imaging;

namespace LatentSharp.Tests.Data;

/// <summary>
/// Valid npy arrays, CIFAR-10 batches and PNG images, damaged the ways a disk, a download or a hostile user damages them.
/// Whatever the damage, reading gives a consistent dataset or throws the domain error; nothing else escapes, nothing hangs.
/// </summary>
public class ImageDataMutationTests
{
    [Property(MaxTest = 300, Arbitrary = [typeof(ImageDataMutations)])]
    public void ReadNpy_MutatedFile_GivesConsistentArrayOrThrowsInvalidDataFile(MutatedFile file)
    {
        using var temp = new TempFolder();
        string path = temp.File("array.npy");
        File.WriteAllBytes(path, file.Bytes);

        var (result, error) = IdxMutationTests.RunWithTimeout(() => file.Kind == "labels" ? NpyFile.ReadLabels(path) : NpyFile.ReadImages(path, "a"));

        if (AssertOnlyDomainError(file, error)) return;
        if (result is Dataset set)
        {
            Assert.Equal((long)set.Count * set.Dimensions, set.Pixels.Length);
            Assert.All(set.Pixels, v => Assert.InRange(v, 0f, 1f));
        }
        else Assert.All((int[])result!, label => Assert.InRange(label, 0, NpyFile.MaxClasses - 1));
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(ImageDataMutations)])]
    public void ReadCifarBatch_MutatedFile_GivesWholeRecordsOrThrowsInvalidDataFile(MutatedFile file)
    {
        using var temp = new TempFolder();
        string path = temp.File("data_batch_1.bin");
        File.WriteAllBytes(path, file.Cifar);

        var (result, error) = IdxMutationTests.RunWithTimeout(() => CifarBatches.ReadBatch(path));

        if (AssertOnlyDomainError(file, error)) return;
        var (pixels, labels) = ((byte[], int[]))result!;
        Assert.Equal(file.Cifar.Length / 3073, labels.Length);
        Assert.Equal(labels.Length * 3072, pixels.Length);
        Assert.All(labels, label => Assert.InRange(label, 0, 9));
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(ImageDataMutations)])]
    public void LoadImageFolder_MutatedPng_GivesOneImageOrThrowsInvalidDataFile(MutatedFile file)
    {
        using var temp = new TempFolder();
        string folder = temp.Folder("pngs");
        File.WriteAllBytes(Path.Combine(temp.Folder("pngs/train"), "a.png"), file.Png);
        File.WriteAllBytes(Path.Combine(temp.Folder("pngs/test"), "b.png"), file.Png);

        var (result, error) = IdxMutationTests.RunWithTimeout(() => new DatasetResolver(null, null, null, []).Load(folder));

        if (AssertOnlyDomainError(file, error)) return;
        var splits = (DataSplits)result!;
        Assert.Equal((1, 1), (splits.Train.Count, splits.Test.Count));
        Assert.Equal(splits.Train.Pixels, splits.Test.Pixels);
        Assert.All(splits.Train.Pixels, v => Assert.InRange(v, 0f, 1f));
    }

    /// <summary>True when reading failed, after checking that the failure is the one-line domain error.</summary>
    private static bool AssertOnlyDomainError(MutatedFile file, Exception? error)
    {
        if (error is null) return false;
        Assert.True(error is InvalidDataFileException, $"{file}: {error.GetType().Name} escaped: {error}");
        Assert.DoesNotContain('\n', error.Message);
        return true;
    }
}

/// <summary>
/// One valid file of each kind (an npy array of <see cref="Kind"/>, a CIFAR-10 batch, a PNG), each after the same
/// <see cref="Mutations"/>.
/// </summary>
public sealed record MutatedFile(string Kind, Mutation[] Mutations, byte[] Bytes, byte[] Cifar, byte[] Png)
{
    public override string ToString() => $"{Kind}, {string.Join(" then ", Mutations.Select(m => m.ToString()))}";
}

/// <summary>Replaces the first occurrence of an ASCII text, to reach the npy header's fields.</summary>
public sealed record ReplaceText(string Old, string New) : Mutation
{
    public override byte[] Apply(byte[] bytes)
    {
        byte[] old = Encoding.ASCII.GetBytes(Old);
        int at = bytes.AsSpan().IndexOf(old);
        return at < 0 ? bytes : [.. bytes[..at], .. Encoding.ASCII.GetBytes(New), .. bytes[(at + old.Length)..]];
    }
}

public static class ImageDataMutations
{
    private static readonly (string Old, string New)[] HeaderEdits =
    [
        ("|u1", "<f4"), ("|u1", "<i8"), ("|u1", ">f4"), ("|u1", "|b1"), ("<f4", "|u1"), ("<f4", "<f8"), ("<i8", "<i4"),
        ("False", "True"), ("False", "0"), ("'shape'", "'shapes'"), ("(", "["), (")", "]"), (", }", "}"), (", }", ", , }"),
        ("(2", "(99999999999"), ("(2", "(2147483648"), ("(2", "(0"), ("(2", "(-2"), ("(2", "(02"), (", 3", ", 3, 3"),
        (", 3", ""), (", 3)", ", 4)"), ("'descr'", "\"descr\""), ("'", "\\'"), ("\n", " "), (" ", "\t"), ("{", "{{"),
    ];

    public static Arbitrary<MutatedFile> MutatedFile() =>
        (from kind in Gen.Elements("grey", "colour-last", "float", "labels")
         from values in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 2 * 3 * 2 * 3)
         from colour in Gen.Elements(1, 3)
         from mutations in Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(Mutations, n))
         select Build(kind, values, colour, mutations)).ToArbitrary();

    private static Gen<Mutation> Mutations
    {
        get
        {
            Gen<byte[]> someBytes = Gen.Choose(1, 24).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n));
            Gen<int> anywhere = Gen.Choose(0, 1 << 20);
            Gen<int> nearTheStart = Gen.Choose(0, 96);
            return Gen.Frequency(
                (1, Gen.Constant<Mutation>(new Unchanged())),
                (4, from at in Gen.OneOf(anywhere, nearTheStart) from mask in Gen.Choose(1, 255) select (Mutation)new FlipByte(at, (byte)mask)),
                (2, Gen.Choose(0, 999).Select(keep => (Mutation)new Truncate(keep))),
                (2, Gen.Choose(1, 12).Select(n => (Mutation)new CutTail(n))),
                (2, someBytes.Select(extra => (Mutation)new Extend(extra))),
                (2, from at in Gen.OneOf(anywhere, nearTheStart) from remove in Gen.Choose(0, 8) from insert in someBytes
                    select (Mutation)new Splice(at, remove, insert)),
                (4, Gen.Elements(HeaderEdits).Select(edit => (Mutation)new ReplaceText(edit.Old, edit.New))));
        }
    }

    private static MutatedFile Build(string kind, byte[] values, int colour, Mutation[] mutations)
    {
        byte[] npy = kind switch
        {
            "grey" => DataFiles.Npy("|u1", [2, 6, 6], values.Concat(values).Concat(values).Take(72).ToArray()),
            "colour-last" => DataFiles.Npy("|u1", [2, 2, 3, 3], values[..36]),
            "float" => DataFiles.Npy("<f4", [2, 3, 2, 3], DataFiles.Floats([.. values.Select(v => v / 255f)])),
            _ => DataFiles.Npy("<i8", [2], DataFiles.Int64s(values[0] % 10, values[1] % 10)),
        };
        byte[] cifar = DataFiles.CifarBatch(1 + values[0] % 3);
        var image = new Image(3, 2, colour, values[..(6 * colour)]);
        byte[] png = values[1] % 3 == 0 ? DataFiles.RgbaPng(2, 3, values[2], values[3], values[4], values[5]) : Png.Encode(image);
        foreach (Mutation mutation in mutations)
        {
            npy = mutation.Apply(npy);
            if (mutation is not ReplaceText)
            {
                cifar = mutation.Apply(cifar);
                png = mutation.Apply(png);
            }
        }
        return new MutatedFile(kind, mutations, npy, cifar, png);
    }
}
