namespace LatentSharp.Data;

/// <summary>
/// Turns a dataset name (<c>sample</c>, <c>fashion-mnist</c>, <c>mnist</c>, <c>emoji</c>, <c>emoji-sample</c>) or a folder
/// path into its train and test splits. A dataset folder is recognised by what it holds, in this order: the four
/// standard IDX files, each raw or ".gz" (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
/// t10k-labels-idx1-ubyte); CIFAR-10 binary batches (<see cref="CifarBatches"/>); NumPy arrays (<see cref="NpyFile"/>);
/// PNG or JPEG images (<see cref="ImageFolder"/>).
/// </summary>
/// <remarks>
/// Search order for a name: the explicit data folder itself, then dataDir/&lt;name&gt;; $LATENTSHARP_DATA/&lt;name&gt;;
/// then for the shipped sets <c>sample</c> and <c>emoji-sample</c> the folder data/&lt;name&gt; in the application folder,
/// the current folder and their parents, then the copy embedded in the library, unpacked on first use into
/// ~/.cache/latentsharp/shipped-&lt;version&gt;/&lt;name&gt;; for the others ~/.cache/latentsharp/&lt;name&gt;, and for <c>fashion-mnist</c>
/// Debian's /usr/share/datasets/fashion-mnist (package dataset-fashion-mnist). The first complete folder wins.
/// </remarks>
public sealed class DatasetResolver
{
    /// <summary>The environment variable naming a folder that holds datasets by name.</summary>
    public const string EnvironmentVariable = "LATENTSHARP_DATA";
    /// <summary>The class-balanced Fashion-MNIST subset shipped in data/sample and inside the library: 6,000 train and 1,000 test images of 28x28.</summary>
    public const string Sample = "sample";
    /// <summary>Zalando's Fashion-MNIST: 60,000 train and 10,000 test grey images of 28x28 in 10 classes.</summary>
    public const string FashionMnist = "fashion-mnist";
    /// <summary>LeCun's MNIST handwritten digits: 60,000 train and 10,000 test grey images of 28x28.</summary>
    public const string Mnist = "mnist";

    /// <summary>3,786 Noto emoji, 64x64 colour, labelled by category: made by scripts/fetch-emoji.sh.</summary>
    public const string Emoji = "emoji";

    /// <summary>A small subset of <see cref="Emoji"/>, shipped in data/emoji-sample.</summary>
    public const string EmojiSample = "emoji-sample";

    /// <summary>Every dataset name the resolver knows.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = [Sample, FashionMnist, Mnist, Emoji, EmojiSample];

    /// <summary>The sets that ship with the repository in data/&lt;name&gt;.</summary>
    private static readonly string[] ShippedNames = [Sample, EmojiSample];

    /// <summary>The standard IDX file names of a dataset folder, without ".gz".</summary>
    public static IReadOnlyList<string> StandardFileNames { get; } =
        [TrainImages, TrainLabels, TestImages, TestLabels];

    private const string TrainImages = "train-images-idx3-ubyte";
    private const string TrainLabels = "train-labels-idx1-ubyte";
    private const string TestImages = "t10k-images-idx3-ubyte";
    private const string TestLabels = "t10k-labels-idx1-ubyte";

    private readonly string? _environmentRoot;
    private readonly string? _cacheRoot;
    private readonly string? _systemRoot;
    private readonly IReadOnlyList<string> _sampleSearchStarts;

    /// <summary>Searches the real places: $LATENTSHARP_DATA, ~/.cache/latentsharp, /usr/share/datasets, and walks up
    /// from the application folder and the current folder for data/sample; the shipped sets unpack into ~/.cache/latentsharp.</summary>
    public DatasetResolver()
        : this(
            Environment.GetEnvironmentVariable(EnvironmentVariable),
            UserCache(),
            "/usr/share/datasets",
            [AppContext.BaseDirectory, Directory.GetCurrentDirectory()])
    {
    }

    /// <summary>~/.cache/latentsharp; without a home folder (a service account), latentsharp in the temporary folder.</summary>
    private static string UserCache()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length > 0 ? Path.Combine(home, ".cache", "latentsharp") : Path.Combine(Path.GetTempPath(), "latentsharp");
    }

    /// <param name="environmentRoot">The value of $LATENTSHARP_DATA; null or empty when unset.</param>
    /// <param name="cacheRoot">The user's cache, normally ~/.cache/latentsharp, where the embedded shipped sets are unpacked; null to skip.</param>
    /// <param name="systemRoot">Where Debian's dataset packages install, normally /usr/share/datasets; null to skip.</param>
    /// <param name="sampleSearchStarts">Folders from which to walk up looking for data/sample and data/emoji-sample.</param>
    public DatasetResolver(string? environmentRoot, string? cacheRoot, string? systemRoot, IReadOnlyList<string> sampleSearchStarts)
    {
        ArgumentNullException.ThrowIfNull(sampleSearchStarts);
        _environmentRoot = string.IsNullOrEmpty(environmentRoot) ? null : environmentRoot;
        _cacheRoot = string.IsNullOrEmpty(cacheRoot) ? null : cacheRoot;
        _systemRoot = string.IsNullOrEmpty(systemRoot) ? null : systemRoot;
        _sampleSearchStarts = sampleSearchStarts;
    }

    /// <summary>Finds and reads both splits of a named dataset or of a dataset folder.</summary>
    /// <exception cref="DatasetNotFoundException">No complete dataset folder in any place searched.</exception>
    /// <exception cref="InvalidDataFileException">A file of the folder found cannot be used.</exception>
    public DataSplits Load(string nameOrFolder, string? dataDir = null)
    {
        string folder = Locate(nameOrFolder, dataDir);
        string name = KnownName(nameOrFolder) ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        return LoadFolder(folder, name, ClassNamesFor(name));
    }

    /// <summary>The folder that <see cref="Load"/> would read.</summary>
    /// <exception cref="DatasetNotFoundException">No complete dataset folder in any place searched.</exception>
    public string Locate(string nameOrFolder, string? dataDir = null)
    {
        ArgumentNullException.ThrowIfNull(nameOrFolder);
        if (string.IsNullOrWhiteSpace(nameOrFolder) || nameOrFolder.Contains('\0') || dataDir?.Contains('\0') == true)
            throw new DatasetNotFoundException(nameOrFolder, ["no dataset name or folder given (or a path with a NUL character)"], HowToInstall(null));
        string? name = KnownName(nameOrFolder);
        var looked = new List<string>();
        foreach (var (folder, origin) in SearchPlaces(nameOrFolder, dataDir))
        {
            string? problem = Problem(folder);
            if (problem is not null && origin == EmbeddedOrigin) problem = Unpacked(name!, folder);
            if (problem is null) return folder;
            looked.Add($"{folder} ({origin}): {problem}");
        }
        throw new DatasetNotFoundException(name ?? nameOrFolder, looked, HowToInstall(name));
    }

    private const string EmbeddedOrigin = "shipped inside the LatentSharp library, unpacked here on first use";

    /// <summary>Unpacks the embedded set <paramref name="name"/> into <paramref name="folder"/>; why it still is no dataset folder, or null.</summary>
    private static string? Unpacked(string name, string folder)
    {
        try
        {
            ShippedData.Unpack(name, folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be unpacked ({e.Message.TrimEnd('.')})";
        }
        return Problem(folder);
    }

    /// <summary>Every folder searched for <paramref name="nameOrFolder"/>, in order, with where it comes from.</summary>
    public IReadOnlyList<(string Folder, string Origin)> SearchPlaces(string nameOrFolder, string? dataDir = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrFolder);
        string? name = KnownName(nameOrFolder);
        var places = new List<(string Folder, string Origin)>();
        if (name is null)
        {
            places.Add((Path.GetFullPath(nameOrFolder), "folder given"));
            return places;
        }

        if (!string.IsNullOrEmpty(dataDir))
        {
            places.Add((Path.GetFullPath(dataDir), "data folder given"));
            places.Add((Path.GetFullPath(Path.Combine(dataDir, name)), "data folder given"));
        }
        if (_environmentRoot is not null) places.Add((Path.GetFullPath(Path.Combine(_environmentRoot, name)), $"${EnvironmentVariable}"));
        if (ShippedNames.Contains(name))
        {
            foreach (string start in _sampleSearchStarts)
                for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
                    places.Add((Path.Combine(dir.FullName, "data", name), $"walking up from {start}"));
            if (_cacheRoot is not null && ShippedData.Embeds(name)) places.Add((ShippedData.FolderFor(_cacheRoot, name), EmbeddedOrigin));
        }
        else
        {
            if (_cacheRoot is not null) places.Add((Path.GetFullPath(Path.Combine(_cacheRoot, name)), "user cache"));
            if (name == FashionMnist && _systemRoot is not null)
                places.Add((Path.GetFullPath(Path.Combine(_systemRoot, name)), "Debian package dataset-fashion-mnist"));
        }
        return places.DistinctBy(p => p.Folder).ToList();
    }

    /// <summary>
    /// Reads a dataset folder of any format the resolver recognises. <paramref name="classNames"/> names the classes of
    /// formats that carry no names (IDX, npy); CIFAR-10 and image folders name their own.
    /// </summary>
    public static DataSplits LoadFolder(string folder, string name, IReadOnlyList<string>? classNames = null)
    {
        string? problem = Problem(folder);
        if (problem is not null)
            throw new DatasetNotFoundException(name, [$"{folder}: {problem}"], HowToInstall(KnownName(name)));
        DataSplits splits = FormatOf(folder) switch
        {
            Format.Cifar => CifarBatches.LoadFolder(folder, name),
            Format.Npy => NpyFile.LoadFolder(folder, name, classNames),
            Format.Images => ImageFolder.LoadFolder(folder, name),
            _ => new DataSplits(
                Dataset.Load($"{name}/train", FindFile(folder, TrainImages)!, FindFile(folder, TrainLabels)!, classNames),
                Dataset.Load($"{name}/test", FindFile(folder, TestImages)!, FindFile(folder, TestLabels)!, classNames)),
        };
        var (train, test) = (splits.Train, splits.Test);
        if (train.Channels != test.Channels || train.Rows != test.Rows || train.Cols != test.Cols)
            throw new InvalidDataFileException(FormatOf(folder) == Format.Idx ? FindFile(folder, TestImages)! : folder,
                $"images are {Dataset.Shape(test.Channels, test.Rows, test.Cols)} but the training images are {Dataset.Shape(train.Channels, train.Rows, train.Cols)}",
                "Both splits must come from the same dataset.");
        return splits;
    }

    /// <summary>The file formats a dataset folder can hold, in the order they are recognised.</summary>
    private enum Format { None, Idx, Cifar, Npy, Images }

    private static Format FormatOf(string folder) =>
        StandardFileNames.Any(f => FindFile(folder, f) is not null) ? Format.Idx
        : CifarBatches.Recognises(folder) ? Format.Cifar
        : NpyFile.Recognises(folder) ? Format.Npy
        : ImageFolder.Recognises(folder) ? Format.Images
        : Format.None;

    private static string? KnownName(string nameOrFolder)
    {
        foreach (string known in KnownNames)
            if (string.Equals(nameOrFolder, known, StringComparison.OrdinalIgnoreCase)) return known;
        return null;
    }

    /// <summary>Fashion-MNIST names for the sample, fashion-mnist and folders named like it; digits otherwise.</summary>
    private static IReadOnlyList<string>? ClassNamesFor(string name) =>
        name == Sample || name.Contains("fashion", StringComparison.OrdinalIgnoreCase) ? Dataset.FashionMnistClassNames
        : name == Mnist ? Dataset.MnistClassNames
        : null;

    /// <summary>Why <paramref name="folder"/> is not a dataset folder, or null when it is one.</summary>
    private static string? Problem(string folder)
    {
        if (!Directory.Exists(folder)) return "no such folder";
        try
        {
            return FormatOf(folder) switch
            {
                Format.Idx => IdxProblem(folder),
                Format.Cifar => CifarBatches.Problem(folder),
                Format.Npy => NpyFile.Problem(folder),
                Format.Images => ImageFolder.Problem(folder),
                _ => "no dataset files: no IDX files, CIFAR-10 batches, .npy arrays or PNG/JPEG images",
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be listed ({e.Message.TrimEnd('.')})";
        }
    }

    private static string? IdxProblem(string folder)
    {
        var missing = StandardFileNames.Where(f => FindFile(folder, f) is null).ToList();
        if (missing.Count == StandardFileNames.Count) return "no IDX files";
        if (missing.Count > 0) return "incomplete, missing " + string.Join(", ", missing.Select(f => f + "[.gz]"));
        foreach (string baseName in StandardFileNames)
        {
            string file = FindFile(folder, baseName)!;
            if (NotRegular(file) is string problem) return $"{Path.GetFileName(file)} {problem}";
        }
        return null;
    }

    /// <summary>Why <paramref name="file"/> cannot be read as a file (a FIFO would block the reader), or null.</summary>
    internal static string? NotRegular(string file)
    {
        try
        {
            InputFile.RequireRegular(file, problem => new InvalidDataFileException(file, problem, ""));
            return null;
        }
        catch (InvalidDataFileException e)
        {
            return e.Problem;
        }
        catch (FileNotFoundException)
        {
            return "disappeared while searching";
        }
    }

    /// <summary>The raw file if present, else the ".gz" one, else null.</summary>
    private static string? FindFile(string folder, string baseName)
    {
        string raw = Path.Combine(folder, baseName);
        if (File.Exists(raw)) return raw;
        string gz = raw + ".gz";
        return File.Exists(gz) ? gz : null;
    }

    private static string HowToInstall(string? name)
    {
        string files = "the four IDX files " + string.Join(", ", StandardFileNames.Select(f => f + "[.gz]"));
        return name switch
        {
            Sample => "The sample ships inside the LatentSharp library and with the repository in data/sample: make the cache folder writable, run from inside a checkout, set "
                + $"{EnvironmentVariable} to a folder holding sample/, or regenerate it with scripts/make-sample-data.sh.",
            FashionMnist => "Install it with 'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu, installs to "
                + $"/usr/share/datasets/fashion-mnist), or put {files} into one of the folders above.",
            Mnist => $"Fetch it with scripts/fetch-mnist.sh (writes to ${EnvironmentVariable}/mnist or ~/.cache/latentsharp/mnist), "
                + $"or put {files} into one of the folders above.",
            Emoji => $"Fetch it with scripts/fetch-emoji.sh (writes to ${EnvironmentVariable}/emoji or ~/.cache/latentsharp/emoji).",
            EmojiSample => "The colour sample ships inside the LatentSharp library and with the repository in data/emoji-sample: make the cache folder writable, run from inside a checkout, set "
                + $"{EnvironmentVariable} to a folder holding emoji-sample/, or regenerate it with scripts/fetch-emoji.sh --sample data/emoji-sample.",
            _ => $"Give a known name ({string.Join(", ", KnownNames)}) or a folder holding {files}; or CIFAR-10 batches "
                + $"(data_batch_1..5.bin, test_batch.bin); or {string.Join(", ", NpyFile.FileNames)} (labels optional); "
                + "or PNG/JPEG images, one sub-folder per class, optionally inside train/ and test/.",
        };
    }
}
