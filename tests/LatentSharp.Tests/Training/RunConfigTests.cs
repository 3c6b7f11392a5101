using System.Text.Json.Nodes;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

public sealed class RunConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-runconfig-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Fit_WithARunFolder_WritesConfigJsonWithTheResolvedSpecOptionsAndVersion()
    {
        TinyRun.Train(_dir, epochs: 1);

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, RunConfig.FileName)))!;
        Assert.Equal(2, (int)json["model"]!["latentSize"]!);
        Assert.Equal(1, (int)json["options"]!["epochs"]!);
        Assert.Equal(8, (int)json["options"]!["validationImages"]!);   // one sixth of 48, counted by the trainer
        Assert.Equal("none", (string)json["options"]!["binarization"]!);
        Assert.Equal(RunConfig.LibraryVersion, (string)json["version"]!);
        Assert.Equal(Environment.GetCommandLineArgs().Length, json["commandLine"]!.AsArray().Count);
    }

    [Fact]
    public void Hyperparameters_ListTheModelThenTheOptions_WithoutUnsetOnes()
    {
        var rows = RunConfig.Hyperparameters(TinyRun.Spec, TinyRun.Options(2));

        Assert.Contains(("latentSize", "2"), rows);
        Assert.Contains(("hidden", "4"), rows);
        Assert.Contains(("learningRate", "0.001"), rows);
        Assert.DoesNotContain(rows, r => r.Name == "validationImages");   // null until the trainer counts it
        Assert.True(rows.ToList().FindIndex(r => r.Name == "latentSize") < rows.ToList().FindIndex(r => r.Name == "epochs"));
    }
}
