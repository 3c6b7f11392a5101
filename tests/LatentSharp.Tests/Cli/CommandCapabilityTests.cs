using LatentSharp.Cli;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Tests.Models;
using LatentSharp.Training;

namespace LatentSharp.Tests.Cli;

/// <summary>An untrained tiny checkpoint of every kind of the catalog, for the shipped sample's 28×28 images.</summary>
public sealed class CheckpointPerKind : IDisposable
{
    public CheckpointPerKind()
    {
        Folder = Directory.CreateTempSubdirectory("ls-kinds-").FullName;
        foreach (var (kind, _) in ModelCatalog.Available)
        {
            string path = Path.Combine(Folder, kind, "model.safetensors");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Checkpoint.Save(path, ModelCatalog.Build(CapabilityTests.TinySpec(kind, 28, 28), new Rng(1)));
            Paths[kind] = path;
        }
    }

    public string Folder { get; }

    public Dictionary<string, string> Paths { get; } = [];

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>
/// Every kind × every model command: the command succeeds when the kind has the capabilities it needs, and is refused up
/// front otherwise with a usage error that names the command.
/// </summary>
public sealed class CommandCapabilityTests(CheckpointPerKind checkpoints) : IClassFixture<CheckpointPerKind>
{
    private static readonly string[] Unconditional = ["vae", "ae", "conv-vae", "hvae", "conv-hvae"];

    /// <summary>The command line after "-m model", the name a refusal gives, and the kinds that can run it.</summary>
    private static readonly Dictionary<string, (string[] Arguments, string Name, string[] Kinds)> Commands = new()
    {
        ["sample"] = (["sample", "--count", "2", "--columns", "2"], "latent sample", ["vae", "ae", "conv-vae", "cvae", "hvae", "conv-hvae", "pixelcnn", "gated-pixelcnn", "cgated-pixelcnn", "row-lstm", "diagonal-bilstm"]),
        ["sample --sampled"] = (["sample", "--count", "2", "--columns", "2", "--sampled"], "latent sample --sampled", ["vae", "conv-vae", "hvae", "conv-hvae"]),
        ["reconstruct"] = (["reconstruct", "--count", "2", "--columns", "2"], "latent reconstruct", ["vae", "ae", "conv-vae", "cvae", "hvae", "conv-hvae"]),
        ["interpolate"] = (["interpolate", "--steps", "2", "--path", "linear"], "latent interpolate", Unconditional),
        ["traverse"] = (["traverse", "--steps", "2", "--dims", "0"], "latent traverse", Unconditional),
        ["traverse --layer"] = (["traverse", "--steps", "2", "--dims", "0", "--layer", "2"], "latent traverse --layer", ["hvae", "conv-hvae"]),
        ["edit"] = (["edit", "--set", "0=1"], "latent edit", Unconditional),
        ["embed"] = (["embed", "--count", "20"], "latent embed", Unconditional),
        ["manifold"] = (["manifold", "--steps", "2"], "latent manifold", Unconditional),
        ["report"] = (["report"], "latent report", Unconditional),
    };

    public static TheoryData<string, string> KindsAndCommands()
    {
        var data = new TheoryData<string, string>();
        foreach (var (kind, _) in ModelCatalog.Available)
            foreach (string command in Commands.Keys)
                data.Add(kind, command);
        return data;
    }

    [Theory]
    [MemberData(nameof(KindsAndCommands))]
    public void Command_OnEveryKind_RunsOrIsRefusedNamingTheCommand(string kind, string command)
    {
        var (arguments, name, kinds) = Commands[command];
        string output = Path.Combine(checkpoints.Folder, kind, $"{command.Replace(' ', '_')}.out");
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(), [.. arguments, "-m", checkpoints.Paths[kind], "-o", output, "--threads", "1"], new StringWriter(), error);
        if (kinds.Contains(kind))
        {
            Assert.True(code == CommandRunner.Ok, $"{command} on a {kind}: {error}");
            Assert.True(File.Exists(output));
        }
        else
        {
            Assert.Equal(CommandRunner.UsageError, code);
            Assert.StartsWith($"latent: {name} needs ", error.ToString());
            Assert.Contains($"the {kind} ", error.ToString());
            Assert.False(File.Exists(output));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Serve_OnEveryKind_StartsOrIsRefusedNamingTheCommand(string kind)
    {
        // 192.0.2.1 (TEST-NET-1) is no address of this machine: a model the explorer can serve gets as far as listening.
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(), ["serve", "-m", checkpoints.Paths[kind], "--host", "192.0.2.1", "--port", "0", "--threads", "1"], new StringWriter(), error);
        Assert.Equal(CommandRunner.UsageError, code);
        if (Unconditional.Contains(kind)) Assert.Contains("--host 192.0.2.1", error.ToString());
        else Assert.StartsWith("latent: latent serve needs ", error.ToString());
    }

    public static TheoryData<string> Kinds => new(ModelCatalog.Available.Select(k => k.Kind));
}
