using System.Diagnostics;
using System.Text;

namespace LatentSharp.Tests.Packaging;

/// <summary>
/// The packages as a user gets them: both packed into a local feed, the tool installed from it and run in an empty
/// folder, and a console project referencing the library package running the README's library example. No network: the
/// NuGet sources are the feed and the local package cache only.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ls-package-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [FactWhenDotnetOnPath]
    public void InstalledToolAndLibraryPackage_RunFromAnEmptyFolder_WithTheShippedSample()
    {
        string repo = Repository.Root;
        // The build under test: pack what the test itself runs against.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string feed = Folder("feed");
        foreach (string project in new[] { "src/LatentSharp", "src/LatentSharp.Cli" })
            Dotnet(repo, "pack", Path.Combine(repo, project), "-c", configuration, "--no-build", "-o", feed);
        string config = WriteNuGetConfig(feed);

        // A home of its own, so that the shipped sample is unpacked there and nowhere else.
        string home = Folder("home");
        string tools = Folder("tools");
        Dotnet(_root, "tool", "install", "--tool-path", tools, "--configfile", config, "LatentSharp.Cli");
        string empty = Folder("empty");
        string trained = Run(empty, home, Path.Combine(tools, OperatingSystem.IsWindows() ? "latent.exe" : "latent"), "train", "--epochs", "1", "--hidden", "16");
        Assert.Contains("Data: sample/train, 5000 train / 1000 validation / 1000 test images of 28x28.", trained);
        Assert.True(File.Exists(Path.Combine(empty, "runs", "sample-vae", "model.safetensors")));

        string app = Folder("app");
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LatentSharp" Version="{PackageVersion(feed)}" />
              </ItemGroup>
            </Project>
            """);
        string example = ReadmeLibraryExample(repo);
        Assert.Contains("Epochs = 10", example);
        File.WriteAllText(Path.Combine(app, "Program.cs"), example.Replace("Epochs = 10", "Epochs = 1")
            + "\nConsole.WriteLine($\"trained {state.CompletedEpochs} epoch, {samples.Shape[0]} samples\");\n");
        Dotnet(app, "build", "--configfile", config, "-c", "Release", "-o", Path.Combine(app, "out"));
        string ran = Run(app, home, DotnetPath!, Path.Combine(app, "out", "app.dll"));
        Assert.Contains("trained 1 epoch, 64 samples", ran);
        Assert.True(File.Exists(Path.Combine(app, "runs", "demo", "config.json")));
    }

    private static readonly string? DotnetPath = FindDotnet();

    /// <summary>xunit's Fact, skipped with the reason when no dotnet is on PATH (an installed runtime without the SDK's host).</summary>
    private sealed class FactWhenDotnetOnPathAttribute : FactAttribute
    {
        public FactWhenDotnetOnPathAttribute()
        {
            if (DotnetPath is null) Skip = "dotnet is not on PATH: packing and installing the packages needs the .NET SDK's dotnet command.";
        }
    }

    private static string? FindDotnet()
    {
        string name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    /// <summary>Only the feed and the local package cache: a restore that needs the network fails here.</summary>
    private string WriteNuGetConfig(string feed)
    {
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(_root, "nuget.config");
        File.WriteAllText(path, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="feed" value="{feed}" />
                <add key="cache" value="{cache}" />
              </packageSources>
            </configuration>
            """);
        return path;
    }

    private static string PackageVersion(string feed) =>
        Path.GetFileNameWithoutExtension(Directory.GetFiles(feed, "LatentSharp.Cli.*.nupkg").Single())["LatentSharp.Cli.".Length..];

    private static string ReadmeLibraryExample(string repo)
    {
        string readme = File.ReadAllText(Path.Combine(repo, "README.md"));
        int section = readme.IndexOf("\n## Library", StringComparison.Ordinal);
        int start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        return readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
    }

    /// <summary>Runs dotnet with the packages restored into this test's folder, so that the packed ones never reach the user's cache.</summary>
    private string Dotnet(string workingDirectory, params string[] args) => Run(workingDirectory, home: null, DotnetPath!, args);

    private string Run(string workingDirectory, string? home, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NUGET_PACKAGES"] = Path.Combine(_root, "packages");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment.Remove("LATENTSHARP_DATA");
        if (home is not null) start.Environment["HOME"] = start.Environment["USERPROFILE"] = home;
        using var process = Process.Start(start)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(program)} {string.Join(' ', args)} exited with {process.ExitCode}:\n{stdout}\n{stderr}");
        return stdout.ToString();
    }
}
