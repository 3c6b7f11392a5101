using LatentSharp.Data;
using LatentSharp.Cli;
using LatentSharp.Imaging;
using LatentSharp.Models;
using LatentSharp.Reports;
using LatentSharp.Training;

namespace LatentSharp.Tests.Cli;

public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args) => Latent.Run(args);

    [Fact]
    public void Train_OnTheShippedSample_WritesCheckpointLogAndImages()
    {
        var (code, output, error) = Run("train", "--epochs", "1", "--hidden", "64", "--latent", "4", "--threads", "2", "-o", _dir);
        Assert.True(code == 0, error);
        Assert.Contains("epoch   1", output);
        foreach (string file in new[] { Trainer.LatestCheckpoint, Trainer.BestCheckpoint, TrainingLog.FileName, Figures.SamplesFile, Figures.ReconstructionsFile })
            Assert.True(File.Exists(Path.Combine(_dir, file)), $"{file} is missing");
        Assert.Equal("sample", Checkpoint.Load(Path.Combine(_dir, Trainer.LatestCheckpoint)).Training!.Options.Data);   // later commands default to it
        Image samples = Png.Read(Path.Combine(_dir, Figures.SamplesFile));
        Assert.True(samples.Width > 100 && samples.Height > 100);
    }

    [Fact]
    public void Train_PixelCnn_WritesSamplesAndNamesOnlyTheFilesItWrote()
    {
        var (code, output, error) = Run("train", "--kind", "pixelcnn", "--binarize", "dynamic", "--pixelcnn-channels", "4",
            "--pixelcnn-blocks", "1", "--epochs", "1", "-o", _dir);
        Assert.True(code == 0, error);
        Assert.True(File.Exists(Path.Combine(_dir, Figures.SamplesFile)));
        Assert.False(File.Exists(Path.Combine(_dir, Figures.ReconstructionsFile)));   // no latent space, nothing to reconstruct
        Assert.Contains(Figures.SamplesFile, output);
        Assert.DoesNotContain(Figures.ReconstructionsFile, output);
    }

    [Fact]
    public void Train_ValidationAndPatience_HoldOutImages_ScoreTheTestSplitOnce_AndAResumeKeepsTheSplit()
    {
        var (code, output, error) = Run("train", "--epochs", "2", "--hidden", "32", "--latent", "2", "--validation", "500", "--patience", "3",
            "--activation", "gated", "-o", _dir);
        Assert.True(code == 0, error);
        Assert.Contains("5500 train / 500 validation / 1000 test images", output);
        Assert.Contains("| validation elbo", output);
        Assert.Contains("Test (1000 images, scored once with the weights of epoch", output);
        TrainingState state = Checkpoint.Load(Path.Combine(_dir, Trainer.BestCheckpoint)).Training!;
        Assert.Equal((500, 3), (state.Options.ValidationImages, state.Options.Patience));
        Assert.NotNull(state.Test);
        Assert.Equal("gated", Checkpoint.Load(Path.Combine(_dir, Trainer.LatestCheckpoint)).Model.Spec.Activation);

        (code, _, error) = Run("train", "--epochs", "3", "--validation", "100", "--resume", Path.Combine(_dir, Trainer.LatestCheckpoint));
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("leave out --validation", error);
        (code, _, error) = Run("train", "--epochs", "1", "--validation", "6000", "-o", Path.Combine(_dir, "all"));
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("--validation: holding out 6000 of the 6000", error);
    }

    [Fact]
    public void Train_Resume_ContinuesTheRun()
    {
        Assert.Equal(0, Run("train", "--epochs", "1", "--hidden", "32", "--latent", "2", "-o", _dir).Code);
        var (code, output, error) = Run("train", "--epochs", "2", "--resume", Path.Combine(_dir, Trainer.LatestCheckpoint));
        Assert.True(code == 0, error);
        Assert.Contains("Resuming", output);
        Assert.Contains("epoch   2", output);
        Assert.DoesNotContain("epoch   1", output);
        Assert.Equal(2, Checkpoint.Load(Path.Combine(_dir, Trainer.LatestCheckpoint)).Training!.CompletedEpochs);
    }

    [Fact]
    public void Train_Resume_ContinuesOnTheRunsOwnData()
    {
        // A run on a folder of 40 images of 6x6; resumed without --data it must not fall back to the shipped sample.
        string data = Path.Combine(_dir, "tiny");
        Directory.CreateDirectory(data);
        var rng = new Random(3);
        byte[] Pixels(int count) { var p = new byte[count * 36]; rng.NextBytes(p); return p; }
        IdxFile.WriteImages(Path.Combine(data, "train-images-idx3-ubyte"), new IdxImages(40, 6, 6, Pixels(40)));
        IdxFile.WriteLabels(Path.Combine(data, "train-labels-idx1-ubyte"), new byte[40]);
        IdxFile.WriteImages(Path.Combine(data, "t10k-images-idx3-ubyte"), new IdxImages(10, 6, 6, Pixels(10)));
        IdxFile.WriteLabels(Path.Combine(data, "t10k-labels-idx1-ubyte"), new byte[10]);
        string run = Path.Combine(_dir, "run");
        Assert.Equal(0, Run("train", "--data", data, "--epochs", "1", "--hidden", "8", "--latent", "2", "--batch-size", "10", "-o", run).Code);
        string checkpoint = Path.Combine(run, Trainer.LatestCheckpoint);

        var (code, output, error) = Run("train", "--epochs", "2", "--resume", checkpoint);
        Assert.True(code == 0, error);
        Assert.Contains("34 train / 6 validation / 10 test images of 6x6", output);

        (code, _, error) = Run("train", "--epochs", "3", "--resume", checkpoint, "--data", "sample");
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.StartsWith("latent: --data: ", error);
        Assert.Contains("continues on its own data; leave the data out", error);
        Assert.Equal(2, Checkpoint.Load(checkpoint).Training!.CompletedEpochs);
    }

    [Theory]
    [InlineData("--epochs", "0", "--epochs")]
    [InlineData("--hidden", "64,x", "--hidden")]
    [InlineData("--optimizer", "rmsprop", "rmsprop")]
    [InlineData("--pixelcnn-channels", "1", "--pixelcnn-channels")]
    [InlineData("--pixelcnn-blocks", "-1", "--pixelcnn-blocks")]
    [InlineData("--threads", "0", "--threads")]
    public void Train_BadArguments_FailWithAMessageNamingTheOption(string option, string value, string expected)
    {
        var (code, _, error) = Run("train", option, value, "-o", _dir);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Train_UnknownDataFolder_ListsWhereItLooked()
    {
        var (code, _, error) = Run("train", "--data", Path.Combine(_dir, "nowhere"), "-o", _dir);
        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains("nowhere", error);
    }

    [Fact]
    public void Train_ResumeFromAMissingFile_SaysSo()
    {
        var (code, _, error) = Run("train", "--resume", Path.Combine(_dir, "missing.safetensors"));
        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains("missing.safetensors", error);
    }

    [Theory]
    [InlineData("--kind", "cvae", "--latent", "2")]
    [InlineData("--prior", "mog", "--latent", "2")]
    [InlineData("--importance-samples", "3", "--latent", "2")]
    [InlineData("--kind", "hvae", "--latent-sizes", "4,2")]   // an hvae's latent size is the sum of its layers'
    public void Train_ZooOptions_TrainAndWriteTheFigures(params string[] options)
    {
        var (code, output, error) = Run(["train", "--epochs", "1", "--hidden", "32", .. options, "-o", _dir]);
        Assert.True(code == 0, error + output);
        Assert.True(File.Exists(Path.Combine(_dir, Figures.SamplesFile)));
        Assert.True(File.Exists(Path.Combine(_dir, Figures.ReconstructionsFile)));
    }

    [Fact]
    public void Train_ConvVae_OnASmallRun()
    {
        var (code, _, error) = Run("train", "--epochs", "1", "--kind", "conv-vae", "--conv-channels", "4,8", "--latent", "2", "-o", _dir);
        Assert.True(code == 0, error);
        Assert.Equal("conv-vae", Checkpoint.Load(Path.Combine(_dir, Trainer.LatestCheckpoint)).Model.Spec.Kind);
    }

    [Fact]
    public void ConditionalModel_SamplesByClassAndReconstructs_OtherFiguresSayWhy()
    {
        Assert.Equal(0, Run("train", "--epochs", "1", "--hidden", "32", "--latent", "2", "--kind", "cvae", "-o", _dir).Code);
        string model = Path.Combine(_dir, Trainer.LatestCheckpoint);
        var (code, _, error) = Run("sample", "-m", model, "--columns", "4", "-o", Path.Combine(_dir, "s.png"));
        Assert.True(code == 0, error);
        Image byClass = Png.Read(Path.Combine(_dir, "s.png"));
        Assert.True(byClass.Height > 10 * 28, "one row of 28x28 images per class");
        Assert.Equal(0, Run("reconstruct", "-m", model, "-o", Path.Combine(_dir, "r.png")).Code);
        (code, _, error) = Run("interpolate", "-m", model, "--from", "0", "-o", Path.Combine(_dir, "i.png"));
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("conditioned", error);
    }

    [Theory]
    [InlineData("vae", "--latent-sizes", "4,2", "hvae or conv-hvae")]
    [InlineData("hvae", "--latent", "8", "vae, ae, conv-vae or cvae")]
    [InlineData("conv-vae", "--hidden", "64", "hvae")]
    [InlineData("vae", "--pixelcnn-channels", "8", "pixelcnn")]
    public void Train_OptionTheKindDoesNotUse_IsRefusedBeforeTheData(string kind, string option, string value, string users)
    {
        var (code, _, error) = Run("train", "--kind", kind, option, value, "--data", Path.Combine(_dir, "nowhere"), "-o", _dir);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.StartsWith($"latent: {option}: ", error);
        Assert.Contains(users, error);
    }

    [Fact]
    public void Train_ResumeWithoutEpochs_KeepsTheRunsOwnCount()
    {
        Assert.Equal(0, Run("train", "--epochs", "2", "--hidden", "16", "--latent", "2", "-o", _dir).Code);
        var (code, output, error) = Run("train", "--resume", Path.Combine(_dir, Trainer.LatestCheckpoint));
        Assert.True(code == 0, error);   // not "more than the 10 asked for"
        Assert.Contains("after epoch 2 of 2", output);
    }

    [Fact]
    public void Train_ResumeWithTrainingSettings_IsRefusedNamingThem()
    {
        var (code, _, error) = Run("train", "--resume", Path.Combine(_dir, "missing.safetensors"), "--lr", "0.1", "--batch-size", "8", "--epochs", "5");
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("keeps the training settings", error);
        Assert.Contains("leave out --lr, --batch-size (--epochs may change)", error);
    }

    [Fact]
    public void Train_ResumeWithModelSettings_IsRefusedNamingThem()
    {
        var (code, _, error) = Run("train", "--resume", Path.Combine(_dir, "missing.safetensors"), "--hidden", "8", "--kind", "vae");
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("leave out --kind, --hidden", error);
    }

    [Fact]
    public void Train_Help_SaysWhichKindsUseEachModelOptionAndTheirDefaults()
    {
        var (code, output, _) = Run("train", "--help");
        Assert.Equal(0, code);
        string Line(string flag) => output.Split('\n').Single(l => l.TrimStart().StartsWith(flag + " ", StringComparison.Ordinal));
        Assert.Contains("Kinds: hvae, conv-hvae. Default: 64,32.", Line("--latent-sizes"));
        Assert.Contains("ae: bce, mse", Line("--likelihood"));
        Assert.Contains("Default: bernoulli; ae: bce.", Line("--likelihood"));
        Assert.Contains("cvae: standard-normal, mog", Line("--prior"));
    }

    [Fact]
    public void Readme_TrainTable_NamesEveryModelOptionOfTheBuiltInKinds()
    {
        string readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        string table = readme[readme.IndexOf("### `latent train`", StringComparison.Ordinal)..readme.IndexOf("### `latent eval`", StringComparison.Ordinal)];
        string[] builtIn = ["vae", "ae", "conv-vae", "cvae", "hvae", "conv-hvae", "pixelcnn"];
        foreach (string name in ModelCatalog.Kinds.Where(k => builtIn.Contains(k.Name)).SelectMany(k => k.Options).Select(o => o.Name).Distinct())
            Assert.Contains($"`{CatalogOptions.Flag(name)}`", table);
    }


    [Theory]
    [InlineData("categorical")]
    [InlineData("logistic-mixture")]
    [InlineData("discretized-gaussian")]
    public void Train_EightBitLikelihoodWithBinarize_IsRefusedBeforeTheDataLoads(string likelihood)
    {
        var (code, _, error) = Run("train", "--likelihood", likelihood, "--binarize", "static", "--data", Path.Combine(_dir, "no-such-data"), "-o", _dir);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains($"--binarize: the \"{likelihood}\" likelihood models the 256 levels of 8-bit images", error);
    }
}
