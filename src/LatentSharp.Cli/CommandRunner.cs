using System.CommandLine;
using LatentSharp.Data;
using LatentSharp.Training;

namespace LatentSharp.Cli;

/// <summary>The one place that turns a library exception into a one-line message and an exit code.</summary>
public static class CommandRunner
{
    public const int Ok = 0;
    public const int UsageError = 2;
    public const int DataError = 3;
    public const int TrainingFailed = 4;

    public static int Invoke(RootCommand root, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var config = new InvocationConfiguration { Output = output ?? Console.Out, Error = error ?? Console.Error, EnableDefaultExceptionHandler = false };
        try
        {
            return root.Parse(args).Invoke(config);
        }
        catch (Exception e) when (Classify(e) is int code)
        {
            config.Error.WriteLine($"latent: {e.Message}");
            return code;
        }
    }

    private static int? Classify(Exception e) => e switch
    {
        InvalidDataFileException or DatasetNotFoundException or InvalidCheckpointException or FileNotFoundException or DirectoryNotFoundException => DataError,
        TrainingDivergedException => TrainingFailed,
        CheckpointWriteException => DataError,
        InvalidSettingException => UsageError,
        ArgumentException or InvalidOperationException => UsageError,
        IOException or UnauthorizedAccessException => DataError,
        _ => null,
    };
}
