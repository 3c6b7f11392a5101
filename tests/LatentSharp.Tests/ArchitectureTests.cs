using System.Runtime.CompilerServices;

namespace LatentSharp.Tests;

public class ArchitectureTests
{
    /// <summary>
    /// The library's layers by folder, lowest tier first (docs/architecture.md draws them). A file may use only layers
    /// of lower tiers; layers in one tier are independent. Imaging and Data are model-agnostic leaves, placed in the
    /// lowest tier their own needs allow: Imaging needs only the root namespace, Data needs Tensors. Distributed (the MPI
    /// binding and its in-process stand-in) needs only the root namespace and is used by Training and Evaluation.
    /// </summary>
    private static readonly string[][] LayerOrder =
    [
        [LayerCheck.Root],
        ["Kernels", "Imaging", "Distributed"],
        ["Tensors"],
        ["Nn", "Optim", "Data"],
        ["Distributions"],
        ["Models"],
        ["Evaluation"],
        ["Training"],
        ["Reports", "Export"],
    ];

    [Fact]
    public void Library_EachFileUsesOnlyLayersBelowItsOwn()
    {
        string library = LibraryFolder();
        var files = SourceFiles(library);
        // Not vacuous: every layer of the order has source files to check.
        foreach (string layer in LayerOrder.SelectMany(tier => tier))
            Assert.True(files.Any(f => LayerCheck.LayerOf(f.Path) == layer), $"No source file of layer '{layer}' under {library}.");

        var violations = LayerCheck.Violations(files, LayerOrder);
        Assert.True(violations.Count == 0, "Back-edges of the layer order:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Library_ReferencesNoOtherProject_SoTheCliIsAboveIt()
    {
        string project = File.ReadAllText(Path.Combine(LibraryFolder(), "LatentSharp.csproj"));
        Assert.Contains("<PackageReference", project);
        Assert.DoesNotContain("<ProjectReference", project);
    }

    private static readonly string[][] SmallOrder = [[LayerCheck.Root], ["Tensors", "Imaging"], ["Models"], ["Reports"]];

    private static readonly (string Path, string Source)[] CleanLayers =
    [
        ("AtomicFile.cs", "namespace LatentSharp;\npublic static class AtomicFile { }"),
        ("Tensors/Tensor.cs", "namespace LatentSharp.Tensors;\npublic sealed class Tensor { }"),
        ("Imaging/Png.cs", "namespace LatentSharp.Imaging;\npublic static class Png { public static void Save() => LatentSharp.AtomicFile.Write(); }"),
        ("Imaging/Internal/Crc32.cs", "namespace LatentSharp.Imaging.Internal;\ninternal static class Crc32 { }"),
        ("Models/Vae.cs", "using LatentSharp.Tensors;\nnamespace LatentSharp.Models;\npublic sealed record Vae(Tensor Weights);"),
        ("Reports/RunReport.cs", "using LatentSharp.Imaging;\nusing LatentSharp.Models;\nnamespace LatentSharp.Reports;\npublic static class RunReport { }"),
    ];

    private static List<string> ViolationsWith(params (string Path, string Source)[] extra) =>
        LayerCheck.Violations([.. CleanLayers, .. extra], SmallOrder);

    [Fact]
    public void Violations_DownwardAndRootReferences_AreNone()
    {
        Assert.Empty(LayerCheck.Violations(CleanLayers, SmallOrder));
    }

    [Fact]
    public void Violations_UsingDirectiveToAHigherLayer_NamesTheFileAndTheEdge()
    {
        var violations = ViolationsWith(("Imaging/Grid.cs", "using LatentSharp.Models;\nnamespace LatentSharp.Imaging;\npublic static class Grid { }"));
        Assert.Equal(["Imaging/Grid.cs: Imaging -> Models: Models is above Imaging"], violations);
    }

    [Fact]
    public void Violations_FullyAndPartiallyQualifiedNames_AreReferences()
    {
        var violations = ViolationsWith(
            ("Models/Pca.cs", "namespace LatentSharp.Models;\nclass Pca { object R = global::LatentSharp.Reports.RunReport.Title; }"),
            ("Models/Iwae.cs", "namespace LatentSharp.Models;\nclass Iwae { object R = Reports.RunReport.Title; }"),
            ("Models/Alias.cs", "using Figures = LatentSharp.Reports;\nnamespace LatentSharp.Models;\nclass Alias { }"));
        Assert.Equal(
        [
            "Models/Pca.cs: Models -> Reports: Reports is above Models",
            "Models/Iwae.cs: Models -> Reports: Reports is above Models",
            "Models/Alias.cs: Models -> Reports: Reports is above Models",
        ], violations);
    }

    [Fact]
    public void Violations_NamesInCommentsAndStrings_AreNotReferences()
    {
        const string source = """
            namespace LatentSharp.Models;
            // using LatentSharp.Reports;
            /// <summary>Matches <c>LatentSharp.Reports.RunReport</c>.</summary>
            class Quoted
            {
                /* LatentSharp.Reports */
                char Quote = '"';
                string Plain = "LatentSharp.Reports.RunReport \" LatentSharp.Reports";
                string Verbatim = @"C:\LatentSharp.Reports"" LatentSharp.Reports";
                string Hole = $"{(Quote == 'x' ? "LatentSharp.Reports" : Plain)} Reports.RunReport";
            }
            """;
        Assert.Empty(ViolationsWith(("Models/Quoted.cs", source)));
    }

    [Fact]
    public void Violations_CodeAfterTrickyLiterals_IsStillRead()
    {
        const string source = """
            namespace LatentSharp.Models;
            class Tricky
            {
                char Quote = '"';
                string Hole = $"{(Quote == '"' ? "a" : "b")}";
                object Report = LatentSharp.Reports.RunReport.Title;
            }
            """;
        Assert.Equal(["Models/Tricky.cs: Models -> Reports: Reports is above Models"], ViolationsWith(("Models/Tricky.cs", source)));
    }

    [Fact]
    public void Violations_LayersOfOneTier_MayNotUseEachOther()
    {
        var violations = ViolationsWith(("Tensors/Plot.cs", "using LatentSharp.Imaging;\nnamespace LatentSharp.Tensors;\nclass Plot { }"));
        Assert.Equal(["Tensors/Plot.cs: Tensors -> Imaging: Imaging and Tensors share a tier and stay independent"], violations);
    }

    [Fact]
    public void Violations_ReferenceToTheCli_IsReported()
    {
        var violations = ViolationsWith(("Reports/Flags.cs", "using LatentSharp.Cli;\nnamespace LatentSharp.Reports;\nclass Flags { }"));
        Assert.Equal(["Reports/Flags.cs: Reports -> Cli: the library must not refer to LatentSharp.Cli"], violations);
    }

    [Fact]
    public void Violations_FolderWithoutLayerOrNamespaceNotFollowingFolder_AreReported()
    {
        var violations = ViolationsWith(
            ("Serving/Server.cs", "namespace LatentSharp.Serving;\nclass Server { }"),
            ("Imaging/Figures.cs", "namespace LatentSharp.Reports;\nclass Figures { }"));
        Assert.Equal(
        [
            "Serving/Server.cs: folder Serving has no layer; give it a tier in the layer order",
            "Imaging/Figures.cs: namespace LatentSharp.Reports does not follow its folder; expected LatentSharp.Imaging",
        ], violations);
    }

    /// <summary>src/LatentSharp; throws when it is not there, so the dependency check cannot pass on no files.</summary>
    private static string LibraryFolder()
    {
        string library = Path.Combine(Repository.Root, "src", "LatentSharp");
        if (!File.Exists(Path.Combine(library, "LatentSharp.csproj")))
            throw new DirectoryNotFoundException($"No {library}/LatentSharp.csproj; the dependency check needs the library's source.");
        return library;
    }

    /// <summary>The library's .cs files (not the build's obj/ and bin/), as paths relative to it with '/' and their text.</summary>
    private static List<(string Path, string Source)> SourceFiles(string library) =>
        Directory.EnumerateFiles(library, "*.cs", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(library, file).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(path => !path.StartsWith("obj/", StringComparison.Ordinal) && !path.StartsWith("bin/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(path => (path, File.ReadAllText(Path.Combine(library, path))))
            .ToList();
}
