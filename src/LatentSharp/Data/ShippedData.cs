using System.Reflection;
using System.Text.RegularExpressions;

namespace LatentSharp.Data;

/// <summary>
/// The shipped data sets (<see cref="DatasetResolver.Sample"/>, <see cref="DatasetResolver.EmojiSample"/>), embedded in
/// the library assembly so that the NuGet package and the installed tool have them without a checkout. A dataset
/// reader takes a folder, so a set is unpacked once, on first use, into a folder named by the library version.
/// </summary>
internal static partial class ShippedData
{
    /// <summary>The manifest name of a shipped file: this prefix, the set's name, '/', its path inside the set.</summary>
    private const string ResourcePrefix = "LatentSharp.Data.Shipped/";

    /// <summary>The folder, under <paramref name="root"/>, that holds (or will hold) the unpacked set <paramref name="name"/>.</summary>
    public static string FolderFor(string root, string name) => Path.GetFullPath(Path.Combine(root, "shipped-" + Version, name));

    /// <summary>Whether the assembly embeds the set <paramref name="name"/>.</summary>
    public static bool Embeds(string name) => ResourcesOf(name).Any();

    /// <summary>
    /// Writes the set's files into <paramref name="folder"/>, replacing what is there. The files go to a temporary
    /// sibling first and the folder appears by a rename, so that a reader never sees half a set.
    /// </summary>
    public static void Unpack(string name, string folder)
    {
        string parent = Path.GetDirectoryName(folder)!;
        Directory.CreateDirectory(parent);
        string temp = Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            foreach (string resource in ResourcesOf(name))
            {
                // MSBuild's %(RecursiveDir) writes the host's separator into the name.
                string relative = resource[(ResourcePrefix.Length + name.Length + 1)..].Replace('\\', '/');
                string target = Path.GetFullPath(Path.Combine(temp, relative));
                if (!target.StartsWith(temp + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using Stream source = Assembly.GetManifestResourceStream(resource)!;
                using FileStream file = File.Create(target);
                source.CopyTo(file);
            }
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            Directory.Move(temp, folder);
        }
        catch (IOException) when (Directory.Exists(folder))
        {
            // Another process unpacked the same set first: its folder is as good as ours.
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static Assembly Assembly => typeof(ShippedData).Assembly;

    private static IEnumerable<string> ResourcesOf(string name) =>
        Assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix + name + "/", StringComparison.Ordinal)
            || r.StartsWith(ResourcePrefix + name + "\\", StringComparison.Ordinal));

    /// <summary>The library's version, safe as a folder name: a new version unpacks its own copy.</summary>
    private static string Version { get; } = UnsafeInFolderName().Replace(
        Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? Assembly.GetName().Version?.ToString() ?? "0", "-");

    [GeneratedRegex("[^A-Za-z0-9.-]")]
    private static partial Regex UnsafeInFolderName();
}
