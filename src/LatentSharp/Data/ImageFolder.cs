using StbImageSharp;

namespace LatentSharp.Data;

/// <summary>
/// Reads a folder of PNG and JPEG images (decoded by StbImageSharp) as a dataset.
/// </summary>
/// <remarks>
/// <para>Layout. A folder holding <c>train/</c> and <c>test/</c> gives the two splits. Otherwise the folder's images are
/// split here: within each class, file names sorted ordinally are shuffled with the fixed seed
/// <see cref="SplitSeed"/> and round(20%) of them become the test split, the rest the training split (so the same folder
/// always gives the same split). Each split folder (or the folder itself) holds either one sub-folder per class, whose
/// names, sorted ordinally, are the class names (labels 0, 1, ... in that order, shared by both splits), or the images
/// directly, which gives no labels. Files are read by their extension (.png, .jpg, .jpeg, any case); other files, names
/// starting with '.', and folders below the class folders are ignored. Within a split, images come in class order, then
/// file name order.</para>
/// <para>Pixels. Every image must have the size of the first one read (training split first); the first that differs is
/// refused, naming its size. The dataset has 3 channels (RGB) when any image is stored in colour, grey images then
/// repeating their value in all three; otherwise 1. Transparency is composited on white:
/// v = (v a + 255 (255 - a)) / 255, rounded. 16-bit images are reduced to 8 bits by the decoder.</para>
/// </remarks>
public static class ImageFolder
{
    /// <summary>The seed of the fixed split of a folder without train/ and test/.</summary>
    public const ulong SplitSeed = 20_240_601;

    /// <summary>The share of each class that becomes the test split of a folder without train/ and test/.</summary>
    public const double TestShare = 0.2;

    /// <summary>The subfolder holding the train split, when the split is given.</summary>
    public const string TrainFolderName = "train";
    /// <summary>The subfolder holding the test split, when the split is given.</summary>
    public const string TestFolderName = "test";

    /// <summary>The extensions read, lower case.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg"];

    /// <summary>The most pixels one image may have (4096 x 4096): the decoder allocates what a header declares.</summary>
    public const long MaxPixelsPerImage = 1L << 24;

    private const long MaxFileBytes = 1L << 26;
    private const string Hint = "The image is damaged or not a PNG or JPEG file: replace or remove it.";

    /// <summary>Reads both splits of an image folder (see the remarks for the layout and the pixel rules).</summary>
    public static DataSplits LoadFolder(string folder, string name)
    {
        string? problem = Problem(folder);
        if (problem is not null)
            throw new DatasetNotFoundException(name, [$"{folder}: {problem}"], "Give a folder of PNG or JPEG images: one sub-folder per class, optionally inside train/ and test/.");

        List<Entry> train, test;
        string[] classNames;
        if (HasSplitFolders(folder))
        {
            Listing trainListing = List(Path.Combine(folder, TrainFolderName)), testListing = List(Path.Combine(folder, TestFolderName));
            if (trainListing.Labelled != testListing.Labelled)
                throw new InvalidDataFileException(Path.Combine(folder, trainListing.Labelled ? TestFolderName : TrainFolderName),
                    "holds its images directly while the other split has class sub-folders",
                    "Give both train/ and test/ one sub-folder per class, or neither.");
            classNames = [.. trainListing.ClassNames.Union(testListing.ClassNames).Order(StringComparer.Ordinal)];
            train = Labelled(trainListing, classNames);
            test = Labelled(testListing, classNames);
        }
        else
        {
            Listing listing = List(folder);
            classNames = listing.ClassNames;
            (train, test) = Split(Labelled(listing, classNames));
            if (test.Count == 0)
                throw new InvalidDataFileException(folder, $"holds {train.Count} image(s), too few to set {TestShare:P0} of each class aside for testing",
                    "Add images, or give train/ and test/ sub-folders.");
        }

        var trainImages = Decode(train);
        var testImages = Decode(test, trainImages.Count > 0 ? trainImages[0] : null);
        bool colour = trainImages.Concat(testImages).Any(i => i.Colour);
        IReadOnlyList<string>? names = classNames.Length > 0 ? classNames : null;
        return new DataSplits(
            ToDataset($"{name}/train", trainImages, train, colour, names, folder),
            ToDataset($"{name}/test", testImages, test, colour, names, folder));
    }

    /// <summary>Whether <paramref name="folder"/> looks like an image folder: train/ and test/, image files, or sub-folders holding images.</summary>
    internal static bool Recognises(string folder) =>
        HasSplitFolders(folder) || ImageFiles(folder).Any() || SubFolders(folder).Any(f => ImageFiles(f).Any());

    /// <summary>Why <paramref name="folder"/> is not an image folder, or null.</summary>
    internal static string? Problem(string folder)
    {
        if (HasSplitFolders(folder))
        {
            foreach (string split in new[] { TrainFolderName, TestFolderName })
            {
                string path = Path.Combine(folder, split);
                if (!ImageFiles(path).Any() && !SubFolders(path).Any(f => ImageFiles(f).Any())) return $"{split}/ holds no PNG or JPEG images";
            }
            return null;
        }
        return Recognises(folder) ? null : "no PNG or JPEG images";
    }

    private static bool HasSplitFolders(string folder) =>
        Directory.Exists(Path.Combine(folder, TrainFolderName)) && Directory.Exists(Path.Combine(folder, TestFolderName));

    private static IEnumerable<string> ImageFiles(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => !Path.GetFileName(f).StartsWith('.') && Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal);

    private static IEnumerable<string> SubFolders(string folder) =>
        Directory.EnumerateDirectories(folder).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal);

    /// <summary>The images of one split folder: by class when it has class sub-folders, else directly.</summary>
    private sealed record Listing(bool Labelled, string[] ClassNames, List<(string File, string? Class)> Files);

    private static Listing List(string folder)
    {
        string[] classFolders = [.. SubFolders(folder)];
        string[] loose = [.. ImageFiles(folder)];
        if (classFolders.Length == 0) return new Listing(false, [], [.. loose.Select(f => (f, (string?)null))]);
        if (loose.Length > 0)
            throw new InvalidDataFileException(loose[0], $"lies next to the class folders of {folder}, so it has no class",
                "Move it into its class folder or remove it.");
        var files = classFolders.SelectMany(c => ImageFiles(c).Select(f => (f, (string?)Path.GetFileName(c)))).ToList();
        return new Listing(true, [.. classFolders.Select(c => Path.GetFileName(c)!)], files);
    }

    /// <summary>One image file and its label (-1 when the data has none).</summary>
    private readonly record struct Entry(string File, int Label);

    private static List<Entry> Labelled(Listing listing, string[] classNames) =>
        [.. listing.Files.Select(f => new Entry(f.File, f.Class is null ? -1 : Array.IndexOf(classNames, f.Class)))];

    /// <summary>The fixed split: per class, a seeded shuffle of the sorted files, the first round(20%) to the test split.</summary>
    private static (List<Entry> Train, List<Entry> Test) Split(List<Entry> entries)
    {
        var rng = new Tensors.Rng(SplitSeed);
        List<Entry> train = [], test = [];
        foreach (var group in entries.GroupBy(e => e.Label).OrderBy(g => g.Key))
        {
            Entry[] shuffled = [.. group];
            for (int i = shuffled.Length - 1; i > 0; i--)
            {
                int j = rng.NextInt(i + 1);
                (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
            }
            int testCount = (int)Math.Round(shuffled.Length * TestShare, MidpointRounding.AwayFromZero);
            test.AddRange(shuffled[..testCount]);
            train.AddRange(shuffled[testCount..]);
        }
        Comparison<Entry> byClassThenFile = (a, b) => a.Label != b.Label ? a.Label.CompareTo(b.Label) : string.CompareOrdinal(a.File, b.File);
        train.Sort(byClassThenFile);
        test.Sort(byClassThenFile);
        return (train, test);
    }

    /// <summary>One decoded image: [H, W, 4] RGBA bytes and whether its file stores colour.</summary>
    private sealed record Decoded(string File, int Width, int Height, bool Colour, byte[] Rgba);

    /// <summary>Decodes <paramref name="entries"/>, each of the size of <paramref name="first"/> (or of the first decoded).</summary>
    private static List<Decoded> Decode(List<Entry> entries, Decoded? first = null)
    {
        var images = new List<Decoded>(entries.Count);
        foreach (Entry entry in entries)
        {
            Decoded image = DecodeFile(entry.File, first);
            first ??= image;
            images.Add(image);
        }
        return images;
    }

    /// <summary>
    /// Decodes one file; a header whose size differs from <paramref name="expected"/>'s is refused before the pixels are
    /// decoded, so a lying header costs no memory.
    /// </summary>
    private static Decoded DecodeFile(string path, Decoded? expected)
    {
        byte[] bytes;
        try
        {
            using var file = InputFile.OpenRead(path, problem => new InvalidDataFileException(path, problem, "Datasets are read from regular files only."));
            if (file.Length > MaxFileBytes) throw new InvalidDataFileException(path, $"{file.Length} bytes is too large for one image", Hint);
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataFileException(path, $"cannot be read ({OneLine(e.Message)})", "Check the file's permissions.", e);
        }

        bool png = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        bool jpeg = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]);
        if (!png && !jpeg) throw new InvalidDataFileException(path, bytes.Length == 0 ? "empty file" : "is neither a PNG nor a JPEG file (wrong signature)", Hint);

        ImageInfo info;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            info = ImageInfo.FromStream(stream) ?? throw new InvalidDataFileException(path, "has a damaged or unsupported header", Hint);
        }
        catch (Exception e) when (e is not InvalidDataFileException)
        {
            throw new InvalidDataFileException(path, $"has a damaged header ({OneLine(e.Message)})", Hint, e);
        }
        if (info.Width < 1 || info.Height < 1 || (long)info.Width * info.Height > MaxPixelsPerImage)
            throw new InvalidDataFileException(path, $"declares an image of {info.Width}x{info.Height}, at most {MaxPixelsPerImage} pixels are read", Hint);
        if (expected is not null && (info.Width != expected.Width || info.Height != expected.Height))
            throw SizeMismatch(path, info.Width, info.Height, expected);

        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlueAlpha);
        }
        catch (Exception e)
        {
            throw new InvalidDataFileException(path, $"cannot be decoded ({OneLine(e.Message)})", Hint, e);
        }
        if (result.Width != info.Width || result.Height != info.Height || result.Data.Length != 4L * info.Width * info.Height)
            throw new InvalidDataFileException(path, $"decodes to {result.Width}x{result.Height} but its header says {info.Width}x{info.Height}", Hint);
        bool colour = result.SourceComp is ColorComponents.RedGreenBlue or ColorComponents.RedGreenBlueAlpha;
        return new Decoded(path, info.Width, info.Height, colour, result.Data);
    }

    /// <summary>A decoder's message as a phrase inside ours: one line, no final full stop.</summary>
    private static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.');

    private static InvalidDataFileException SizeMismatch(string path, int width, int height, Decoded first) =>
        new(path, $"is {width}x{height} (width x height) but {Path.GetFileName(first.File)}, the first image, is {first.Width}x{first.Height}",
            "All images of a dataset must have one size: resize them first.");

    /// <summary>RGBA [H, W, 4] images to [N, C, H, W] floats in [0, 1], alpha composited on white.</summary>
    private static Dataset ToDataset(string name, List<Decoded> images, List<Entry> entries, bool colour, IReadOnlyList<string>? classNames, string folder)
    {
        int channels = colour ? 3 : 1;
        int height = images.Count > 0 ? images[0].Height : 1, width = images.Count > 0 ? images[0].Width : 1;
        int pixelsPerChannel = height * width, d = channels * pixelsPerChannel;
        if ((long)images.Count * d > Array.MaxLength)
            throw new InvalidDataFileException(folder, $"holds {images.Count} images of {channels}x{height}x{width}, more values than one array can hold",
                "Use fewer or smaller images.");
        var bytes = new byte[images.Count * d];
        for (int n = 0; n < images.Count; n++)
        {
            byte[] rgba = images[n].Rgba;
            for (int p = 0; p < pixelsPerChannel; p++)
            {
                int alpha = rgba[4 * p + 3];
                for (int c = 0; c < channels; c++)
                    bytes[n * d + c * pixelsPerChannel + p] = (byte)((rgba[4 * p + c] * alpha + 255 * (255 - alpha) + 127) / 255); // [H, W, 4] -> [C, H, W]
            }
        }
        int[]? labels = classNames is null ? null : [.. entries.Select(e => e.Label)];
        return Dataset.FromBytes(name, images.Count, channels, height, width, bytes, labels, classNames);
    }
}
