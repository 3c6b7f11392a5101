using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using LatentSharp.Models;

namespace LatentSharp.Cli;

/// <summary>
/// Options several commands share, defined once, and the strict reading of every number on the command line: invariant
/// culture (a dot for decimals), no thousands separators, no trailing text, finite floats, integers in their type's range.
/// </summary>
public static class CommonOptions
{
    /// <summary>
    /// The option that sets each library setting (<see cref="InvalidSettingException.Setting"/>), so that its error names
    /// the flag; the model's settings are the catalog's options (<see cref="CatalogOptions"/>).
    /// </summary>
    private static readonly Dictionary<string, string> FlagsOfSettings = new(StringComparer.Ordinal)
    {
        ["Kind"] = "--kind",
        ["Data"] = "--data",
        ["Epochs"] = "--epochs",
        ["BatchSize"] = "--batch-size",
        ["Optimizer"] = "--optimizer",
        ["LearningRate"] = "--lr",
        ["Schedule"] = "--schedule",
        ["Beta"] = "--beta",
        ["WarmupEpochs"] = "--warmup",
        ["FreeBits"] = "--free-bits",
        ["Samples"] = "--noise-samples",   // TrainingOptions.Samples, L; eval's K below
        ["ImportanceSamples"] = "--importance-samples",
        ["ClipNorm"] = "--clip-norm",
        ["Binarization"] = "--binarize",
        ["ValidationImages"] = "--validation",
        ["Patience"] = "--patience",
        ["Split"] = "--split",
        ["Images"] = "--images",
        ["TrainImages"] = "--train-images",
        ["LlrPriorLayers"] = "--llr-k",
        ["LlrSamples"] = "--llr-samples",
        ["LlrPriorMean"] = "--llr-prior-mean",
    };

    /// <summary>Where a command's option sets a setting of the same name as another command's: eval's Samples is K (<see cref="Evaluation.EvaluationOptions.Samples"/>).</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> FlagsOfSettingsByCommand = new(StringComparer.Ordinal)
    {
        ["eval"] = new(StringComparer.Ordinal) { ["Samples"] = "--importance-samples" },
    };

    /// <summary>The command-line option of <paramref name="command"/> (when given) that sets the library setting <paramref name="setting"/>, or null when none does.</summary>
    public static string? FlagOf(string setting, string? command = null) =>
        (command is not null && FlagsOfSettingsByCommand.TryGetValue(command, out var own) ? own.GetValueOrDefault(setting) : null)
        ?? FlagsOfSettings.GetValueOrDefault(setting)
        ?? (ModelCatalog.Kinds.SelectMany(k => k.Options).FirstOrDefault(o => o.Setting == setting) is { } option ? CatalogOptions.Flag(option.Name) : null);

    /// <summary>--verbose on the root and every command: an internal error prints its stack trace too.</summary>
    public static Option<bool> Verbose() => new(CommandRunner.VerboseOption)
    {
        Description = "On an internal error (a bug in LatentSharp), print the stack trace too.",
        Recursive = true,
    };

    /// <summary>A comma-separated list of positive widths (e.g. 512,256), each at most <see cref="ModelCatalog.MaxWidth"/>; an empty list is refused.</summary>
    public static Option<int[]> Widths(string name, string description, int[] defaultValue)
    {
        var option = new Option<int[]>(name) { Description = description, Arity = ArgumentArity.ExactlyOne, DefaultValueFactory = _ => defaultValue };
        option.CustomParser = r => ParseWidths(r, name);
        return option;
    }

    /// <summary>As <see cref="Widths(string, string, int[])"/>, without a default (null when not given).</summary>
    public static Option<int[]?> OptionalWidths(string name, string description)
    {
        var option = new Option<int[]?>(name) { Description = description, Arity = ArgumentArity.ExactlyOne };
        option.CustomParser = r => ParseWidths(r, name);
        return option;
    }

    private static int[] ParseWidths(ArgumentResult result, string name)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        string[] items = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            if (!int.TryParse(items[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1 || widths[i] > ModelCatalog.MaxWidth)
            {
                result.AddError(text.Trim().Trim(',').Length == 0
                    ? $"{name} needs at least one width (e.g. 512,256), not \"{text}\"."
                    : $"{name} takes widths from 1 to {ModelCatalog.MaxWidth} separated by commas (e.g. 512,256), not \"{text}\".");
                return [];
            }
        }
        return widths;
    }

    /// <summary>Gives every number option under <paramref name="command"/> the strict, culture-invariant parser.</summary>
    public static void ParseNumbersStrictly(Command command)
    {
        foreach (Option option in command.Options)
        {
            switch (option)
            {
                case Option<int> o: o.CustomParser = r => ParseNumber<int>(r, o.Name) ?? default; break;
                case Option<int?> o: o.CustomParser = r => ParseNumber<int>(r, o.Name); break;
                case Option<long> o: o.CustomParser = r => ParseNumber<long>(r, o.Name) ?? default; break;
                case Option<ulong> o: o.CustomParser = r => ParseNumber<ulong>(r, o.Name) ?? default; break;
                case Option<float> o: o.CustomParser = r => ParseNumber<float>(r, o.Name) ?? default; break;
                case Option<float?> o: o.CustomParser = r => ParseNumber<float>(r, o.Name); break;
                case Option<double> o: o.CustomParser = r => ParseNumber<double>(r, o.Name) ?? default; break;
            }
        }
        foreach (Command subcommand in command.Subcommands) ParseNumbersStrictly(subcommand);
    }

    /// <summary>
    /// The option's single token as a <typeparamref name="T"/>: "0.001", "1e-3", "-2", but not "0,001", "1,000",
    /// "12abc", "NaN", "Infinity" or a value beyond the type's range (an error on the result instead).
    /// </summary>
    internal static T? ParseNumber<T>(ArgumentResult result, string name) where T : struct, INumber<T>, IMinMaxValue<T>
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        bool floating = typeof(T) == typeof(float) || typeof(T) == typeof(double);
        NumberStyles styles = floating ? NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent : NumberStyles.AllowLeadingSign;
        if (T.TryParse(text, styles, CultureInfo.InvariantCulture, out T value) && T.IsFinite(value)) return value;
        string error = floating
            ? T.TryParse(text, styles, CultureInfo.InvariantCulture, out _)
                ? $"{name} must be a finite number, not \"{text}\"."
                : $"{name} takes a number written with a dot for decimals and no thousands separators (e.g. 0.001 or 1e-3), not \"{text}\"."
            : BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                ? $"{name} must be a whole number from {T.MinValue.ToString(null, CultureInfo.InvariantCulture)} to {T.MaxValue.ToString(null, CultureInfo.InvariantCulture)}, not {text}."
                : $"{name} takes a whole number without separators (e.g. 1000), not \"{text}\".";
        result.AddError(error);
        return null;
    }

    /// <summary>--data for commands that start from a checkpoint: by default the data set the model was trained on.</summary>
    public static Option<string?> DataOfModel() => new("--data")
    {
        Description = "Data set: sample, fashion-mnist, mnist, or a folder of IDX files. Default: the one the model was trained on.",
    };

    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Where to look first for the named data set.",
    };

    public static Option<int> Threads()
    {
        var option = new Option<int>("--threads") { Description = "Cores the engine may use.", DefaultValueFactory = _ => Environment.ProcessorCount };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--threads must be at least 1.");
        });
        return option;
    }

    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Checkpoint file written by latent train (e.g. runs/sample-vae/model.safetensors), or the name of a model shipped with the tool ('latent info' lists them).",
        Required = true,
    };

    /// <summary>The file a figure command writes; its default is next to the checkpoint.</summary>
    public static Option<string?> Output(string defaultDescription) => new("--output", "-o")
    {
        Description = $"File to write. Default: {defaultDescription}.",
    };

    public static Option<ulong> Seed() => new("--seed") { Description = "Seed of every random draw.", DefaultValueFactory = _ => 1UL };

    /// <summary>An index into the test split of the data.</summary>
    public static Option<int> Index(string name, string description, int defaultValue = 0) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
    };
}
