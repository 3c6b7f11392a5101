using System.Text;
using System.Text.RegularExpressions;

namespace LatentSharp;

/// <summary>
/// Writes a file whole or not at all: into a temporary file beside it (".{name}.{process id}.tmp" or
/// ".{name}.{32 hex digits}.tmp"), then moved over it, so that a run killed mid-write never leaves a half file (a
/// checkpoint, a report, a log, a progress file) behind, only a temporary that <see cref="RemoveLeftovers"/> deletes.
/// </summary>
internal static partial class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) to <paramref name="path"/>, creating its folder.</summary>
    public static void WriteAllText(string path, string text) => Write(path, temp => File.WriteAllText(temp, text, new UTF8Encoding(false)));

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>, creating its folder.</summary>
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, temp => File.WriteAllBytes(temp, bytes));

    /// <summary>Lets <paramref name="writeTemporary"/> write a temporary beside <paramref name="path"/>, then moves it over the file.</summary>
    private static void Write(string path, Action<string> writeTemporary)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            writeTemporary(temp);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// Deletes the temporaries of <paramref name="fileNames"/> in <paramref name="folder"/> that a killed writer left behind.
    /// Only files named exactly as these writers name them are touched; call it when the folder's writer starts (a folder
    /// is written by one run at a time).
    /// </summary>
    public static void RemoveLeftovers(string folder, IEnumerable<string> fileNames)
    {
        var names = fileNames.ToHashSet(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(folder, ".*.tmp"))
        {
            Match match = TemporaryName().Match(Path.GetFileName(path));
            if (match.Success && names.Contains(match.Groups["name"].Value))
                File.Delete(path);
        }
    }

    [GeneratedRegex(@"^\.(?<name>.+)\.(?:[0-9]{1,10}|[0-9a-f]{32})\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();
}
