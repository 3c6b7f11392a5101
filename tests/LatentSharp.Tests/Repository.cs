namespace LatentSharp.Tests;

/// <summary>
/// The checkout the tests run in, found above the test binary (source paths are mapped in CI builds, so a test's own
/// file path cannot be used to find it).
/// </summary>
internal static class Repository
{
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "LatentSharp.slnx"))) return folder.FullName;
        throw new DirectoryNotFoundException($"No LatentSharp.slnx above {AppContext.BaseDirectory}: the tests run from a checkout.");
    });

    /// <summary>The folder holding LatentSharp.slnx.</summary>
    public static string Root => RootFolder.Value;
}
