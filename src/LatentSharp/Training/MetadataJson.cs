using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace LatentSharp.Training;

/// <summary>
/// Reads one JSON part of a checkpoint's metadata (the model, the training state, the optimizer's counters) into its type,
/// checking every field against the type before deserializing, so that a refusal names the field
/// (e.g. <c>training.history[2].test.elbo</c>) and never passes System.Text.Json's own text on. A field that is a
/// constructor parameter of a record must be present; a property with an initializer takes its default when missing
/// (older files lack newer settings). Nulls are refused where the type does not allow them, numbers must fit their
/// type and be finite, enum values must be defined, and no object names a field twice.
/// </summary>
internal static class MetadataJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>Parses <paramref name="json"/>, the metadata entry <paramref name="part"/> of <paramref name="file"/>.</summary>
    public static T Read<T>(string json, string part, string file) where T : class
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw Refuse(file, part, $"is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
        using (document)
        {
            new Checker(file).Check(document.RootElement, typeof(T), part);
            try
            {
                return document.RootElement.Deserialize<T>(Options) ?? throw Refuse(file, part, "is null");
            }
            catch (JsonException e)
            {
                // The checks above cover the types of this library; this names the place of anything they let through.
                throw Refuse(file, part + (e.Path ?? "$").TrimStart('$'), "cannot be read");
            }
        }
    }

    public static InvalidCheckpointException Refuse(string file, string field, string problem) =>
        new($"{file}: the metadata field {field} {problem}; the file is damaged or was not written by LatentSharp.");

    private sealed class Checker(string file)
    {
        public void Check(JsonElement node, Type type, string path)
        {
            JsonTypeInfo info = Options.GetTypeInfo(type);
            switch (info.Kind)
            {
                case JsonTypeInfoKind.Object:
                    CheckObject(node, info, path);
                    break;
                case JsonTypeInfoKind.Enumerable:
                    Require(node, JsonValueKind.Array, "an array", path);
                    int i = 0;
                    foreach (JsonElement item in node.EnumerateArray())
                    {
                        string at = $"{path}[{i++}]";
                        if (item.ValueKind == JsonValueKind.Null) throw Refuse(file, at, "is null");
                        Check(item, info.ElementType!, at);
                    }
                    break;
                case JsonTypeInfoKind.Dictionary:
                    foreach (var (name, value) in Fields(node, path))
                    {
                        string at = $"{path}.{name}";
                        if (value.ValueKind == JsonValueKind.Null) throw Refuse(file, at, "is null");
                        Check(value, info.ElementType!, at);
                    }
                    break;
                default:
                    CheckScalar(node, Nullable.GetUnderlyingType(type) ?? type, path);
                    break;
            }
        }

        private void CheckObject(JsonElement node, JsonTypeInfo info, string path)
        {
            var fields = Fields(node, path).ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal);
            foreach (JsonPropertyInfo property in info.Properties)
            {
                if (property.Set is null && property.AssociatedParameter is null) continue;   // computed, written for readers only
                string at = $"{path}.{property.Name}";
                if (!fields.TryGetValue(property.Name, out JsonElement value))
                {
                    if (property.AssociatedParameter is { HasDefaultValue: false }) throw Refuse(file, at, "is missing");
                    continue;
                }
                if (value.ValueKind == JsonValueKind.Null)
                {
                    if (property.IsSetNullable) continue;
                    throw Refuse(file, at, "is null");
                }
                Check(value, property.PropertyType, at);
            }
        }

        /// <summary>The fields of an object, refusing one named twice (a parser would silently keep either).</summary>
        private List<(string Name, JsonElement Value)> Fields(JsonElement node, string path)
        {
            Require(node, JsonValueKind.Object, "an object", path);
            var fields = new List<(string, JsonElement)>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty field in node.EnumerateObject())
            {
                string name = Text(() => field.Name, path);
                if (!names.Add(name)) throw Refuse(file, path, $"names '{name}' twice");
                fields.Add((name, field.Value));
            }
            return fields;
        }

        private void CheckScalar(JsonElement node, Type type, string path)
        {
            bool ok = type switch
            {
                _ when type == typeof(string) => node.ValueKind == JsonValueKind.String && Text(() => node.GetString()!, path) is not null,
                _ when type == typeof(bool) => node.ValueKind is JsonValueKind.True or JsonValueKind.False,
                _ when type == typeof(int) => node.ValueKind == JsonValueKind.Number && node.TryGetInt32(out _),
                _ when type == typeof(long) => node.ValueKind == JsonValueKind.Number && node.TryGetInt64(out _),
                _ when type == typeof(ulong) => node.ValueKind == JsonValueKind.Number && node.TryGetUInt64(out _),
                _ when type == typeof(float) => node.ValueKind == JsonValueKind.Number && node.TryGetSingle(out float f) && float.IsFinite(f),
                _ when type == typeof(double) => node.ValueKind == JsonValueKind.Number && node.TryGetDouble(out double d) && double.IsFinite(d),
                _ when type.IsEnum => node.ValueKind == JsonValueKind.Number && node.TryGetInt32(out int e) && Enum.IsDefined(type, e),
                _ => true,   // left to the deserializer
            };
            if (!ok) throw Refuse(file, path, $"is {Describe(node)}, not {What(type)}");
        }

        private void Require(JsonElement node, JsonValueKind kind, string what, string path)
        {
            if (node.ValueKind != kind) throw Refuse(file, path, $"is {Describe(node)}, not {what}");
        }

        private string Text(Func<string> read, string path)
        {
            try
            {
                return read();
            }
            catch (InvalidOperationException)
            {
                throw Refuse(file, path, "holds text that is not valid Unicode");
            }
        }

        private static string What(Type type) => type switch
        {
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(float) || type == typeof(double) => "a finite number",
            _ when type.IsEnum => $"one of the values of {type.Name}",
            _ => $"a whole number that fits {type.Name}",
        };

        private static string Describe(JsonElement node) => node.ValueKind switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => $"the number {(node.GetRawText() is { Length: <= 30 } raw ? raw : node.GetRawText()[..30] + "…")}",
            JsonValueKind.True or JsonValueKind.False => node.GetRawText(),
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            _ => "null",
        };
    }
}
