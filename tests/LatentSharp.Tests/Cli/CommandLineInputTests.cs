using System.CommandLine;
using LatentSharp.Cli;
using LatentSharp.Training;

namespace LatentSharp.Tests.Cli;

/// <summary>A VAE and a CVAE trained once (1 epoch, hidden 16, 2-D latent) for the tests that need a checkpoint.</summary>
public sealed class TinyCheckpoints : IDisposable
{
    public TinyCheckpoints()
    {
        Folder = Directory.CreateTempSubdirectory("ls-input-").FullName;
        Vae = Train("vae");
        Conditional = Train("cvae");
    }

    public string Folder { get; }
    public string Vae { get; }
    public string Conditional { get; }

    private string Train(string kind)
    {
        string run = Path.Combine(Folder, kind);
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(), ["train", "--kind", kind, "--epochs", "1", "--hidden", "16", "--latent", "2", "-o", run], new StringWriter(), error);
        if (code != 0) throw new InvalidOperationException($"Training the {kind} fixture failed: {error}");
        return Path.Combine(run, Trainer.LatestCheckpoint);
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>
/// Every kind of bad command-line input gets one line naming the option and its documented exit code; settings are
/// refused before any data is read (the data folder given here does not exist, so a late check would report it instead);
/// anything else is an internal error that says it is a bug.
/// </summary>
public sealed class CommandLineInputTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    private static readonly string MissingData = Path.Combine(Path.GetTempPath(), "ls-no-such-data-folder");

    private static (int Code, string Output, string Error) Run(RootCommand root, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandRunner.Invoke(root, args, output, error);
        string text = error.ToString();
        if (!args.Contains(CommandRunner.VerboseOption))
        {
            // Raw runtime texts mean nothing to a user.
            foreach (string raw in new[] { "Parameter '", "Object reference", "System.", "   at " })
                Assert.DoesNotContain(raw, text);
        }
        return (code, output.ToString(), text);
    }

    private static (int Code, string Output, string Error) Run(params string[] args) => Run(LatentCommand.Create(), args);

    /// <summary>latent train with <paramref name="options"/> on a data folder that does not exist.</summary>
    private static (int Code, string Error) TrainOnMissingData(params string[] options)
    {
        var (code, _, error) = Run(["train", "--data", MissingData, .. options]);
        return (code, error);
    }

    [Theory]
    [InlineData("--lr", "0,001")]
    [InlineData("--beta", "0,5")]
    [InlineData("--variance", "1,5")]
    public void Train_CommaAsDecimalSeparator_IsAUsageErrorNamingTheOption(string option, string value)
    {
        var (code, error) = TrainOnMissingData(option, value);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains(option, error);
        Assert.Contains(value, error);
    }

    [Theory]
    [InlineData("--epochs", "1,000")]
    [InlineData("--batch-size", "1_000")]
    [InlineData("--lr", "1,000.5")]
    [InlineData("--epochs", "12abc")]
    [InlineData("--seed", "0x10")]
    public void Train_ThousandsSeparatorsOrTrailingText_AreRefused(string option, string value)
    {
        var (code, error) = TrainOnMissingData(option, value);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains(option, error);
    }

    [Theory]
    [InlineData("--lr", "NaN")]
    [InlineData("--lr", "Infinity")]
    [InlineData("--beta", "-Infinity")]
    [InlineData("--lr", "1e39")]
    [InlineData("--free-bits", "nan")]
    public void Train_NonFiniteNumber_IsRefused(string option, string value)
    {
        var (code, error) = TrainOnMissingData(option, value);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains(option, error);
        Assert.Contains("finite", error);
    }

    [Fact]
    public void Traverse_NonFiniteRange_IsRefusedByTheParser()
    {
        var (code, _, error) = Run("traverse", "-m", checkpoints.Vae, "--range", "NaN");
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("--range", error);
    }

    [Theory]
    [InlineData("--hidden", "99999999999")]
    [InlineData("--latent", "1073741824")]
    [InlineData("--latent", "99999999999")]
    [InlineData("--epochs", "99999999999")]
    [InlineData("--conv-channels", "32,4294967296")]
    [InlineData("--latent-sizes", "64,2000000")]
    public void Train_OverflowingOrHugeSize_IsRefusedBeforeTheData(string option, string value)
    {
        var (code, error) = TrainOnMissingData(option, value);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains(option, error);
    }

    [Theory]
    [InlineData("pixelcnn", "--importance-samples", "3")]
    [InlineData("pixelcnn", "--free-bits", "0.1")]
    [InlineData("pixelcnn", "--noise-samples", "2")]
    [InlineData("ae", "--importance-samples", "3")]
    [InlineData("ae", "--beta", "4")]
    [InlineData("ae", "--warmup", "2")]
    public void Train_ObjectiveSettingTheModelHasNoDrawsFor_IsRefusedBeforeTheData(string model, string option, string value)
    {
        var (code, error) = TrainOnMissingData("--kind", model, option, value);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.StartsWith($"latent: {option}: ", error);
        Assert.Contains("latent draws", error);
    }

    [Fact]
    public void Train_OptionOfAnotherKind_ReadsAsOneSentenceAfterTheFlag()
    {
        var (code, error) = TrainOnMissingData("--latent-sizes", "8,4");
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.StartsWith("latent: --latent-sizes: a \"vae\" does not take", error);
    }

    [Fact]
    public void Train_ModelTooLargeForMemory_IsRefusedNamingTheWidestSetting()
    {
        // Each width is allowed, but 784 × 1,000,000 × 2 weights are not.
        var (code, _, error) = Run("train", "--hidden", "1000000", "--epochs", "1", "-o", Path.Combine(checkpoints.Folder, "huge"));
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("--hidden", error);
        Assert.Contains("parameters", error);
        Assert.False(Directory.Exists(Path.Combine(checkpoints.Folder, "huge")));
    }

    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData(" , ")]
    [InlineData("64,,32")]
    [InlineData("64,0")]
    [InlineData("-64")]
    public void Train_EmptyOrBadWidthList_IsRefused(string widths)
    {
        var (code, error) = TrainOnMissingData("--hidden", widths);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("--hidden", error);
    }

    [Theory]
    [InlineData("--epochs", "0")]
    [InlineData("--epochs", "-3")]
    [InlineData("--batch-size", "0")]
    [InlineData("--batch-size", "-1")]
    [InlineData("--lr", "0")]
    [InlineData("--latent", "0")]
    [InlineData("--importance-samples", "-1")]
    public void Train_SettingOutOfRange_IsRefusedBeforeTheDataIsLoaded(string option, string value)
    {
        var (code, error) = TrainOnMissingData(option, value);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.StartsWith($"latent: {option}: ", error);
        Assert.DoesNotContain(MissingData, error);
    }

    [Theory]
    [InlineData("--likelihood", "--kind", "ae", "--likelihood", "bernoulli")]
    [InlineData("--prior", "--kind", "cvae", "--prior", "vamp")]
    [InlineData("--prior", "--kind", "hvae", "--prior", "mog")]
    [InlineData("--pixelcnn-channels", "--kind", "pixelcnn", "--pixelcnn-channels", "1")]
    [InlineData("--pixelcnn-blocks", "--kind", "conv-vae", "--likelihood", "pixelcnn", "--pixelcnn-blocks", "-1")]
    public void Train_KindDependentSetting_IsRefusedBeforeTheDataIsLoaded(string flag, params string[] options)
    {
        var (code, error) = TrainOnMissingData(options);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.StartsWith($"latent: {flag}: ", error);
        Assert.DoesNotContain(MissingData, error);
    }

    [Fact]
    public void Eval_BadImagesOption_IsRefusedBeforeTheDataIsLoaded()
    {
        var (code, _, error) = Run("eval", "--baseline", "ppca", "--data", MissingData, "--images", "0");
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.StartsWith("latent: --images: ", error);
    }

    [Fact]
    public void Train_UnknownActivation_IsRefusedByTheParser()
    {
        var (code, error) = TrainOnMissingData("--activation", "swish");
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("swish", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("latent: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Parser_UnknownOption_IsAUsageError()
    {
        var (code, _, error) = Run("train", "--no-such-option");
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("--no-such-option", error);
    }

    [Fact]
    public void Train_MissingDataFolder_IsAnInputError()
    {
        var (code, error) = TrainOnMissingData("--epochs", "1");
        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains(MissingData, error);
    }

    [Fact]
    public void Serve_HostThisMachineDoesNotHave_IsAUsageErrorNamingIt()
    {
        // 192.0.2.1 is in TEST-NET-1, reserved for documentation: no machine has it.
        var (code, _, error) = Run("serve", "-m", checkpoints.Vae, "--host", "192.0.2.1", "--port", "0");
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("--host 192.0.2.1", error);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("interpolate")]
    [InlineData("traverse")]
    [InlineData("embed")]
    [InlineData("manifold")]
    [InlineData("report")]
    public void ConditionalModel_ToCommandThatNeedsAnUnconditionalOne_IsRefusedUpFront(string command)
    {
        var (code, _, error) = Run(command, "-m", checkpoints.Conditional, "--data", MissingData);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("needs an unconditional model", error);
        Assert.Contains("conditioned", error);
    }

    [Fact]
    public void ConditionalModel_SampledPixels_IsRefusedUpFront()
    {
        var (code, _, error) = Run("sample", "-m", checkpoints.Conditional, "--sampled", "--data", MissingData);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("needs an unconditional model", error);
    }

    /// <summary>The tool's commands and one more, "fail", whose action throws <paramref name="exception"/>.</summary>
    private static RootCommand Failing(Exception exception)
    {
        RootCommand root = LatentCommand.Create();
        var fail = new Command("fail");
        fail.SetAction((Func<ParseResult, int>)(_ => throw exception));
        root.Subcommands.Add(fail);
        return root;
    }

    public static TheoryData<Exception, int> Exceptions => new()
    {
        { new InvalidSettingException("LatentSize", "The latent size must be at least 1, not 0."), CommandRunner.UsageError },
        { new UnsupportedByModelException("The pixelcnn has no latent space."), CommandRunner.UsageError },
        { new InvalidCheckpointException("m.safetensors: the file is truncated; train again."), CommandRunner.DataError },
        { new TrainingDivergedException("The loss is NaN in epoch 3."), CommandRunner.TrainingFailed },
        { new FileNotFoundException("Could not find file '/x/m.safetensors'.", "/x/m.safetensors"), CommandRunner.DataError },
        { new DirectoryNotFoundException("Could not find a part of the path '/x/y'."), CommandRunner.DataError },
        { new UnauthorizedAccessException("Access to the path '/x' is denied."), CommandRunner.DataError },
        { new IOException("No space left on device : '/x/m.safetensors'"), CommandRunner.DataError },
        { new ArgumentException("Shapes differ.", "nameOrFolder"), CommandRunner.InternalError },
        { new InvalidOperationException("The tape is closed."), CommandRunner.InternalError },
        { new NullReferenceException(), CommandRunner.InternalError },
    };

    [Theory]
    [MemberData(nameof(Exceptions))]
    public void Runner_Exception_GetsItsDocumentedExitCodeAndOneLine(Exception exception, int expected)
    {
        var (code, _, error) = Run(Failing(exception), "fail");
        Assert.Equal(expected, code);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("latent: ", error);
        Assert.Equal(expected == CommandRunner.InternalError, error.Contains("internal error", StringComparison.Ordinal));
    }

    [Fact]
    public void Runner_InvalidSetting_NamesTheFlagThatSetsIt()
    {
        var (_, _, error) = Run(Failing(new InvalidSettingException("LearningRate", "The learning rate must be positive, not 0.")), "fail");
        Assert.Equal("latent: --lr: the learning rate must be positive, not 0.", error.Trim());
    }

    [Fact]
    public void Runner_InternalError_SaysItIsABugWithoutTheTrace()
    {
        var (code, _, error) = Run(Failing(new ArgumentException("Shapes differ.", "nameOrFolder")), "fail");
        Assert.Equal(CommandRunner.InternalError, code);
        Assert.Equal($"latent: internal error: Shapes differ — this is a bug in LatentSharp; rerun with --verbose for the details", error.Trim());
    }

    [Fact]
    public void Runner_InternalErrorWithVerbose_PrintsTheStackTraceToo()
    {
        var (code, _, error) = Run(Failing(new InvalidOperationException("The tape is closed.")), "fail", "--verbose");
        Assert.Equal(CommandRunner.InternalError, code);
        Assert.StartsWith("latent: internal error: The tape is closed", error);
        Assert.Contains("System.InvalidOperationException", error);
        Assert.Contains("   at ", error);
    }
}
