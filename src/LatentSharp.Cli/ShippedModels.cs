using System.Reflection;
using System.Text.RegularExpressions;
using LatentSharp.Training;

namespace LatentSharp.Cli;

/// <summary>
/// The pretrained models shipped with the tool: the repository's folder models/&lt;name&gt;/ (a weights-only
/// model.safetensors and its eval.json), embedded in the tool's assembly so the installed tool has them without a
/// checkout. Every command taking a checkpoint (<c>-m/--model</c>) accepts a shipped model's name; the model is unpacked
/// once, on first use, into a cache folder named by the tool's version, because a checkpoint is read from a file.
/// </summary>
public static partial class ShippedModels
{
    /// <summary>The manifest name of a shipped file: this prefix, the model's name, '/', the file's name.</summary>
    private const string ResourcePrefix = "LatentSharp.Cli.Models/";

    /// <summary>The checkpoint file of a shipped model.</summary>
    public const string CheckpointFileName = "model.safetensors";

    /// <summary>The names of the shipped models, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = Assembly.GetManifestResourceNames()
        .Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        .Select(r => r[ResourcePrefix.Length..].Replace('\\', '/'))
        .Where(r => r.EndsWith("/" + CheckpointFileName, StringComparison.Ordinal))
        .Select(r => r[..r.IndexOf('/', StringComparison.Ordinal)])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>
    /// The checkpoint file that <paramref name="model"/> names: a file that exists is itself; a shipped model's name is
    /// its unpacked model.safetensors; any other value that looks like a path is returned as given, so that reading it
    /// gives the usual file-not-found error.
    /// </summary>
    /// <exception cref="UsageException">A bare name (no folder, no extension) that is neither a file nor a shipped model.</exception>
    public static string Resolve(string model) => Resolve(model, DefaultCacheRoot());

    /// <summary><see cref="Resolve(string)"/> with the shipped models unpacked under <paramref name="cacheRoot"/>.</summary>
    public static string Resolve(string model, string cacheRoot)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cacheRoot);
        if (File.Exists(model)) return model;
        if (Names.Contains(model, StringComparer.Ordinal)) return Unpacked(model, cacheRoot);
        bool bareName = model.Length > 0 && model.IndexOfAny(['/', '\\']) < 0 && !Path.HasExtension(model);
        if (bareName)
            throw new UsageException($"No checkpoint file or shipped model named '{model}'; the shipped models are: {ListedNames()}.");
        return model;
    }

    /// <summary>The shipped model's name when <paramref name="checkpointPath"/> is one unpacked by <see cref="Resolve(string)"/>, else null.</summary>
    public static string? NameOf(string checkpointPath)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        string full = Path.GetFullPath(checkpointPath);
        string? folder = Path.GetDirectoryName(full);
        if (folder is null || Path.GetFileName(full) != CheckpointFileName) return null;
        string name = Path.GetFileName(folder);
        string? versionFolder = Path.GetFileName(Path.GetDirectoryName(folder));
        return Names.Contains(name, StringComparer.Ordinal) && versionFolder == "models-" + Version ? name : null;
    }

    /// <summary>The shipped names for a message: "a, b", or "none" in a build without models.</summary>
    public static string ListedNames() => Names.Count == 0 ? "none" : string.Join(", ", Names);

    /// <summary>
    /// The default output folder of a command on <paramref name="checkpointPath"/>: beside the checkpoint, or runs/&lt;name&gt;
    /// for a shipped model, whose unpacked copy is left as shipped.
    /// </summary>
    public static string OutputFolderFor(string checkpointPath) =>
        NameOf(checkpointPath) is string name ? Path.Combine("runs", name) : Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!;

    /// <summary>The shipped eval.json of model <paramref name="name"/>, or null when it ships none.</summary>
    public static string? EvaluationJson(string name)
    {
        using Stream? stream = Assembly.GetManifestResourceStream(ResourcePrefix + name + "/" + Evaluation.EvaluationReportWriter.DefaultFileName);
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Unpacked(string name, string cacheRoot)
    {
        string folder = Path.GetFullPath(Path.Combine(cacheRoot, "models-" + Version, name));
        string checkpoint = Path.Combine(folder, CheckpointFileName);
        if (File.Exists(checkpoint)) return checkpoint;
        string parent = Path.GetDirectoryName(folder)!;
        Directory.CreateDirectory(parent);
        // The files go to a temporary sibling and the folder appears by a rename: a reader never sees half a model.
        string temp = Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(temp);
            foreach (string resource in Assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix + name + "/", StringComparison.Ordinal)))
            {
                using Stream source = Assembly.GetManifestResourceStream(resource)!;
                using FileStream file = File.Create(Path.Combine(temp, Path.GetFileName(resource)));
                source.CopyTo(file);
            }
            Directory.Move(temp, folder);
        }
        catch (IOException) when (File.Exists(checkpoint))
        {
            // Another process unpacked the same model first: its copy is as good as ours.
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
        return checkpoint;
    }

    /// <summary>~/.cache/latentsharp; without a home folder, latentsharp in the temporary folder.</summary>
    private static string DefaultCacheRoot()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length > 0 ? Path.Combine(home, ".cache", "latentsharp") : Path.Combine(Path.GetTempPath(), "latentsharp");
    }

    private static Assembly Assembly => typeof(ShippedModels).Assembly;

    /// <summary>The tool's version, safe as a folder name: a new version unpacks its own copies.</summary>
    private static string Version { get; } = UnsafeInFolderName().Replace(
        Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? Assembly.GetName().Version?.ToString() ?? "0", "-");

    [GeneratedRegex("[^A-Za-z0-9.-]")]
    private static partial Regex UnsafeInFolderName();
}
