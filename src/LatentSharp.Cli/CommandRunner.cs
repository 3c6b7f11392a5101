using System.CommandLine;
using LatentSharp.Training;

namespace LatentSharp.Cli;

/// <summary>
/// The one place that turns an exception into a one-line message and an exit code (README, "Exit codes"). The user's
/// errors (<see cref="LatentSharpException"/> and the file system's) name what to fix; anything else is a bug in
/// LatentSharp and says so, with the stack trace under <c>--verbose</c>.
/// </summary>
public static class CommandRunner
{
    public const int Ok = 0;
    public const int InternalError = 1;
    public const int UsageError = 2;
    public const int DataError = 3;
    public const int TrainingFailed = 4;

    /// <summary>The global option that adds the stack trace to an internal error.</summary>
    public const string VerboseOption = "--verbose";

    public static int Invoke(RootCommand root, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var config = new InvocationConfiguration { Output = output ?? Console.Out, Error = error ?? Console.Error, EnableDefaultExceptionHandler = false };
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line per error: the parser lists allowed values on lines of their own.
            foreach (var parseError in parse.Errors) config.Error.WriteLine($"latent: {string.Join(' ', parseError.Message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}");
            string command = string.Join(' ', parse.CommandResult.Command is RootCommand ? ["latent"] : new[] { "latent", parse.CommandResult.Command.Name });
            config.Error.WriteLine($"Run '{command} --help' to see the options.");
            return UsageError;
        }
        try
        {
            return parse.Invoke(config);
        }
        catch (Exception e)
        {
            (int code, string message) = Describe(e, parse.CommandResult.Command.Name);
            config.Error.WriteLine($"latent: {message}");
            if (code == InternalError && IsVerbose(root, parse)) config.Error.WriteLine(e.ToString());
            return code;
        }
    }

    /// <summary>The exit code of <paramref name="e"/>, thrown by <paramref name="command"/>, and the line the user reads.</summary>
    internal static (int Code, string Message) Describe(Exception e, string? command = null) => e switch
    {
        InvalidSettingException setting => (UsageError, CommonOptions.FlagOf(setting.Setting, command) is { } flag ? $"{flag}: {LowerFirst(setting.Message)}" : setting.Message),
        UsageException or UnsupportedByModelException => (UsageError, e.Message),
        TrainingDivergedException => (TrainingFailed, e.Message),
        LatentSharpException => (DataError, e.Message),
        // The runtime's texts of these name the path ("Could not find file '…'", "Access to the path '…' is denied").
        FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException => (DataError, e.Message),
        _ => (InternalError, $"internal error: {InternalMessage(e)} — this is a bug in LatentSharp; rerun with {VerboseOption} for the details"),
    };

    /// <summary>"The latent size …" → "the latent size …" and "A vae …" → "a vae …", to follow "--latent: "; names such as "VampPrior" keep their case.</summary>
    private static string LowerFirst(string message) =>
        message.Length > 1 && char.IsUpper(message[0]) && (char.IsLower(message[1]) || (message[0] == 'A' && message[1] == ' '))
            ? char.ToLowerInvariant(message[0]) + message[1..]
            : message;

    /// <summary>The exception's own text without the runtime's decorations, which mean nothing to a user.</summary>
    private static string InternalMessage(Exception e)
    {
        if (e is NullReferenceException) return "a value that should be there is missing (a null reference)";
        string message = e.Message;
        if (e is ArgumentException { ParamName: { } name } && message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal))
            message = message[..^$" (Parameter '{name}')".Length];
        return message.ReplaceLineEndings(" ").TrimEnd('.');
    }

    private static bool IsVerbose(RootCommand root, ParseResult parse) =>
        root.Options.FirstOrDefault(o => o.Name == VerboseOption) is Option<bool> verbose && parse.GetValue(verbose);
}
