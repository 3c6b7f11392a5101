using System.Text;

namespace LatentSharp.Data;

/// <summary>
/// Reads the CIFAR-10 binary version (the folder <c>cifar-10-batches-bin</c> of <c>cifar-10-binary.tar.gz</c>):
/// <c>data_batch_1.bin</c> to <c>data_batch_5.bin</c> are the training split, <c>test_batch.bin</c> the test split, and
/// <c>batches.meta.txt</c>, when present, names the classes one per line (else the ten CIFAR-10 names are used).
/// </summary>
/// <remarks>
/// Each record is 1 label byte and 3,072 pixel bytes: the red, green and blue planes of a 32x32 image, row-major, which is
/// exactly the [C, H, W] layout of <see cref="Dataset"/>. A batch must be a whole, non-zero number of records (the
/// published batches hold 10,000 each) and every label must name a class.
/// </remarks>
public static class CifarBatches
{
    /// <summary>The side of a CIFAR-10 image, in pixels.</summary>
    public const int Side = 32;
    /// <summary>The colour planes of a CIFAR-10 image (red, green, blue).</summary>
    public const int Channels = 3;

    /// <summary>One record: the label byte, then the three planes.</summary>
    public const int RecordBytes = 1 + Channels * Side * Side;

    /// <summary>The test split's batch file.</summary>
    public const string TestFileName = "test_batch.bin";
    /// <summary>The optional file naming the classes, one per line.</summary>
    public const string MetaFileName = "batches.meta.txt";

    /// <summary>The five training batches, in order.</summary>
    public static IReadOnlyList<string> TrainFileNames { get; } = [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin")];

    /// <summary>The CIFAR-10 class names, in label order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    private const int MaxMetaBytes = 1 << 16;
    private const string Hint = "The file is damaged or not a CIFAR-10 binary batch: download and extract cifar-10-binary.tar.gz again.";

    /// <summary>Reads both splits of a CIFAR-10 binary folder.</summary>
    public static DataSplits LoadFolder(string folder, string name)
    {
        string? problem = Problem(folder);
        if (problem is not null) throw new DatasetNotFoundException(name, [$"{folder}: {problem}"], HowToGet);
        string metaPath = Path.Combine(folder, MetaFileName);
        IReadOnlyList<string> classNames = File.Exists(metaPath) ? ReadClassNames(metaPath) : ClassNames;

        var trainBatches = TrainFileNames.Select(f => ReadBatch(Path.Combine(folder, f), classNames.Count)).ToList();
        var (testPixels, testLabels) = ReadBatch(Path.Combine(folder, TestFileName), classNames.Count);
        byte[] trainPixels = [.. trainBatches.SelectMany(b => b.Pixels)];
        int[] trainLabels = [.. trainBatches.SelectMany(b => b.Labels)];
        return new DataSplits(
            Dataset.FromBytes($"{name}/train", trainLabels.Length, Channels, Side, Side, trainPixels, trainLabels, classNames),
            Dataset.FromBytes($"{name}/test", testLabels.Length, Channels, Side, Side, testPixels, testLabels, classNames));
    }

    /// <summary>
    /// Reads one batch file: pixels [N, 3 * 32 * 32] (each image [C, H, W]) and labels [N], each label below
    /// <paramref name="classCount"/>.
    /// </summary>
    public static (byte[] Pixels, int[] Labels) ReadBatch(string path, int classCount = 10)
    {
        using var file = InputFile.OpenRead(path, problem => new InvalidDataFileException(path, problem, "Datasets are read from regular files only."));
        long length = file.Length;
        if (length == 0) throw new InvalidDataFileException(path, "empty file, expected CIFAR-10 records", Hint);
        if (length % RecordBytes != 0)
            throw new InvalidDataFileException(path, length % (RecordBytes + 1) == 0
                ? $"{length} bytes is not a whole number of {RecordBytes}-byte CIFAR-10 records (it fits CIFAR-100's {RecordBytes + 1}-byte records, which are not read)"
                : $"{length} bytes is not a whole number of {RecordBytes}-byte records: the file is truncated or has extra bytes", Hint);
        long count = length / RecordBytes;
        if (count * (RecordBytes - 1) > Array.MaxLength)
            throw new InvalidDataFileException(path, $"holds {count} records, more than one array can hold", Hint);

        var pixels = new byte[count * (RecordBytes - 1)];
        var labels = new int[count];
        var record = new byte[RecordBytes];
        for (int i = 0; i < count; i++)
        {
            file.ReadExactly(record);
            if (record[0] >= classCount)
                throw new InvalidDataFileException(path, $"record {i} has label {record[0]}, but there are {classCount} classes", Hint);
            labels[i] = record[0];
            record.AsSpan(1).CopyTo(pixels.AsSpan(i * (RecordBytes - 1)));
        }
        return (pixels, labels);
    }

    /// <summary>Reads <c>batches.meta.txt</c>: one class name per line, blank lines ignored, UTF-8.</summary>
    public static IReadOnlyList<string> ReadClassNames(string path)
    {
        using var file = InputFile.OpenRead(path, problem => new InvalidDataFileException(path, problem, "Datasets are read from regular files only."));
        const string hint = "It must list the class names, one per line, in label order.";
        if (file.Length > MaxMetaBytes) throw new InvalidDataFileException(path, $"{file.Length} bytes is far too long for a list of class names", hint);
        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataFileException(path, "is not UTF-8 text", hint, e);
        }
        string[] names = [.. text.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0)];
        if (names.Length == 0) throw new InvalidDataFileException(path, "names no classes", hint);
        if (names.Length > 256) throw new InvalidDataFileException(path, $"names {names.Length} classes, but a label byte tells at most 256 apart", hint);
        return names;
    }

    /// <summary>Whether <paramref name="folder"/> holds any CIFAR-10 batch file.</summary>
    internal static bool Recognises(string folder) =>
        File.Exists(Path.Combine(folder, TestFileName)) || TrainFileNames.Any(f => File.Exists(Path.Combine(folder, f)));

    /// <summary>Why <paramref name="folder"/> is not a complete CIFAR-10 binary folder, or null.</summary>
    internal static string? Problem(string folder)
    {
        string[] files = [.. TrainFileNames, TestFileName];
        var missing = files.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
        if (missing.Count > 0) return "incomplete CIFAR-10 batches, missing " + string.Join(", ", missing);
        foreach (string file in files.Append(MetaFileName))
        {
            string path = Path.Combine(folder, file);
            if (File.Exists(path) && DatasetResolver.NotRegular(path) is string problem) return $"{file} {problem}";
        }
        return null;
    }

    internal const string HowToGet = "Extract cifar-10-binary.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html) and give its folder "
        + "cifar-10-batches-bin, which holds data_batch_1.bin to data_batch_5.bin and test_batch.bin.";
}
