namespace LatentSharp.Data;

/// <summary>
/// Turns a dataset name (<c>sample</c>, <c>fashion-mnist</c>, <c>mnist</c>) or a folder path into its train and
/// test splits. A dataset folder holds the four standard IDX files, each raw or ".gz":
/// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.
/// </summary>
/// <remarks>
/// Search order for a name: the explicit data folder itself, then dataDir/&lt;name&gt;; $LATENTSHARP_DATA/&lt;name&gt;;
/// then for <c>sample</c> the folder data/sample in the application folder, the current folder and their parents;
/// for the others ~/.cache/latentsharp/&lt;name&gt;, and for <c>fashion-mnist</c> Debian's /usr/share/datasets/fashion-mnist
/// (package dataset-fashion-mnist). The first complete folder wins.
/// </remarks>
public sealed class DatasetResolver
{
    public const string EnvironmentVariable = "LATENTSHARP_DATA";
    public const string Sample = "sample";
    public const string FashionMnist = "fashion-mnist";
    public const string Mnist = "mnist";

    public static IReadOnlyList<string> KnownNames { get; } = [Sample, FashionMnist, Mnist];

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
    /// from the application folder and the current folder for data/sample.</summary>
    public DatasetResolver()
        : this(
            Environment.GetEnvironmentVariable(EnvironmentVariable),
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "latentsharp"),
            "/usr/share/datasets",
            [AppContext.BaseDirectory, Directory.GetCurrentDirectory()])
    {
    }

    /// <param name="environmentRoot">The value of $LATENTSHARP_DATA; null or empty when unset.</param>
    /// <param name="cacheRoot">The user's cache, normally ~/.cache/latentsharp; null to skip.</param>
    /// <param name="systemRoot">Where Debian's dataset packages install, normally /usr/share/datasets; null to skip.</param>
    /// <param name="sampleSearchStarts">Folders from which to walk up looking for data/sample.</param>
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
            if (problem is null) return folder;
            looked.Add($"{folder} ({origin}): {problem}");
        }
        throw new DatasetNotFoundException(name ?? nameOrFolder, looked, HowToInstall(name));
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
        if (name == Sample)
        {
            foreach (string start in _sampleSearchStarts)
                for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
                    places.Add((Path.Combine(dir.FullName, "data", Sample), $"walking up from {start}"));
        }
        else
        {
            if (_cacheRoot is not null) places.Add((Path.GetFullPath(Path.Combine(_cacheRoot, name)), "user cache"));
            if (name == FashionMnist && _systemRoot is not null)
                places.Add((Path.GetFullPath(Path.Combine(_systemRoot, name)), "Debian package dataset-fashion-mnist"));
        }
        return places.DistinctBy(p => p.Folder).ToList();
    }

    /// <summary>Reads a folder holding the four standard IDX files.</summary>
    public static DataSplits LoadFolder(string folder, string name, IReadOnlyList<string>? classNames = null)
    {
        string? problem = Problem(folder);
        if (problem is not null)
            throw new DatasetNotFoundException(name, [$"{folder}: {problem}"], HowToInstall(KnownName(name)));
        Dataset train = Dataset.Load($"{name}/train", FindFile(folder, TrainImages)!, FindFile(folder, TrainLabels)!, classNames);
        Dataset test = Dataset.Load($"{name}/test", FindFile(folder, TestImages)!, FindFile(folder, TestLabels)!, classNames);
        if (train.Rows != test.Rows || train.Cols != test.Cols)
            throw new InvalidDataFileException(FindFile(folder, TestImages)!,
                $"images are {test.Rows}x{test.Cols} but the training images are {train.Rows}x{train.Cols}",
                "Both splits must come from the same dataset.");
        return new DataSplits(train, test);
    }

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
    private static string? NotRegular(string file)
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
            Sample => "The sample ships with the repository in data/sample: run from inside a checkout, set "
                + $"{EnvironmentVariable} to a folder holding sample/, or regenerate it with scripts/make-sample-data.sh.",
            FashionMnist => "Install it with 'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu, installs to "
                + $"/usr/share/datasets/fashion-mnist), or put {files} into one of the folders above.",
            Mnist => $"Fetch it with scripts/fetch-mnist.sh (writes to ${EnvironmentVariable}/mnist or ~/.cache/latentsharp/mnist), "
                + $"or put {files} into one of the folders above.",
            _ => $"Give a known name ({string.Join(", ", KnownNames)}) or a folder holding {files}.",
        };
    }
}
