using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LatentSharp.Cli;

/// <summary>
/// A command's options read from a file (<c>--config run.yaml</c> or <c>run.json</c>): one key per option, named as the
/// option without its dashes (<c>epochs: 20</c>, <c>hidden: [512, 256]</c>). Options on the command line override the
/// file. A key the command does not take, a value the option would refuse, a nested mapping, a null or a repeated key is
/// refused with one line naming the file and the key.
/// </summary>
public static class ConfigFile
{
    public static Option<string?> Option() => new("--config")
    {
        Description = "Read options from a YAML (.yaml, .yml) or JSON (.json) file, one key per option without its dashes (epochs: 20, hidden: [512, 256]); options given on the command line override it.",
    };

    /// <summary>
    /// <paramref name="parse"/> with the settings of the file that <paramref name="config"/> names added before the
    /// command line's own, or <paramref name="parse"/> itself when no file is named.
    /// </summary>
    /// <exception cref="UsageException">The file cannot be read, or a key or value in it is refused.</exception>
    public static ParseResult Apply(ParseResult parse, Option<string?> config)
    {
        string? path = parse.GetValue(config);
        if (path is null) return parse;
        Command command = parse.CommandResult.Command;
        Command root = parse.RootCommandResult.Command;
        var fromFile = new List<string>();
        foreach (var (key, value) in Read(path))
        {
            Option? option = command.Options.FirstOrDefault(o => o != config && (o.Name == "--" + key || o.Aliases.Contains("--" + key)));
            if (option is null)
                throw new UsageException($"{path}: unknown key '{key}'; '{command.Name}' takes {string.Join(", ", command.Options.Where(o => o != config && !o.Hidden).Select(o => o.Name.TrimStart('-')))}.");
            ParseResult alone = root.Parse([command.Name, option.Name, value], Verbatim);
            if (alone.Errors.Count > 0)
                throw new UsageException($"{path}: key '{key}': {OneLine(alone.Errors[0].Message).Replace(option.Name + " ", "it ", StringComparison.Ordinal)}");
            if (RenamedOption.GivenUnderAnyName(parse, option, command)) continue;   // the command line wins, under the option's new name or its former one
            fromFile.AddRange([option.Name, value]);
        }

        // The file's settings go right after the command's name, so that the command line's own follow them.
        var tokens = parse.Tokens.Select(t => t.Value).ToList();
        int at = parse.Tokens.ToList().FindIndex(t => t.Type == TokenType.Command && t.Value == command.Name);
        tokens.InsertRange(at + 1, fromFile);
        ParseResult merged = root.Parse(tokens, Verbatim);
        if (merged.Errors.Count > 0) throw new UsageException($"{path}: {OneLine(merged.Errors[0].Message)}");
        return merged;
    }

    /// <summary>The tokens are already expanded: a value starting with '@' is a value, not a response file.</summary>
    private static readonly ParserConfiguration Verbatim = new() { ResponseFileTokenReplacer = null };

    /// <summary>The file's (key, value) pairs in order; a list value is joined with commas, as the command line writes it.</summary>
    public static IReadOnlyList<(string Key, string Value)> Read(string path)
    {
        string text;
        using (var stream = InputFile.OpenRead(path, problem => new UsageException($"{path}: {problem}.")))
        using (var reader = new StreamReader(stream))
            text = reader.ReadToEnd();
        string extension = Path.GetExtension(path).ToLowerInvariant();
        var pairs = extension switch
        {
            ".json" => ReadJson(path, text),
            ".yaml" or ".yml" => ReadYaml(path, text),
            _ => throw new UsageException($"{path}: a config file is YAML (.yaml, .yml) or JSON (.json); rename it to say which."),
        };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, _) in pairs)
            if (!seen.Add(key)) throw new UsageException($"{path}: key '{key}' is given twice.");
        return pairs;
    }

    private static List<(string, string)> ReadJson(string path, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path}: not valid JSON (line {e.LineNumber + 1}): {OneLine(e.Message)}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new UsageException($"{path}: holds a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object of options ({{\"epochs\": 20}}).");
            var pairs = new List<(string, string)>();
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                string key = property.Name;
                string value = property.Value.ValueKind == JsonValueKind.Array
                    ? string.Join(",", property.Value.EnumerateArray().Select(item => JsonScalar(path, key, item)))
                    : JsonScalar(path, key, property.Value);
                pairs.Add((key, value));
            }
            return pairs;
        }
    }

    private static string JsonScalar(string path, string key, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Null => throw new UsageException($"{path}: key '{key}' is null; give it a value or leave it out."),
        _ => throw new UsageException($"{path}: key '{key}' holds a JSON {value.ValueKind.ToString().ToLowerInvariant()}; give a number, a string or a list of them."),
    };

    private static List<(string, string)> ReadYaml(string path, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new UsageException($"{path}: not valid YAML (line {e.Start.Line}): {OneLine(e.Message)}");
        }
        if (stream.Documents.Count == 0) return [];
        if (stream.Documents.Count > 1) throw new UsageException($"{path}: holds {stream.Documents.Count} YAML documents; a config file is one mapping of options.");
        if (stream.Documents[0].RootNode is not YamlMappingNode mapping)
        {
            if (stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" or "~" or "null" }) return [];
            throw new UsageException($"{path}: holds a YAML {NodeKind(stream.Documents[0].RootNode)}, not a mapping of options (epochs: 20).");
        }
        var pairs = new List<(string, string)>();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key })
                throw new UsageException($"{path}: line {keyNode.Start.Line}: a key is a {NodeKind(keyNode)}, not an option name.");
            string value = valueNode is YamlSequenceNode sequence
                ? string.Join(",", sequence.Children.Select(item => YamlScalar(path, key, item)))
                : YamlScalar(path, key, valueNode);
            pairs.Add((key, value));
        }
        return pairs;
    }

    private static string YamlScalar(string path, string key, YamlNode node) => node switch
    {
        YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" } =>
            throw new UsageException($"{path}: key '{key}' (line {node.Start.Line}) is null; give it a value or leave it out."),
        YamlScalarNode scalar => scalar.Value ?? "",
        _ => throw new UsageException($"{path}: key '{key}' (line {node.Start.Line}) holds a YAML {NodeKind(node)}; give a number, a string or a list of them."),
    };

    private static string NodeKind(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "scalar",
    };

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
