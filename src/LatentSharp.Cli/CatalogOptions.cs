using System.CommandLine;
using LatentSharp.Models;
using LatentSharp.Models.Catalog;

namespace LatentSharp.Cli;

/// <summary>
/// The model options of <c>latent train</c>, built from the kinds of the <see cref="ModelCatalog"/>: one option per
/// setting name (<c>--</c> + <see cref="ModelOption.Name"/>), whose help says which kinds use it, what values each
/// accepts and each one's default. None has a parser default: a setting left out takes the chosen kind's default, and a
/// given one goes to <see cref="ModelCatalog.Configure"/>, which refuses it for a kind that does not use it.
/// </summary>
public sealed class CatalogOptions
{
    private readonly List<(string Name, Option Option, Func<ParseResult, object?> Read)> _options = [];

    public CatalogOptions(IReadOnlyList<ModelKind> kinds)
    {
        foreach (var group in kinds.SelectMany(k => k.Options.Select(o => (Kind: k, Option: o))).GroupBy(p => p.Option.Name))
        {
            var uses = group.ToList();
            string flag = Flag(group.Key);
            string description = Describe(uses, kinds.Count);
            ModelOption first = uses[0].Option;
            (Option option, Func<ParseResult, object?> read) = first.ValueType switch
            {
                var t when t == typeof(int) => Typed(new Option<int?>(flag) { Description = description }),
                var t when t == typeof(float) => Typed(new Option<float?>(flag) { Description = description }),
                var t when t == typeof(int[]) => Typed(CommonOptions.OptionalWidths(flag, description)),
                _ => Typed(Text(flag, description, uses.SelectMany(u => u.Option.Choices).Distinct().ToArray())),
            };
            _options.Add((group.Key, option, read));
        }
    }

    /// <summary>The options, in the order the kinds first name them.</summary>
    public IEnumerable<Option> Options => _options.Select(o => o.Option);

    /// <summary>The command-line spelling of the catalog option <paramref name="name"/>.</summary>
    public static string Flag(string name) => "--" + name;

    /// <summary>The settings given on the command line, by option name, for <see cref="ModelCatalog.Configure"/>.</summary>
    public IEnumerable<KeyValuePair<string, object>> Given(ParseResult parse)
    {
        foreach (var (name, option, read) in _options)
        {
            // Only what the user wrote: the parser gives an absent list option an empty list.
            if (parse.GetResult(option) is { Implicit: false } && read(parse) is { } value) yield return new(name, value);
        }
    }

    /// <summary>
    /// The flag the user gave for the library setting <paramref name="setting"/>, when it is not the one
    /// <see cref="CommonOptions.FlagOf"/> names (two kinds' options of other names may set one field).
    /// </summary>
    public string? OtherFlagGivenFor(ParseResult parse, string setting)
    {
        var given = Given(parse).Select(s => s.Key).ToHashSet();
        string? flag = ModelCatalog.Kinds.SelectMany(k => k.Options).Where(o => o.Setting == setting && given.Contains(o.Name)).Select(o => Flag(o.Name)).FirstOrDefault();
        return flag == CommonOptions.FlagOf(setting) ? null : flag;
    }

    /// <summary>The flags of the settings given on the command line.</summary>
    public IEnumerable<string> GivenFlags(ParseResult parse) => Given(parse).Select(s => Flag(s.Key));

    private static (Option, Func<ParseResult, object?>) Typed<T>(Option<T> option) => (option, parse => parse.GetValue(option));

    private static Option<string?> Text(string flag, string description, string[] choices)
    {
        var option = new Option<string?>(flag) { Description = description };
        if (choices.Length > 0) option.AcceptOnlyFromAmong(choices);
        return option;
    }

    /// <summary>
    /// "Latent dimensions. Kinds: vae, ae, conv-vae, cvae. Default: 20." Where kinds differ in their help, values or
    /// defaults, each group is named by its kinds.
    /// </summary>
    private static string Describe(List<(ModelKind Kind, ModelOption Option)> uses, int kindCount)
    {
        var text = new List<string> { ByKinds(uses, o => o.Help, "; ") };
        if (uses.Count < kindCount) text.Add($"Kinds: {string.Join(", ", uses.Select(u => u.Kind.Name))}.");
        if (uses.Select(u => string.Join(",", u.Option.Choices)).Distinct().Count() > 1)
            text.Add($"Values: {ByKinds(uses, o => string.Join(", ", o.Choices), "; ")}.");
        var defaults = uses.Select(u => (u.Kind, Value: u.Option.Format(u.Kind.Defaults))).ToList();
        if (defaults.Any(d => d.Value.Length > 0))
        {
            var groups = defaults.GroupBy(d => d.Value).ToList();
            text.Add("Default: " + string.Join("; ", groups.Select((g, i) => i == 0 ? g.Key : $"{string.Join(", ", g.Select(d => d.Kind.Name))}: {g.Key}")) + ".");
        }
        return string.Join(" ", text);
    }

    /// <summary>The text of each use; when they differ, grouped and prefixed by the kinds that share it.</summary>
    private static string ByKinds(List<(ModelKind Kind, ModelOption Option)> uses, Func<ModelOption, string> text, string separator)
    {
        var groups = uses.GroupBy(u => text(u.Option)).ToList();
        return groups.Count == 1 ? groups[0].Key : string.Join(separator, groups.Select(g => $"{string.Join(", ", g.Select(u => u.Kind.Name))}: {g.Key}"));
    }
}
