using LatentSharp.Cli;
using LatentSharp.Cli.Commands;
using LatentSharp.Evaluation;
using LatentSharp.Training;

namespace LatentSharp.Tests.Cli;

public sealed class ShippedModelsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-shipped-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Names_TheToolShipsTheTinySampleModel()
    {
        Assert.Contains("sample-vae", ShippedModels.Names);
        Assert.NotNull(ShippedModels.EvaluationJson("sample-vae"));
    }

    [Fact]
    public void ShippedFiles_EachModelHasItsReport_AndAllFitIn15MB()
    {
        // The models ship inside the tool package: models/README.md keeps them to 15 MB in all.
        var assembly = typeof(ShippedModels).Assembly;
        long total = assembly.GetManifestResourceNames().Where(r => r.StartsWith("LatentSharp.Cli.Models/", StringComparison.Ordinal))
            .Sum(r => assembly.GetManifestResourceStream(r)!.Length);
        Assert.InRange(total, 1, 15_000_000);
        Assert.All(ShippedModels.Names, name => Assert.NotNull(ShippedModels.EvaluationJson(name)));
    }

    [Fact]
    public void Resolve_ShippedName_UnpacksAWeightsOnlyCheckpointWithItsEvalJson()
    {
        string path = ShippedModels.Resolve("sample-vae", _dir);
        Checkpoint checkpoint = Checkpoint.Load(path);
        Assert.Null(checkpoint.Optimizer);
        Assert.Equal("sample", checkpoint.TrainingData);
        EvaluationReport report = EvaluationReportWriter.Read(Path.Combine(Path.GetDirectoryName(path)!, EvaluationReportWriter.DefaultFileName));
        Assert.Equal(checkpoint.Model.Spec.LatentSize, report.LatentDimensions);
        Assert.Equal(path, ShippedModels.Resolve("sample-vae", _dir));   // unpacked once
    }

    [Fact]
    public void Resolve_UnknownBareName_OneLineListingTheShippedNames()
    {
        var e = Assert.Throws<UsageException>(() => ShippedModels.Resolve("fashion-vea", _dir));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("'fashion-vea'", e.Message);
        Assert.Contains("sample-vae", e.Message);
    }

    [Fact]
    public void Resolve_AnExistingFileOrAPath_IsLeftAsGiven()
    {
        string file = Path.Combine(_dir, "sample-vae");
        File.WriteAllText(file, "");
        Assert.Equal(file, ShippedModels.Resolve(file, _dir));
        string missing = Path.Combine("runs", "x", "model.safetensors");
        Assert.Equal(missing, ShippedModels.Resolve(missing, _dir));
    }

    [Fact]
    public void Sample_ShippedModelByName_WritesTheFigure()
    {
        string png = Path.Combine(_dir, "samples.png");
        var (code, output, error) = Latent.Run("sample", "-m", "sample-vae", "-o", png, "--threads", "1");
        Assert.True(code == 0, error);
        Assert.Contains(png, output);
        Assert.True(new FileInfo(png).Length > 0);
    }

    [Theory]
    [InlineData("fashion-vae")]
    [InlineData("fashion-conv-hvae-pixelcnn")]
    public void Sample_FashionModels_WriteAGridFromTheShippedWeights(string name)
    {
        string png = Path.Combine(_dir, $"{name}.png");
        // 16 draws: the PixelCNN likelihood draws every pixel in turn.
        var (code, output, error) = Latent.Run("sample", "-m", name, "--count", "16", "-o", png, "--threads", "1");
        Assert.True(code == 0, error);
        Assert.Contains(png, output);
        Assert.True(new FileInfo(png).Length > 0);
    }

    [Fact]
    public void Sample_UnknownName_FailsWithTheShippedNames()
    {
        var (code, _, error) = Latent.Run("sample", "-m", "fashion-vea", "-o", Path.Combine(_dir, "x.png"));
        Assert.NotEqual(0, code);
        Assert.Contains("shipped models are: fashion-conv-hvae-pixelcnn, fashion-vae, sample-vae", error);
    }

    [Fact]
    public void Info_NoCheckpoint_ListsTheShippedModels()
    {
        var (code, output, error) = Latent.Run("info");
        Assert.True(code == 0, error);
        Assert.Contains("sample-vae", output);
        Assert.Contains("NLL 274.86 nats", output);
    }

    [Fact]
    public void Export_Weights_DropsTheOptimizerStateAndKeepsTheWeights()
    {
        string run = Path.Combine(_dir, "run");
        var (code, _, error) = Latent.Run("train", "--epochs", "1", "--hidden", "8", "--latent", "2", "-o", run, "--threads", "1");
        Assert.True(code == 0, error);
        string trained = Path.Combine(run, Trainer.LatestCheckpoint), weights = Path.Combine(_dir, "weights.safetensors");
        (code, _, error) = Latent.Run("export", "-m", trained, "--format", ExportCommand.Weights, "-o", weights);
        Assert.True(code == 0, error);

        Checkpoint full = Checkpoint.Load(trained), light = Checkpoint.Load(weights);
        Assert.NotNull(full.Optimizer);
        Assert.Null(light.Optimizer);
        Assert.True(new FileInfo(weights).Length < new FileInfo(trained).Length);
        Assert.Equal(full.Model.Spec.ToJson(), light.Model.Spec.ToJson());
        Assert.Equal((full.Training!.CompletedEpochs, full.Training.Options.Binarization), (light.Training!.CompletedEpochs, light.Training.Options.Binarization));
        Assert.Equal(full.Model.Parameters().SelectMany(p => p.Data), light.Model.Parameters().SelectMany(p => p.Data));
    }
}
