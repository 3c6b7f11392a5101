using LatentSharp.Tensors;

namespace LatentSharp.Data;

/// <summary>
/// Images of <c>C x H x W</c> (<see cref="Channels"/> x <see cref="Rows"/> x <see cref="Cols"/>) as floats in [0, 1]
/// (byte / 255), with their labels. <c>D = C * H * W</c>; each image is channel-planar, [C, H, W] as in PyTorch, so a
/// grey image (C = 1) is just [H, W]. Labels and channels travel with images: <see cref="Subset"/> and
/// <see cref="Binarize"/> keep them.
/// </summary>
public sealed class Dataset
{
    /// <summary>The Fashion-MNIST class names, in label order.</summary>
    public static IReadOnlyList<string> FashionMnistClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The MNIST class names: the digits "0" to "9".</summary>
    public static IReadOnlyList<string> MnistClassNames { get; } = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>
    /// The seed of the one fixed binarization of a test split (<c>Binarize(new Rng(TestBinarizationSeed))</c>), shared by
    /// the trainer's per-epoch test ELBO and <c>latent eval</c> so that both see the same binary images.
    /// </summary>
    public const ulong TestBinarizationSeed = 20_141_222;

    private static readonly float[] ByteToUnit = BuildByteToUnit();

    /// <summary>
    /// Grey images: <paramref name="pixels"/> is [count, rows * cols] row-major with values in [0, 1]; <paramref name="labels"/>
    /// has length <paramref name="count"/>, or is null / empty when the data has none (both are kept, not copied).
    /// <paramref name="classNames"/> has one name per class; null names the classes "0", "1", ... up to the largest label.
    /// </summary>
    public Dataset(string name, int count, int rows, int cols, float[] pixels, int[]? labels = null, IReadOnlyList<string>? classNames = null)
        : this(name, count, channels: 1, rows, cols, pixels, labels, classNames)
    {
    }

    /// <summary>
    /// Images of <paramref name="channels"/> x <paramref name="rows"/> x <paramref name="cols"/>: <paramref name="pixels"/> is
    /// [count, channels * rows * cols], each image channel-planar [C, H, W], values in [0, 1]. Labels and class names as above.
    /// </summary>
    public Dataset(string name, int count, int channels, int rows, int cols, float[] pixels, int[]? labels = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        long dimensions = (long)channels * rows * cols;
        if (dimensions > int.MaxValue)
            throw new ArgumentException($"Images of {channels}x{rows}x{cols} are too large: {dimensions} values each.", nameof(pixels));
        if (pixels.Length != count * dimensions)
            throw new ArgumentException($"{count} images of {Shape(channels, rows, cols)} need {count * dimensions} pixels, got {pixels.Length}.", nameof(pixels));
        labels ??= [];
        if (labels.Length != 0 && labels.Length != count)
            throw new ArgumentException($"{count} images need {count} labels (or none), got {labels.Length}.", nameof(labels));

        int maxLabel = -1;
        foreach (int label in labels)
        {
            if (label < 0) throw new ArgumentException($"Labels must not be negative, got {label}.", nameof(labels));
            maxLabel = Math.Max(maxLabel, label);
        }
        string[] names = classNames is null
            ? Enumerable.Range(0, maxLabel + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()
            : classNames.ToArray();
        if (maxLabel >= names.Length)
            throw new ArgumentException($"Label {maxLabel} has no class name: {names.Length} names given.", nameof(classNames));

        Name = name;
        Count = count;
        Channels = channels;
        Rows = rows;
        Cols = cols;
        Pixels = pixels;
        Labels = labels;
        ClassNames = names;
    }

    /// <summary>The set and split it comes from, e.g. <c>sample/train</c>.</summary>
    public string Name { get; }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>C: 1 for grey images, 3 for colour (red, green, blue planes in that order).</summary>
    public int Channels { get; }

    /// <summary>H, the height of an image.</summary>
    public int Rows { get; }

    /// <summary>W, the width of an image.</summary>
    public int Cols { get; }

    /// <summary>D = C * H * W, the number of values of one image.</summary>
    public int Dimensions => Channels * Rows * Cols;

    /// <summary>[Count, Dimensions] row-major, each image [C, H, W]; values in [0, 1].</summary>
    public float[] Pixels { get; }

    /// <summary>Length <see cref="Count"/>, or empty when the data has no labels.</summary>
    public int[] Labels { get; }

    /// <summary>Whether every image has a label.</summary>
    public bool HasLabels => Labels.Length != 0;

    /// <summary>The number of classes, the length of <see cref="ClassNames"/>.</summary>
    public int ClassCount => ClassNames.Length;

    /// <summary>One name per class, indexed by label.</summary>
    public string[] ClassNames { get; }

    /// <summary>Image <paramref name="i"/>: [Dimensions].</summary>
    public ReadOnlySpan<float> Image(int i)
    {
        if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(i), i, $"must be in [0, {Count})");
        return Pixels.AsSpan(i * Dimensions, Dimensions);
    }

    /// <summary>
    /// Images from IDX contents; pixels become byte / 255. Image and label counts must agree, else an
    /// <see cref="InvalidDataFileException"/> names both <paramref name="imagesPath"/> and <paramref name="labelsPath"/>.
    /// </summary>
    public static Dataset FromIdx(string name, IdxImages images, byte[]? labels, IReadOnlyList<string>? classNames = null,
        string imagesPath = "images", string labelsPath = "labels")
    {
        ArgumentNullException.ThrowIfNull(images);
        if (labels is not null && labels.Length != images.Count)
            throw new InvalidDataFileException(labelsPath,
                $"holds {labels.Length} labels but {Path.GetFileName(imagesPath)} holds {images.Count} images",
                "The two files must come from the same split: download or generate both again.");

        var pixels = new float[images.Pixels.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = ByteToUnit[images.Pixels[i]];
        int[]? intLabels = labels is null ? null : Array.ConvertAll(labels, b => (int)b);

        if (classNames is not null && intLabels is not null)
        {
            foreach (int label in intLabels)
                if (label >= classNames.Count)
                    throw new InvalidDataFileException(labelsPath, $"label {label} is out of range for {classNames.Count} classes",
                        "The labels file does not belong to this dataset: download or generate it again.");
        }
        return new Dataset(name, images.Count, images.Rows, images.Cols, pixels, intLabels, classNames);
    }

    /// <summary>
    /// Images from bytes <paramref name="pixels"/> ([count, channels * rows * cols], each image [C, H, W]); values become
    /// byte / 255.
    /// </summary>
    internal static Dataset FromBytes(string name, int count, int channels, int rows, int cols, ReadOnlySpan<byte> pixels,
        int[]? labels, IReadOnlyList<string>? classNames)
    {
        var values = new float[pixels.Length];
        for (int i = 0; i < values.Length; i++) values[i] = ByteToUnit[pixels[i]];
        return new Dataset(name, count, channels, rows, cols, values, labels, classNames);
    }

    /// <summary>"28x28" for grey images, "3x32x32" for colour ones.</summary>
    internal static string Shape(int channels, int rows, int cols) => channels == 1 ? $"{rows}x{cols}" : $"{channels}x{rows}x{cols}";

    /// <summary>Reads an IDX images file and (optionally) its IDX labels file.</summary>
    public static Dataset Load(string name, string imagesPath, string? labelsPath, IReadOnlyList<string>? classNames = null)
    {
        IdxImages images = IdxFile.ReadImages(imagesPath);
        byte[]? labels = labelsPath is null ? null : IdxFile.ReadLabels(labelsPath);
        return FromIdx(name, images, labels, classNames, imagesPath, labelsPath ?? "labels");
    }

    /// <summary>The images at <paramref name="indices"/> (in that order, repeats allowed), with their labels.</summary>
    public Dataset Subset(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int d = Dimensions;
        var pixels = new float[(long)indices.Length * d];
        int[] labels = Labels.Length == 0 ? [] : new int[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), i, $"index {k} must be in [0, {Count})");
            Pixels.AsSpan(i * d, d).CopyTo(pixels.AsSpan(k * d, d));
            if (labels.Length != 0) labels[k] = Labels[i];
        }
        return new Dataset(Name, indices.Length, Channels, Rows, Cols, pixels, labels, ClassNames);
    }

    /// <summary>
    /// A new dataset with every pixel replaced by one Bernoulli(pixel) draw in {0, 1}: for the fixed binarized
    /// test set. Same <paramref name="rng"/> state, same result.
    /// </summary>
    public Dataset Binarize(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var pixels = new float[Pixels.Length];
        BernoulliDraw(Pixels, pixels, rng);
        return new Dataset(Name, Count, Channels, Rows, Cols, pixels, Labels, ClassNames);
    }

    /// <summary>destination[i] = 1 with probability probabilities[i], else 0.</summary>
    internal static void BernoulliDraw(ReadOnlySpan<float> probabilities, Span<float> destination, Rng rng)
    {
        for (int i = 0; i < probabilities.Length; i++)
            destination[i] = rng.NextFloat() < probabilities[i] ? 1f : 0f;
    }

    private static float[] BuildByteToUnit()
    {
        var table = new float[256];
        for (int b = 0; b < 256; b++) table[b] = b / 255f;
        return table;
    }
}
