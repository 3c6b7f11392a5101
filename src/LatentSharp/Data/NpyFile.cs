using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace LatentSharp.Data;

/// <summary>
/// Reads NumPy <c>.npy</c> arrays (format versions 1.0, 2.0 and 3.0) of images and labels, and folders of them.
/// </summary>
/// <remarks>
/// <para>The header, a Python dict literal such as <c>{'descr': '|u1', 'fortran_order': False, 'shape': (60000, 28, 28), }</c>,
/// is parsed strictly: exactly the keys descr, fortran_order and shape, quoted strings without escapes, True/False, and a
/// tuple of non-negative integers; only spaces between tokens, then spaces and one final newline. Anything else is
/// refused. The data must be C order (fortran_order False) and hold exactly the bytes the shape declares; sizes are
/// computed in 64 bits and checked against the file before anything is allocated.</para>
/// <para>Images: uint8 (<c>|u1</c>, values byte / 255) or little-endian float32 (<c>&lt;f4</c>, finite, in [0, 1], kept as
/// they are). Shapes: [N, H, W] (grey); [N, C, H, W] when the second dimension is 1 or 3 (channels first); otherwise
/// [N, H, W, C] when the last dimension is 1 or 3 (channels last, as NumPy image code and TensorFlow keep them), which is
/// reordered to [C, H, W]. Four channels (alpha) are refused.</para>
/// <para>Labels: a one-dimensional array of uint8, little-endian int32 or int64, one per image, each in [0, 65536).</para>
/// <para>A dataset folder holds <c>train_images.npy</c> and <c>test_images.npy</c>, and optionally
/// <c>train_labels.npy</c> and <c>test_labels.npy</c> (both or neither).</para>
/// </remarks>
public static class NpyFile
{
    /// <summary>The train images of an npy dataset folder.</summary>
    public const string TrainImagesFileName = "train_images.npy";
    /// <summary>The train labels of an npy dataset folder (optional).</summary>
    public const string TrainLabelsFileName = "train_labels.npy";
    /// <summary>The test images of an npy dataset folder.</summary>
    public const string TestImagesFileName = "test_images.npy";
    /// <summary>The test labels of an npy dataset folder (optional).</summary>
    public const string TestLabelsFileName = "test_labels.npy";

    /// <summary>The file names of an npy dataset folder; the two labels files are optional.</summary>
    public static IReadOnlyList<string> FileNames { get; } = [TrainImagesFileName, TrainLabelsFileName, TestImagesFileName, TestLabelsFileName];

    /// <summary>Labels must be below this: a class name is made for every label up to the largest.</summary>
    public const int MaxClasses = 1 << 16;

    private const int MaxSide = 1 << 14;
    private const int MaxHeaderBytes = 1 << 20;
    private const string Hint = "The file is damaged or not a NumPy array: write it again with numpy.save.";
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads an images array; pixels become [N, C * H * W], each image [C, H, W], values in [0, 1].</summary>
    public static Dataset ReadImages(string path, string name, int[]? labels = null, IReadOnlyList<string>? classNames = null)
    {
        using var file = InputFile.OpenRead(path, problem => new InvalidDataFileException(path, problem, "Datasets are read from regular files only."));
        Header header = ReadHeader(file, path);
        long[] shape = header.Shape;
        if (shape.Length is not (3 or 4))
            throw Invalid(path, $"shape {Format(shape)} is not one of [N, H, W], [N, C, H, W] or [N, H, W, C]");
        bool channelsLast = shape.Length == 4 && shape[1] is not (1 or 3) && shape[3] is 1 or 3 or 4;
        long count = shape[0];
        long channels = shape.Length == 3 ? 1 : channelsLast ? shape[3] : shape[1];
        long rows = channelsLast || shape.Length == 3 ? shape[1] : shape[2];
        long cols = channelsLast || shape.Length == 3 ? shape[2] : shape[3];
        if (channels is not (1 or 3))
            throw Invalid(path, $"shape {Format(shape)} has {channels} channels where 1 or 3 are read (channels first: [N, C, H, W] with C = 1 or 3; channels last: [N, H, W, C])",
                "Drop the alpha channel or composite it first.");
        if (count < 1 || count > Array.MaxLength) throw Invalid(path, $"shape {Format(shape)} holds {(count < 1 ? "no" : "too many")} images");
        if (rows < 1 || cols < 1 || rows > MaxSide || cols > MaxSide)
            throw Invalid(path, $"shape {Format(shape)} gives images of {rows}x{cols}, each side must be in [1, {MaxSide}]");
        long values = count * channels * rows * cols; // at most 2^31 * 3 * 2^28: no overflow in 64 bits
        if (values > Array.MaxLength)
            throw Invalid(path, $"shape {Format(shape)} holds {values} values, more than one array can hold");

        float[] pixels = new float[values];
        switch (header.Descr)
        {
            case "|u1" or "<u1" or ">u1":
                byte[] bytes = ReadData(file, path, header, values, itemBytes: 1);
                for (long i = 0; i < values; i++) pixels[i] = bytes[i] / 255f;
                break;
            case "<f4":
                byte[] raw = ReadData(file, path, header, values, itemBytes: 4);
                for (long i = 0; i < values; i++)
                {
                    float v = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan((int)(4 * i)));
                    if (!(v >= 0f && v <= 1f))
                        throw Invalid(path, $"value {v.ToString(CultureInfo.InvariantCulture)} at flat index {i} is not in [0, 1]",
                            "Scale float images to [0, 1] (divide bytes by 255) before saving.");
                    pixels[i] = v;
                }
                break;
            default:
                throw Invalid(path, $"element type '{header.Descr}' is not read for images, only uint8 ('|u1') and little-endian float32 ('<f4')",
                    "Convert the array with astype('uint8') or astype('<f4').");
        }
        if (channelsLast && channels > 1) pixels = ChannelsFirst(pixels, (int)count, (int)channels, (int)(rows * cols));

        if (labels is not null && labels.Length != count)
            throw Invalid(path, $"holds {count} images but its labels file holds {labels.Length} labels",
                "The images and labels files must come from the same split.");
        if (labels is not null && classNames is not null && labels.Length > 0 && labels.Max() >= classNames.Count)
            throw Invalid(path, $"label {labels.Max()} is out of range for the {classNames.Count} classes of this dataset",
                "The labels do not belong to this dataset.");
        return new Dataset(name, (int)count, (int)channels, (int)rows, (int)cols, pixels, labels, classNames);
    }

    /// <summary>Reads a labels array: one dimension, uint8 / int32 / int64, every label in [0, <see cref="MaxClasses"/>).</summary>
    public static int[] ReadLabels(string path)
    {
        using var file = InputFile.OpenRead(path, problem => new InvalidDataFileException(path, problem, "Datasets are read from regular files only."));
        Header header = ReadHeader(file, path);
        if (header.Shape.Length != 1) throw Invalid(path, $"labels have shape {Format(header.Shape)}, expected one dimension (N,)");
        long count = header.Shape[0];
        int itemBytes = header.Descr switch
        {
            "|u1" or "<u1" or ">u1" => 1,
            "<i4" => 4,
            "<i8" => 8,
            _ => throw Invalid(path, $"element type '{header.Descr}' is not read for labels, only uint8 ('|u1'), int32 ('<i4') and int64 ('<i8')",
                "Convert the labels with astype('int64')."),
        };
        if (count > Array.MaxLength) throw Invalid(path, $"shape {Format(header.Shape)} holds more labels than one array can hold");
        byte[] raw = ReadData(file, path, header, count, itemBytes);
        var labels = new int[count];
        for (int i = 0; i < labels.Length; i++)
        {
            long label = itemBytes switch
            {
                1 => raw[i],
                4 => BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(4 * i)),
                _ => BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(8 * i)),
            };
            if (label < 0 || label >= MaxClasses)
                throw Invalid(path, $"label {label} at index {i} is not in [0, {MaxClasses})", "Labels are class numbers counted from 0.");
            labels[i] = (int)label;
        }
        return labels;
    }

    /// <summary>Reads both splits of an npy dataset folder (see the remarks for its file names).</summary>
    public static DataSplits LoadFolder(string folder, string name, IReadOnlyList<string>? classNames = null)
    {
        string? problem = Problem(folder);
        if (problem is not null) throw new DatasetNotFoundException(name, [$"{folder}: {problem}"], $"Give a folder holding {string.Join(", ", FileNames)} (labels optional).");
        bool labelled = File.Exists(Path.Combine(folder, TrainLabelsFileName));
        Dataset Split(string images, string labels, string split) =>
            ReadImages(Path.Combine(folder, images), $"{name}/{split}", labelled ? ReadLabels(Path.Combine(folder, labels)) : null, classNames);
        Dataset train = Split(TrainImagesFileName, TrainLabelsFileName, "train");
        Dataset test = Split(TestImagesFileName, TestLabelsFileName, "test");
        if (classNames is null && train.ClassCount != test.ClassCount)
        {
            // Name the classes up to the largest label of either split, so a label means the same class in both.
            string[] names = Enumerable.Range(0, Math.Max(train.ClassCount, test.ClassCount)).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
            train = new Dataset(train.Name, train.Count, train.Channels, train.Rows, train.Cols, train.Pixels, train.Labels, names);
            test = new Dataset(test.Name, test.Count, test.Channels, test.Rows, test.Cols, test.Pixels, test.Labels, names);
        }
        return new DataSplits(train, test);
    }

    /// <summary>Whether <paramref name="folder"/> holds any of the npy dataset file names.</summary>
    internal static bool Recognises(string folder) => FileNames.Any(f => File.Exists(Path.Combine(folder, f)) || Directory.Exists(Path.Combine(folder, f)));

    /// <summary>Why <paramref name="folder"/> is not a complete npy dataset folder, or null.</summary>
    internal static string? Problem(string folder)
    {
        var missing = new List<string>();
        if (!File.Exists(Path.Combine(folder, TrainImagesFileName)) && !Directory.Exists(Path.Combine(folder, TrainImagesFileName))) missing.Add(TrainImagesFileName);
        if (!File.Exists(Path.Combine(folder, TestImagesFileName)) && !Directory.Exists(Path.Combine(folder, TestImagesFileName))) missing.Add(TestImagesFileName);
        bool trainLabels = File.Exists(Path.Combine(folder, TrainLabelsFileName)), testLabels = File.Exists(Path.Combine(folder, TestLabelsFileName));
        if (trainLabels != testLabels) missing.Add(trainLabels ? TestLabelsFileName : TrainLabelsFileName);
        if (missing.Count > 0) return "incomplete npy dataset, missing " + string.Join(", ", missing);
        foreach (string file in FileNames)
        {
            string path = Path.Combine(folder, file);
            if ((File.Exists(path) || Directory.Exists(path)) && DatasetResolver.NotRegular(path) is string problem) return $"{file} {problem}";
        }
        return null;
    }

    private static float[] ChannelsFirst(float[] channelsLast, int count, int channels, int pixelsPerChannel)
    {
        var planar = new float[channelsLast.Length];
        int d = channels * pixelsPerChannel;
        for (int n = 0; n < count; n++)
            for (int p = 0; p < pixelsPerChannel; p++)
                for (int c = 0; c < channels; c++)
                    planar[n * d + c * pixelsPerChannel + p] = channelsLast[n * d + p * channels + c]; // [H, W, C] -> [C, H, W]
        return planar;
    }

    private readonly record struct Header(string Descr, long[] Shape, long DataOffset);

    private static Header ReadHeader(FileStream file, string path)
    {
        Span<byte> prelude = stackalloc byte[12];
        int read = file.ReadAtLeast(prelude, prelude.Length, throwOnEndOfStream: false);
        if (read < 6 || !prelude[..6].SequenceEqual(Magic))
            throw Invalid(path, read == 0 ? "empty file, expected a NumPy array" : "not a NumPy .npy file: it does not start with \\x93NUMPY");
        if (read < 10) throw Invalid(path, $"truncated header: {read} bytes");
        byte major = prelude[6], minor = prelude[7];
        if (major is not (1 or 2 or 3) || minor != 0)
            throw Invalid(path, $"unsupported .npy format version {major}.{minor}, versions 1.0, 2.0 and 3.0 are read");
        int lengthBytes = major == 1 ? 2 : 4;
        if (read < 8 + lengthBytes) throw Invalid(path, $"truncated header: {read} bytes");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(prelude[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(prelude[8..]);
        long dataOffset = 8 + lengthBytes + headerLength;
        if (headerLength > MaxHeaderBytes) throw Invalid(path, $"absurd header length {headerLength} bytes, at most {MaxHeaderBytes}");
        if (dataOffset > file.Length) throw Invalid(path, $"truncated: the header says it is {headerLength} bytes long, the file holds {file.Length - 8 - lengthBytes}");

        var text = new byte[headerLength];
        file.Position = 8 + lengthBytes;
        file.ReadExactly(text);
        foreach (byte b in text)
            if (b is < 0x20 or > 0x7e && b != (byte)'\n')
                throw Invalid(path, $"the header holds the byte 0x{b:x2}, not printable ASCII");
        string dict = Encoding.ASCII.GetString(text);
        var (descr, shape) = new HeaderParser(dict, path).Parse();
        return new Header(descr, shape, dataOffset);
    }

    /// <summary>Reads the <paramref name="count"/> items after the header, refusing a file of any other length before allocating.</summary>
    private static byte[] ReadData(FileStream file, string path, Header header, long count, int itemBytes)
    {
        long held = file.Length - header.DataOffset;
        if (count > long.MaxValue / itemBytes || count * itemBytes != held)
        {
            string declared = $"{Format(header.Shape)} of '{header.Descr}' ({(count > long.MaxValue / itemBytes ? "too many" : (count * itemBytes).ToString(CultureInfo.InvariantCulture))} bytes)";
            throw Invalid(path, held < count * itemBytes || count > long.MaxValue / itemBytes
                ? $"truncated: the header says {declared}, the file holds {held} bytes of data"
                : $"{held - count * itemBytes} trailing bytes after the {declared} the header declares");
        }
        if (held > Array.MaxLength) throw Invalid(path, $"holds {held} bytes of data, more than one array can hold");
        var data = new byte[held];
        file.Position = header.DataOffset;
        file.ReadExactly(data);
        return data;
    }

    private static string Format(long[] shape) => "(" + string.Join(", ", shape) + (shape.Length == 1 ? ",)" : ")");

    private static InvalidDataFileException Invalid(string path, string problem, string hint = Hint) => new(path, problem, hint);

    /// <summary>A strict parser for the header dict; see the class remarks for what it accepts.</summary>
    private sealed class HeaderParser(string text, string path)
    {
        private int _at;

        public (string Descr, long[] Shape) Parse()
        {
            string? descr = null;
            bool? fortranOrder = null;
            long[]? shape = null;
            Expect('{');
            SkipSpaces();
            while (Peek() != '}')
            {
                string key = ParseString();
                SkipSpaces();
                Expect(':');
                SkipSpaces();
                switch (key)
                {
                    case "descr" when descr is null: descr = ParseString(); break;
                    case "fortran_order" when fortranOrder is null: fortranOrder = ParseBool(); break;
                    case "shape" when shape is null: shape = ParseShape(); break;
                    case "descr" or "fortran_order" or "shape": throw Malformed($"the key '{key}' appears twice");
                    default: throw Malformed($"unknown key '{key}'");
                }
                SkipSpaces();
                if (Peek() == ',') { _at++; SkipSpaces(); }
                else if (Peek() != '}') throw Malformed($"expected ',' or '}}' at offset {_at}");
            }
            _at++;
            SkipSpaces();
            if (_at != text.Length - 1 || text[_at] != '\n') throw Malformed("the header does not end in spaces and one newline after the dict");
            if (descr is null || fortranOrder is null || shape is null)
                throw Malformed("the header lacks " + string.Join(", ", new[] { descr is null ? "descr" : null, fortranOrder is null ? "fortran_order" : null, shape is null ? "shape" : null }.OfType<string>()));
            if (fortranOrder.Value)
                throw new InvalidDataFileException(path, "the array is in Fortran order", "Save a C-order array (numpy.ascontiguousarray) instead.");
            return (descr, shape);
        }

        private long[] ParseShape()
        {
            Expect('(');
            SkipSpaces();
            var dims = new List<long>();
            bool trailingComma = false;
            while (Peek() != ')')
            {
                dims.Add(ParseInteger());
                SkipSpaces();
                trailingComma = false;
                if (Peek() == ',') { _at++; SkipSpaces(); trailingComma = true; }
                else if (Peek() != ')') throw Malformed($"expected ',' or ')' in the shape at offset {_at}");
            }
            _at++;
            if (dims.Count == 1 && !trailingComma) throw Malformed("a one-element shape must be written (n,)");
            if (dims.Count > 8) throw Malformed($"a shape of {dims.Count} dimensions");
            return [.. dims];
        }

        private long ParseInteger()
        {
            int start = _at;
            while (_at < text.Length && char.IsAsciiDigit(text[_at])) _at++;
            int digits = _at - start;
            if (digits == 0) throw Malformed($"expected a non-negative integer at offset {start}");
            if (digits > 1 && text[start] == '0') throw Malformed($"the integer {text[start.._at]} has a leading zero");
            if (digits > 12) throw Malformed($"absurd dimension {text[start.._at]}");
            return long.Parse(text.AsSpan(start, digits), CultureInfo.InvariantCulture);
        }

        private bool ParseBool()
        {
            if (string.CompareOrdinal(text, _at, "True", 0, 4) == 0) { _at += 4; return true; }
            if (string.CompareOrdinal(text, _at, "False", 0, 5) == 0) { _at += 5; return false; }
            throw Malformed($"expected True or False at offset {_at}");
        }

        private string ParseString()
        {
            char quote = Peek();
            if (quote is not ('\'' or '"')) throw Malformed($"expected a quoted string at offset {_at}");
            int start = ++_at;
            while (_at < text.Length && text[_at] != quote)
            {
                if (text[_at] is '\\' or '\n') throw Malformed($"escapes and newlines in strings are not read (offset {_at})");
                _at++;
            }
            if (_at == text.Length) throw Malformed("a string is not closed");
            return text[start.._at++];
        }

        private void Expect(char c)
        {
            if (Peek() != c) throw Malformed($"expected '{c}' at offset {_at}");
            _at++;
        }

        private char Peek() => _at < text.Length ? text[_at] : '\0';

        private void SkipSpaces()
        {
            while (_at < text.Length && text[_at] == ' ') _at++;
        }

        private InvalidDataFileException Malformed(string problem) => Invalid(path, "malformed .npy header: " + problem);
    }
}
