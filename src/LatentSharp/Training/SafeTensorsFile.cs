using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

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
        public Entry Get(string name) =>
            Tensors.FirstOrDefault(t => t.Name == name) ?? throw new KeyNotFoundException($"The checkpoint has no tensor named '{name}'.");

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
            if (!names.Add(t.Name)) throw new ArgumentException($"Two tensors are named '{t.Name}'.");
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

    public static Contents Read(string path)
    {
        string name = Path.GetFileName(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such checkpoint file.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
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

        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes) as JsonObject ?? throw new InvalidCheckpointException($"{name}: the header is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidCheckpointException($"{name}: the header is not valid JSON ({e.Message}).");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<(string Name, int[] Shape, long Begin, long End)>();
        foreach (var (key, node) in header)
        {
            if (key == "__metadata__")
            {
                if (node is JsonObject meta)
                    foreach (var (mk, mv) in meta) metadata[mk] = mv?.GetValue<string>() ?? "";
                continue;
            }
            if (node is not JsonObject info) throw new InvalidCheckpointException($"{name}: tensor '{key}' has no description.");
            string dtype = info["dtype"]?.GetValue<string>() ?? "";
            if (dtype != "F32") throw new InvalidCheckpointException($"{name}: tensor '{key}' is {dtype}; LatentSharp reads F32 tensors only.");
            int[] shape = (info["shape"] as JsonArray)?.Select(d => d!.GetValue<int>()).ToArray()
                ?? throw new InvalidCheckpointException($"{name}: tensor '{key}' has no shape.");
            var offsets = info["data_offsets"] as JsonArray;
            if (offsets is null || offsets.Count != 2) throw new InvalidCheckpointException($"{name}: tensor '{key}' has no data_offsets.");
            long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
            long count = shape.Aggregate(1L, (a, d) => a * d);
            if (shape.Any(d => d < 0) || begin < 0 || end < begin || end - begin != 4 * count)
                throw new InvalidCheckpointException($"{name}: tensor '{key}' has shape [{string.Join(", ", shape)}] but byte range {begin}..{end}.");
            if (dataStart + end > fileLength)
                throw new InvalidCheckpointException($"{name}: truncated: tensor '{key}' ends at byte {dataStart + end}, the file has {fileLength}.");
            entries.Add((key, shape, begin, end));
        }

        var tensors = new List<Entry>(entries.Count);
        foreach (var (key, shape, begin, end) in entries.OrderBy(e => e.Begin))
        {
            var data = new float[(end - begin) / 4];
            stream.Position = dataStart + begin;
            ReadFloats(stream, data);
            tensors.Add(new Entry(key, shape, data));
        }
        return new Contents(tensors, metadata);
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
