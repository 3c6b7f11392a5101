using LatentSharp.Cli;

namespace LatentSharp.Tests.Cli;

/// <summary>Runs the <c>latent</c> tool in process, as the tests drive it.</summary>
internal static class Latent
{
    /// <summary>The exit code and what the command wrote to standard output and standard error.</summary>
    public static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(), args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
