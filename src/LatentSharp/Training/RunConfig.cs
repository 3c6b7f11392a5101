using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using LatentSharp.Models;

namespace LatentSharp.Training;

/// <summary>
/// What a run was started with, as the trainer writes it into the run folder (<see cref="FileName"/>): the resolved model
/// specification and training options (defaults filled in, the validation split counted), the data set's name, the
/// LatentSharp version and the process's command line.
/// </summary>
public sealed record RunConfig(ModelSpec Model, TrainingOptions Options, string? Data, string Version, IReadOnlyList<string> CommandLine)
{
    /// <summary>The file's name in the run folder.</summary>
    public const string FileName = "config.json";

    /// <summary>The library's version, with the commit it was built from when the build recorded one.</summary>
    public static string LibraryVersion { get; } =
        typeof(RunConfig).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(RunConfig).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The configuration of a run of <paramref name="model"/> with <paramref name="options"/>, started by this process.</summary>
    public static RunConfig For(ModelSpec model, TrainingOptions options) =>
        new(model, options, options.Data, LibraryVersion, Environment.GetCommandLineArgs());

    /// <summary>As a checkpoint's metadata, with enum values by name ("dynamic", not 2), for people.</summary>
    private static readonly JsonSerializerOptions Json = new(MetadataJson.Options)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>The file's JSON: indented, camel-case names, as in a checkpoint's metadata.</summary>
    public string ToJson()
    {
        var json = new JsonObject
        {
            ["model"] = JsonNode.Parse(Model.ToJson()),
            ["options"] = JsonSerializer.SerializeToNode(Options, Json),
            ["data"] = Data,
            ["version"] = Version,
            ["commandLine"] = new JsonArray([.. CommandLine.Select(a => (JsonNode?)JsonValue.Create(a))]),
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    /// <summary>Writes <see cref="FileName"/> into <paramref name="runDirectory"/>, whole or not at all.</summary>
    public void Write(string runDirectory) => AtomicFile.WriteAllText(Path.Combine(runDirectory, FileName), ToJson());

    /// <summary>
    /// The settings of a model and its training as (name, value) rows for people to read: the model's fields, then the
    /// options', by their JSON names; unset ones are left out.
    /// </summary>
    public static IReadOnlyList<(string Name, string Value)> Hyperparameters(ModelSpec model, TrainingOptions? options)
    {
        var rows = new List<(string, string)>();
        AddFields(rows, "", JsonNode.Parse(model.ToJson())!.AsObject());
        if (options is not null) rows.AddRange(Settings(options));
        return rows;
    }

    /// <summary>The training options as (name, value) rows, by their JSON names; unset ones are left out.</summary>
    public static IReadOnlyList<(string Name, string Value)> Settings(TrainingOptions options)
    {
        var rows = new List<(string, string)>();
        AddFields(rows, "", JsonSerializer.SerializeToNode(options, Json)!.AsObject());
        return rows;
    }

    private static void AddFields(List<(string, string)> rows, string prefix, JsonObject json)
    {
        foreach (var (name, node) in json)
        {
            switch (node)
            {
                case null: break;
                case JsonObject inner: AddFields(rows, prefix + name + ".", inner); break;
                case JsonArray array: rows.Add((prefix + name, array.Count == 0 ? "(none)" : string.Join(",", array.Select(Text)))); break;
                default: rows.Add((prefix + name, Text(node))); break;
            }
        }
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => node.ToJsonString(),
    };
}
