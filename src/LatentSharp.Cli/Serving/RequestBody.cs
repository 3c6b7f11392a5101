using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LatentSharp.Cli.Serving;

/// <summary>A request the explorer refuses: answered with 400 and <c>{"error": message}</c>.</summary>
internal sealed class BadRequestException(string message) : Exception(message);

/// <summary>Reads a small JSON object body and its fields, with one clear message for every way they can be wrong.</summary>
internal static class RequestBody
{
    /// <summary>The largest body accepted; a code of a few hundred numbers fits many times over.</summary>
    public const int MaxBytes = 16 * 1024;

    public static async Task<JsonElement> ReadObjectAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBytes)
            throw new BadRequestException($"The request body is {request.ContentLength} bytes; the limit is {MaxBytes}.");
        var buffer = new byte[MaxBytes + 1];
        int length = 0, read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), request.HttpContext.RequestAborted)) > 0)
            length += read;
        if (length > MaxBytes) throw new BadRequestException($"The request body is larger than the limit of {MaxBytes} bytes.");
        if (length == 0) throw new BadRequestException("The request needs a JSON object as its body.");
        try
        {
            using JsonDocument document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 4 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new BadRequestException($"The body must be a JSON object, not {Describe(document.RootElement.ValueKind)}.");
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new BadRequestException($"The body is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Field <paramref name="name"/>: an array of exactly <paramref name="length"/> finite numbers.</summary>
    public static float[] Vector(JsonElement body, string name, int length)
    {
        JsonElement array = Required(body, name);
        if (array.ValueKind != JsonValueKind.Array)
            throw new BadRequestException($"\"{name}\" must be an array of {length} numbers, not {Describe(array.ValueKind)}.");
        int count = array.GetArrayLength();
        if (count != length)
            throw new BadRequestException($"\"{name}\" has {count} numbers; this model's latent size is {length}.");
        var values = new float[length];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
            values[i] = Finite(item, $"{name}[{i++}]");
        return values;
    }

    /// <summary>Field <paramref name="name"/>: an integer index in [0, <paramref name="count"/>).</summary>
    public static int Index(JsonElement body, string name, int count, string what) => IndexValue(Required(body, name), name, count, what);

    /// <summary>A JSON value that must be an integer index in [0, <paramref name="count"/>).</summary>
    public static int IndexValue(JsonElement value, string name, int count, string what)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long index))
            throw new BadRequestException($"\"{name}\" must be an integer index of {what}, in [0, {count}).");
        return index >= 0 && index < count ? (int)index : throw new BadRequestException($"\"{name}\" is {index}; there are {count} {what}, so it must be in [0, {count}).");
    }

    /// <summary>A route or query value: an integer index in [0, <paramref name="count"/>).</summary>
    public static int Index(string text, string name, int count, string what)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            throw new BadRequestException($"{name} must be an integer index of {what}, in [0, {count}); got \"{Shorten(text)}\".");
        return index < count ? index : throw new BadRequestException($"{name} is {index}; there are {count} {what}, so it must be in [0, {count}).");
    }

    /// <summary>Field <paramref name="name"/>: a finite number in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static float Number(JsonElement body, string name, float low, float high)
    {
        float value = Finite(Required(body, name), name);
        return value >= low && value <= high ? value : throw new BadRequestException($"\"{name}\" is {value.ToString(CultureInfo.InvariantCulture)}; it must be in [{low.ToString(CultureInfo.InvariantCulture)}, {high.ToString(CultureInfo.InvariantCulture)}].");
    }

    public static JsonElement? Optional(JsonElement body, string name) =>
        body.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static JsonElement Required(JsonElement body, string name) =>
        body.TryGetProperty(name, out JsonElement value) ? value : throw new BadRequestException($"The body has no \"{name}\" field.");

    private static float Finite(JsonElement item, string name)
    {
        if (item.ValueKind != JsonValueKind.Number)
            throw new BadRequestException($"\"{name}\" must be a number, not {Describe(item.ValueKind)} (JSON has no NaN or Infinity).");
        if (!item.TryGetDouble(out double value) || !float.IsFinite((float)value))
            throw new BadRequestException($"\"{name}\" is {Shorten(item.GetRawText())}, which is not a finite 32-bit number.");
        return (float)value;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Shorten(string text) => text.Length <= 24 ? text : text[..24] + "…";
}
