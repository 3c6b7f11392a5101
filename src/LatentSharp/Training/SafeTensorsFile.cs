using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace LatentSharp.Training;

/// <summary>
/// Reads and writes the safetensors layout (8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data), float32 only, with a
/// string-to-string <c>__metadata__</c> map. Python's safetensors and torch can read what this writes.
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>One named float32 tensor.</summary>
    public sealed record Entry(string Name, int[] Shape, float[] Data);

    /// <summary>Everything a file holds.</summary>
    public sealed record Contents(IReadOnlyList<Entry> Tensors, IReadOnlyDictionary<string, string> Metadata)
    {
        /// <summary>The tensor named <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> when there is none.</summary>
        public Entry Get(string name) =>
            Tensors.FirstOrDefault(t => t.Name == name) ?? throw new KeyNotFoundException($"The checkpoint has no tensor named '{name}'.");

        /// <summary>True when the file holds a tensor named <paramref name="name"/>.</summary>
        public bool Contains(string name) => Tensors.Any(t => t.Name == name);
    }

    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>Writes atomically: to a temporary file beside <paramref name="path"/>, then renamed over it.</summary>
    public static void Write(string path, IEnumerable<Entry> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var list = tensors.ToList();
        var header = new JsonObject();
        var meta = new JsonObject();
        foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) meta[key] = value;
        header["__metadata__"] = meta;
        long offset = 0;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Entry t in list)
        {
            if (!names.Add(t.Name) || t.Name == MetadataKey) throw new ArgumentException($"Two tensors are named '{t.Name}', or one is named like the metadata.");
            long count = t.Shape.Aggregate(1L, (a, d) => a * d);
            if (count != t.Data.Length) throw new ArgumentException($"Tensor '{t.Name}': shape [{string.Join(", ", t.Shape)}] holds {count} values, data has {t.Data.Length}.");
            long end = offset + 4L * t.Data.Length;
            header[t.Name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, end),
            };
            offset = end;
        }
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        // The format pads the header with spaces so the data starts 8-byte aligned.
        int padding = (8 - headerBytes.Length % 8) % 8;

        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> lengthBytes = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)(headerBytes.Length + padding));
                stream.Write(lengthBytes);
                stream.Write(headerBytes);
                for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
                foreach (Entry t in list) WriteFloats(stream, t.Data);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Reads a whole file, validating its header as the format requires: a JSON object without repeated keys, a string-to-string
    /// <c>__metadata__</c>, and for every tensor a known dtype, a shape of non-negative sizes and a byte range whose length is
    /// the shape's element count times the dtype's size; the ranges together cover the data exactly, without gaps or overlaps.
    /// Every refusal is an <see cref="InvalidCheckpointException"/> naming the file and, where there is one, the tensor.
    /// </summary>
    public static Contents Read(string path)
    {
        string name = Path.GetFileName(path);
        using FileStream stream = InputFile.OpenRead(path, problem => new InvalidCheckpointException($"{name} {problem}."));
        long fileLength = stream.Length;
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
            throw new InvalidCheckpointException($"{name}: not a safetensors file: shorter than its 8-byte header length.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength == 0 || headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            throw new InvalidCheckpointException($"{name}: not a safetensors file: header length {headerLength} does not fit a file of {fileLength} bytes.");
        byte[] headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength;

        var header = new HeaderReader(name, dataStart, fileLength);
        var (metadata, layout) = header.Parse(headerBytes);

        var tensors = new List<Entry>(layout.Count);
        foreach (TensorLayout t in layout)
        {
            var data = new float[(t.End - t.Begin) / sizeof(float)];
            stream.Position = dataStart + t.Begin;
            ReadFloats(stream, data);
            tensors.Add(new Entry(t.Name, t.Shape, data));
        }
        return new Contents(tensors, metadata);
    }

    /// <summary>Where one tensor's bytes lie, relative to the start of the data.</summary>
    private sealed record TensorLayout(string Name, int[] Shape, long Begin, long End);

    /// <summary>The dtypes of the safetensors format; LatentSharp reads F32 only but names the others as what they are.</summary>
    private static readonly HashSet<string> KnownDtypes =
        new(["BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "I64", "U64", "F64"], StringComparer.Ordinal);

    private const string MetadataKey = "__metadata__";

    /// <summary>Validates a header and returns its metadata and the tensors in data order; every message names the file.</summary>
    private sealed class HeaderReader(string file, long dataStart, long fileLength)
    {
        private long DataLength => fileLength - dataStart;

        public (Dictionary<string, string> Metadata, List<TensorLayout> Layout) Parse(byte[] headerBytes)
        {
            if (!Utf8.IsValid(headerBytes)) throw Refuse("the header is not valid UTF-8 text");
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(headerBytes);
            }
            catch (JsonException e)
            {
                throw Refuse($"the header is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
            }
            using (document)
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw Refuse($"the header is {Describe(root)}, not a JSON object");
                var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
                var layout = new List<TensorLayout>();
                var keys = new HashSet<string>(StringComparer.Ordinal);
                foreach (JsonProperty property in root.EnumerateObject())
                {
                    string key = Text(() => property.Name, "a key of the header");
                    if (!keys.Add(key)) throw Refuse($"the header names '{key}' twice");
                    if (key == MetadataKey) ReadMetadata(property.Value, metadata);
                    else layout.Add(ReadTensor(key, property.Value));
                }
                CheckCoverage(layout);
                return (metadata, layout);
            }
        }

        private void ReadMetadata(JsonElement node, Dictionary<string, string> metadata)
        {
            if (node.ValueKind != JsonValueKind.Object) throw Refuse($"{MetadataKey} is {Describe(node)}, not an object of strings");
            foreach (JsonProperty entry in node.EnumerateObject())
            {
                string key = Text(() => entry.Name, $"a key of {MetadataKey}");
                if (entry.Value.ValueKind != JsonValueKind.String) throw Refuse($"{MetadataKey} entry '{key}' is {Describe(entry.Value)}, not a string");
                if (!metadata.TryAdd(key, Text(() => entry.Value.GetString()!, $"{MetadataKey} entry '{key}'")))
                    throw Refuse($"{MetadataKey} names '{key}' twice");
            }
        }

        private TensorLayout ReadTensor(string name, JsonElement node)
        {
            if (node.ValueKind != JsonValueKind.Object) throw Refuse($"tensor '{name}' is described by {Describe(node)}, not an object with dtype, shape and data_offsets");
            JsonElement? dtype = null, shape = null, offsets = null;
            var fields = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty field in node.EnumerateObject())
            {
                string fieldName = Text(() => field.Name, $"a field of tensor '{name}'");
                if (!fields.Add(fieldName)) throw Refuse($"tensor '{name}' has two '{fieldName}' fields");
                switch (fieldName)
                {
                    case "dtype": dtype = field.Value; break;
                    case "shape": shape = field.Value; break;
                    case "data_offsets": offsets = field.Value; break;
                }
            }

            if (dtype is not { ValueKind: JsonValueKind.String } dtypeNode) throw Refuse($"tensor '{name}': its dtype is {Describe(dtype)}, not a string such as \"F32\"");
            string dtypeName = Text(() => dtypeNode.GetString()!, $"the dtype of tensor '{name}'");
            if (!KnownDtypes.Contains(dtypeName)) throw Refuse($"tensor '{name}' has the unknown dtype \"{dtypeName}\"");
            if (dtypeName != "F32") throw Refuse($"tensor '{name}' is {dtypeName}; LatentSharp reads F32 tensors only");

            if (shape is not { ValueKind: JsonValueKind.Array } shapeNode) throw Refuse($"tensor '{name}': its shape is {Describe(shape)}, not an array of sizes");
            var sizes = new int[shapeNode.GetArrayLength()];
            long count = 1;
            bool overflow = false;
            for (int i = 0; i < sizes.Length; i++)
            {
                JsonElement size = shapeNode[i];
                if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt32(out sizes[i]) || sizes[i] < 0)
                    throw Refuse($"tensor '{name}': shape entry {i} is {Describe(size)}, not a size from 0 to {int.MaxValue}");
                // In 64 bits with an overflow check: a shape's product can exceed any file.
                overflow |= long.MaxValue / Math.Max(sizes[i], 1) < count;
                count = overflow ? count : count * sizes[i];
            }
            if (overflow || count > Array.MaxLength)
                throw Refuse($"tensor '{name}' has shape {Tensors.Tensor.ShapeText(sizes)}, more values than one tensor can hold");

            if (offsets is not { ValueKind: JsonValueKind.Array } offsetsNode || offsetsNode.GetArrayLength() != 2)
                throw Refuse($"tensor '{name}': its data_offsets are {Describe(offsets)}, not an array [begin, end] of two byte offsets");
            long begin = Offset(name, offsetsNode[0], "begin"), end = Offset(name, offsetsNode[1], "end");
            if (end < begin) throw Refuse($"tensor '{name}': its data_offsets [{begin}, {end}] end before they begin");
            if (end > DataLength)
                throw Refuse($"truncated: tensor '{name}' ends at byte {dataStart + end}, the file has {fileLength}");
            if (count > (end - begin) / sizeof(float) || count * sizeof(float) != end - begin)
                throw Refuse($"tensor '{name}' has shape {Tensors.Tensor.ShapeText(sizes)} ({count} F32 values) but data_offsets [{begin}, {end}] ({end - begin} bytes)");
            return new TensorLayout(name, sizes, begin, end);
        }

        private long Offset(string name, JsonElement node, string which) =>
            node.ValueKind == JsonValueKind.Number && node.TryGetInt64(out long offset) && offset >= 0
                ? offset
                : throw Refuse($"tensor '{name}': its {which} offset is {Describe(node)}, not a byte offset from 0");

        /// <summary>The format requires the tensors to cover the data exactly once: no shared bytes, no gaps, nothing after the last.</summary>
        private void CheckCoverage(List<TensorLayout> layout)
        {
            layout.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long covered = 0;
            TensorLayout? previous = null;
            foreach (TensorLayout t in layout)
            {
                if (t.Begin < covered)
                    throw Refuse($"tensor '{t.Name}' (data bytes {t.Begin}..{t.End}) overlaps tensor '{previous!.Name}' (data bytes {previous.Begin}..{previous.End})");
                if (t.Begin > covered)
                    throw Refuse($"data bytes {covered}..{t.Begin}, before tensor '{t.Name}', belong to no tensor");
                covered = t.End;
                previous = t;
            }
            if (covered != DataLength)
                throw Refuse($"{DataLength - covered} bytes after the last tensor's data belong to no tensor");
        }

        /// <summary>A string of the header; escapes of lone surrogates are valid JSON but no text.</summary>
        private string Text(Func<string> read, string what)
        {
            try
            {
                return read();
            }
            catch (InvalidOperationException)
            {
                throw Refuse($"{what} is not valid Unicode text");
            }
        }

        private InvalidCheckpointException Refuse(string problem) => new($"{file}: {problem}.");

        private static string Describe(JsonElement? node) => node switch
        {
            null => "missing",
            { ValueKind: JsonValueKind.Null } => "null",
            { ValueKind: JsonValueKind.String } s => $"the string {Quote(s.GetRawText())}",
            { ValueKind: JsonValueKind.Number } n => $"the number {Quote(n.GetRawText())}",
            { ValueKind: JsonValueKind.True or JsonValueKind.False } b => b.GetRawText(),
            { ValueKind: JsonValueKind.Array } => "an array",
            _ => "an object",
        };

        private static string Quote(string raw) => raw.Length <= 40 ? raw : raw[..40] + "…";
    }

    private static void WriteFloats(Stream stream, float[] data)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(data.AsSpan()));
            return;
        }
        Span<byte> buffer = stackalloc byte[4];
        foreach (float v in data)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer, v);
            stream.Write(buffer);
        }
    }

    private static void ReadFloats(Stream stream, float[] data)
    {
        Span<byte> bytes = MemoryMarshal.AsBytes(data.AsSpan());
        stream.ReadExactly(bytes);
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(4 * i, 4));
    }
}

/// <summary>A checkpoint file that is damaged, of another format, or made for another model.</summary>
public sealed class InvalidCheckpointException(string message) : LatentSharpException(message);
