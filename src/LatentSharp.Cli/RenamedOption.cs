using System.CommandLine;
using System.Runtime.CompilerServices;

namespace LatentSharp.Cli;

/// <summary>
/// The former spelling of a renamed option (<c>train --model</c> is <c>--kind</c>, <c>eval --samples</c> is
/// <c>--importance-samples</c>): a hidden option that parses as the new one, and when given, on the command line or as
/// a config file's key, reads as the new one with a one-line note on stderr.
/// </summary>
public static class RenamedOption
{
    private static readonly ConditionalWeakTable<Option, Option> CurrentOf = new();

    /// <summary>A hidden option named <paramref name="formerName"/> that takes what <paramref name="current"/> takes; add both to the command.</summary>
    public static Option<T> Former<T>(Option<T> current, string formerName, params string[] choices)
    {
        var former = new Option<T>(formerName) { Description = $"Former name of {current.Name}.", Hidden = true };
        if (current.CustomParser is { } parser) former.CustomParser = parser;
        foreach (var validator in current.Validators) former.Validators.Add(validator);
        if (choices.Length > 0) former.AcceptOnlyFromAmong(choices);
        CurrentOf.Add(former, current);
        return former;
    }

    /// <summary>The option <paramref name="option"/> is the former name of, or <paramref name="option"/> itself.</summary>
    public static Option Current(Option option) => CurrentOf.TryGetValue(option, out Option? current) ? current : option;

    /// <summary>Whether the user gave <paramref name="option"/> or an option it is the former name of (or the other way round).</summary>
    public static bool GivenUnderAnyName(ParseResult parse, Option option, Command command) =>
        command.Options.Where(o => Current(o) == Current(option)).Any(o => parse.GetResult(o) is { Implicit: false });

    /// <summary>
    /// The value of <paramref name="current"/>, or of <paramref name="former"/> when that was given, with the note on
    /// <paramref name="error"/>; both given is a usage error.
    /// </summary>
    public static T? Value<T>(ParseResult parse, Option<T> current, Option<T> former, TextWriter error)
    {
        if (parse.GetResult(former) is not { Implicit: false }) return parse.GetValue(current);
        if (parse.GetResult(current) is { Implicit: false })
            throw new UsageException($"{former.Name} is the former name of {current.Name}; give only {current.Name}.");
        error.WriteLine(Note(former.Name, current.Name));
        return parse.GetValue(former);
    }

    /// <summary>"latent: note: --model is now --kind (as a config key: kind); the old name will be removed."</summary>
    public static string Note(string formerName, string currentName) =>
        $"latent: note: {formerName} is now {currentName} (as a config key: {currentName.TrimStart('-')}); the old name will be removed.";
}
