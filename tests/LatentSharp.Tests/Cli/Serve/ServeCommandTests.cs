using LatentSharp.Cli;

namespace LatentSharp.Tests.Cli.Serve;

public sealed class ServeCommandTests
{
    private static (int Code, string Error) Run(params string[] args)
    {
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(), args, new StringWriter(), error);
        return (code, error.ToString());
    }

    [Fact]
    public void Serve_MissingCheckpoint_FailsWithADataError()
    {
        var (code, error) = Run("serve", "--model", Path.Combine(Path.GetTempPath(), "no-such-model.safetensors"));
        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains("no-such-model.safetensors", error);
    }

    [Fact]
    public void Serve_WithoutModel_IsAUsageError()
    {
        var (code, error) = Run("serve");
        Assert.NotEqual(0, code);
        Assert.Contains("--model", error);
    }

    [Fact]
    public void Serve_PortOutOfRange_IsRefusedByTheParser()
    {
        var (code, error) = Run("serve", "--model", "x.safetensors", "--port", "70000");
        Assert.NotEqual(0, code);
        Assert.Contains("--port", error);
    }
}
