using System.Text.Json.Nodes;
using LatentSharp.Cli;
using LatentSharp.Models;
using LatentSharp.Reports;
using LatentSharp.Training;

namespace LatentSharp.Tests.Cli;

public sealed class ConfigFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(), args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Train_ConfigFile_SetsOptions_CommandLineOverridesIt_AndTheRunRecordsItsConfig()
    {
        string config = Write("run.yaml", "# a small run\nepochs: 1\nhidden: [16]\nlatent: 2\nvalidation: 100\nlr: 2e-3\nbinarize: static\n");
        string run = Path.Combine(_dir, "run");

        var (code, _, error) = Run("train", "--config", config, "--latent", "3", "-o", run, "--threads", "2");

        Assert.True(code == 0, error);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(run, RunConfig.FileName)))!;
        Assert.Equal(3, (int)json["model"]!["latentSize"]!);                     // the command line wins
        Assert.Equal("[16]", json["model"]!["hidden"]!.ToJsonString());
        Assert.Equal((1, 100), ((int)json["options"]!["epochs"]!, (int)json["options"]!["validationImages"]!));
        Assert.Equal(0.002f, (float)json["options"]!["learningRate"]!);
        Assert.Equal("static", (string)json["options"]!["binarization"]!);
        Assert.Equal("sample", (string)json["data"]!);
        Assert.Equal(RunConfig.LibraryVersion, (string)json["version"]!);
        Assert.NotEmpty(json["commandLine"]!.AsArray());
        Assert.Empty(Directory.GetFiles(run, ".*.tmp"));

        var (infoCode, info, infoError) = Run("info", Path.Combine(run, Trainer.BestCheckpoint));
        Assert.True(infoCode == 0, infoError);
        Assert.Contains("Model: vae 1x28x28 → [16] → 3", info);
        Assert.Contains("Data: sample", info);
        Assert.Contains("learningRate 0.002", info);
        Assert.Contains("binarization static", info);
        Assert.Contains("Epochs: 1 of 1", info);
        Assert.Contains("Best epoch: 1, validation elbo ", info);
        Assert.Contains("Test: elbo ", info);

        string report = Path.Combine(_dir, "report.html");
        var (reportCode, _, reportError) = Run("report", "-m", Path.Combine(run, Trainer.LatestCheckpoint), "-o", report, "--threads", "2");
        Assert.True(reportCode == 0, reportError);
        string html = File.ReadAllText(report);
        Assert.Contains("Hyperparameters", html);
        Assert.Contains("<td>learningRate</td><td>0.002</td>", html.Replace(" ", ""));
    }

    [Fact]
    public void Read_YamlAndJson_GiveTheSameSettings_ListsJoinedWithCommas()
    {
        string yaml = Write("run.yml", "epochs: 3\nhidden: [512, 256]\nmodel: conv-vae\nlr: 0.001\ndata: \"@odd name\"\n");
        string json = Write("run.json", "{ \"epochs\": 3, \"hidden\": [512, 256], \"model\": \"conv-vae\", \"lr\": 0.001, \"data\": \"@odd name\", }");

        (string, string)[] expected = [("epochs", "3"), ("hidden", "512,256"), ("model", "conv-vae"), ("lr", "0.001"), ("data", "@odd name")];
        Assert.Equal(expected, ConfigFile.Read(yaml));
        Assert.Equal(expected, ConfigFile.Read(json));
    }

    [Theory]
    [InlineData("run.yaml", "epoch: 3\n", "run.yaml: unknown key 'epoch'; 'train' takes data, ")]
    [InlineData("run.yaml", "config: other.yaml\n", "run.yaml: unknown key 'config'")]
    [InlineData("run.yaml", "epochs: ten\n", "run.yaml: key 'epochs': it takes a whole number")]
    [InlineData("run.yaml", "epochs: 2.5\n", "run.yaml: key 'epochs': it takes a whole number")]
    [InlineData("run.yaml", "epochs: 99999999999\n", "run.yaml: key 'epochs': it must be a whole number from")]
    [InlineData("run.yaml", "lr: 0,001\n", "run.yaml: key 'lr': it takes a number written with a dot")]
    [InlineData("run.yaml", "lr: .nan\n", "run.yaml: key 'lr'")]
    [InlineData("run.yaml", "optimizer: adamx\n", "run.yaml: key 'optimizer': Argument 'adamx' not recognized.")]
    [InlineData("run.yaml", "hidden: [16, -1]\n", "run.yaml: key 'hidden': it takes widths")]
    [InlineData("run.yaml", "hidden: [[16]]\n", "run.yaml: key 'hidden' (line 1) holds a YAML list")]
    [InlineData("run.yaml", "model:\n  latent: 3\n", "run.yaml: key 'model' (line 2) holds a YAML mapping")]
    [InlineData("run.yaml", "epochs:\n", "run.yaml: key 'epochs' (line 1) is null")]
    [InlineData("run.yaml", "epochs: ~\n", "run.yaml: key 'epochs' (line 1) is null")]
    [InlineData("run.yaml", "epochs: 1\nepochs: 2\n", "run.yaml: not valid YAML (line 2): Duplicate key epochs")]
    [InlineData("run.yaml", "epochs: [1\n", "run.yaml: not valid YAML (line 2)")]
    [InlineData("run.yaml", "- epochs\n- 1\n", "run.yaml: holds a YAML list, not a mapping of options")]
    [InlineData("run.yaml", "epochs: 1\n---\nepochs: 2\n", "run.yaml: holds 2 YAML documents")]
    [InlineData("run.yaml", "[1]: 2\n", "run.yaml: line 1: a key is a list, not an option name")]
    [InlineData("run.json", "{\"epochs\": \"ten\"}", "run.json: key 'epochs': it takes a whole number")]
    [InlineData("run.json", "{\"epochs\": null}", "run.json: key 'epochs' is null")]
    [InlineData("run.json", "{\"epochs\": {\"n\": 1}}", "run.json: key 'epochs' holds a JSON object")]
    [InlineData("run.json", "{\"hidden\": [16, [8]]}", "run.json: key 'hidden' holds a JSON array")]
    [InlineData("run.json", "{\"lr\": true}", "run.json: key 'lr': it takes a number")]
    [InlineData("run.json", "{\"epochs\": 1, \"epochs\": 2}", "run.json: key 'epochs' is given twice")]
    [InlineData("run.json", "{\"patience\": 1", "run.json: not valid JSON (line 1)")]
    [InlineData("run.json", "[1, 2]", "run.json: holds a JSON array, not an object of options")]
    [InlineData("run.json", "{\"Epochs\": 1}", "run.json: unknown key 'Epochs'")]
    [InlineData("run.toml", "epochs = 1\n", "run.toml: a config file is YAML (.yaml, .yml) or JSON (.json)")]
    public void Train_MalformedConfig_IsRefusedWithOneLineNamingTheFileAndKey(string name, string text, string expected)
    {
        string config = Write(name, text);

        var (code, output, error) = Run("train", "--config", config, "-o", Path.Combine(_dir, "run"));

        Assert.Equal(CommandRunner.UsageError, code);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("latent: " + Path.Combine(_dir, expected), line);
        Assert.DoesNotContain("Data:", output);   // refused before the data loads
        Assert.False(Directory.Exists(Path.Combine(_dir, "run")));
    }

    [Fact]
    public void Train_ConfigThatIsAFolderOrMissing_SaysSo()
    {
        var (code, _, error) = Run("train", "--config", _dir);
        Assert.Equal((CommandRunner.UsageError, $"latent: {_dir}: is a folder, not a file."), (code, error.Trim()));

        (code, _, error) = Run("train", "--config", Path.Combine(_dir, "none.yaml"));
        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains("none.yaml", error);
    }

    [Fact]
    public void Train_ConfigWithEveryKeyOnTheCommandLine_UsesTheCommandLine()
    {
        string config = Write("run.yaml", "epochs: 0\n");

        var (code, _, error) = Run("train", "--config", config, "--epochs", "-3");

        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("--epochs", error);
        Assert.Contains("-3", error);
    }

    [Fact]
    public void Train_ResponseFile_IsReadAsTheReadmeSays()
    {
        string args = Write("args.txt", "# options of the run\n--lr 0.1\n--epochs ten\n");

        var (code, _, error) = Run("train", "@" + args);

        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("--epochs takes a whole number without separators (e.g. 1000), not \"ten\".", error);
    }

    [Fact]
    public void Info_CheckpointWithoutTrainingState_PrintsTheModelAndSaysSo()
    {
        string path = Path.Combine(_dir, "bare.safetensors");
        Checkpoint.Save(path, ModelCatalog.Build(new ModelSpec { LatentSize = 2, Hidden = [4], Height = 4, Width = 4 }, new LatentSharp.Tensors.Rng(1)));

        var (code, output, error) = Run("info", path);

        Assert.True(code == 0, error);
        Assert.Contains("Model: vae 1x4x4 → [4] → 2", output);
        Assert.Contains("No training state", output);
    }

    [Fact]
    public void Info_NotACheckpoint_IsADataError()
    {
        string path = Write("junk.safetensors", "not a checkpoint");

        var (code, _, error) = Run("info", path);

        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains("junk.safetensors", error);
    }
}
