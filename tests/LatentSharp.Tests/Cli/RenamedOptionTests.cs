using LatentSharp.Cli;

namespace LatentSharp.Tests.Cli;

/// <summary>
/// Each option word means one thing: train's model kind is --kind (-m/--model is a checkpoint everywhere else), L is
/// --noise-samples, K is --importance-samples; the former spellings still work, hidden, with a note on stderr.
/// </summary>
public sealed class RenamedOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-renamed-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Nowhere => Path.Combine(_dir, "no-data");

    [Theory]
    [InlineData("--model", "ae", "--kind")]
    [InlineData("--samples", "2", "--noise-samples")]
    [InlineData("--iwae-k", "2", "--importance-samples")]
    public void Train_FormerName_StillWorks_WithOneNoteOnStderr(string former, string value, string current)
    {
        // The data folder does not exist: the options are read and checked first, then the data is missed.
        var (code, output, error) = Latent.Run("train", former, value, "--data", Nowhere, "-o", _dir);
        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains($"latent: note: {former} is now {current} (as a config key: {current[2..]}); the old name will be removed.", error);
        Assert.Single(error.Split('\n'), line => line.Contains("note:", StringComparison.Ordinal));
        Assert.DoesNotContain("note:", output);
    }

    [Fact]
    public void Train_FormerModelName_SetsTheKind()
    {
        var (_, _, error) = Latent.Run("train", "--model", "pixelcnn", "--iwae-k", "3", "--data", Nowhere, "-o", _dir);
        Assert.Contains("latent: --importance-samples: ", error);   // refused for the pixelcnn kind, by the new flag's name
    }

    [Fact]
    public void Train_FormerAndCurrentNameTogether_IsAUsageError()
    {
        var (code, _, error) = Latent.Run("train", "--model", "ae", "--kind", "vae", "--data", Nowhere);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("--model is the former name of --kind; give only --kind.", error);
    }

    [Fact]
    public void Train_Help_ShowsOnlyTheNewNames()
    {
        var (code, output, _) = Latent.Run("train", "--help");
        Assert.Equal(0, code);
        foreach (string name in new[] { "--kind", "--noise-samples", "--importance-samples" }) Assert.Contains(name, output);
        foreach (string name in new[] { "--model", "--samples ", "--iwae-k" }) Assert.DoesNotContain(name, output);
    }

    [Fact]
    public void Eval_FormerSamples_IsK_WithTheNote_AndItsRangeError()
    {
        var (code, _, error) = Latent.Run("eval", "--model", Path.Combine(_dir, "missing.safetensors"), "--samples", "7");
        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains("latent: note: --samples is now --importance-samples", error);
        (code, _, error) = Latent.Run("eval", "--model", Path.Combine(_dir, "missing.safetensors"), "--samples", "0");
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.Contains("--samples must be at least 1", error);
        (code, _, error) = Latent.Run("eval", "--model", Path.Combine(_dir, "missing.safetensors"), "-k", "0");
        Assert.Contains("--importance-samples must be at least 1", error);
    }

    [Theory]
    [InlineData("run.yaml", "model: vae\nsamples: 2\n", "--model is now --kind")]
    [InlineData("run.json", "{\"kind\": \"vae\", \"iwae-k\": 2}", "--iwae-k is now --importance-samples")]
    public void Train_ConfigFile_TakesTheFormerKeys_WithTheNote(string name, string text, string note)
    {
        string config = Path.Combine(_dir, name);
        File.WriteAllText(config, text);
        var (code, _, error) = Latent.Run("train", "--config", config, "--data", Nowhere, "-o", _dir);
        Assert.NotEqual(CommandRunner.UsageError, code);   // the keys are taken; then the data is missed
        Assert.Contains(note, error);
    }

    [Fact]
    public void Train_ConfigFileFormerKey_TheCommandLinesNewNameWins()
    {
        string config = Path.Combine(_dir, "run.yaml");
        File.WriteAllText(config, "model: ae\n");
        var (code, _, error) = Latent.Run("train", "--config", config, "--kind", "vae", "--data", Nowhere, "-o", _dir);
        Assert.Equal(CommandRunner.DataError, code);
        Assert.DoesNotContain("note:", error);
    }

    [Theory]
    [InlineData("train", "--noise-samples")]
    [InlineData("eval", "--importance-samples")]
    [InlineData(null, "--noise-samples")]
    public void Describe_SamplesSetting_NamesTheFlagOfTheCommand(string? command, string flag)
    {
        var (code, message) = CommandRunner.Describe(new InvalidSettingException("Samples", "The samples must be at least 1, not 0."), command);
        Assert.Equal(CommandRunner.UsageError, code);
        Assert.StartsWith(flag + ": the samples", message);
    }

    [Fact]
    public void Describe_KindSetting_NamesKind() =>
        Assert.StartsWith("--kind: ", CommandRunner.Describe(new InvalidSettingException("Kind", "No such kind."), "train").Message);

    [Theory]
    [InlineData("[suggest:9]", "train --ki", "--kind")]
    [InlineData("[suggest:10]", "eval --imp", "--importance-samples")]
    [InlineData("[suggest:13]", "train --kind ", "conv-vae")]
    public void SuggestDirective_CompletesTheNewNames(string directive, string line, string expected)
    {
        var (code, output, _) = Latent.Run(directive, line);
        Assert.Equal(0, code);
        Assert.Contains(expected, output.Split('\n', StringSplitOptions.TrimEntries));
    }

    [Fact]
    public void SuggestDirective_DoesNotOfferTheFormerNames()
    {
        var (_, output, _) = Latent.Run("[suggest:10]", "train --mo");
        Assert.DoesNotContain("--model", output);
    }
}
