using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

/// <summary>A tiny model trained for two epochs on random 4x4 images: small, valid checkpoints to damage.</summary>
internal static class TinyRun
{
    public static readonly ModelSpec Spec = new() { LatentSize = 2, Hidden = [4], Height = 4, Width = 4 };

    public static TrainingOptions Options(int epochs) => new() { Epochs = epochs, BatchSize = 16, Seed = 3, EvaluationBatchSize = 32 };

    public static DataSplits Data(float testPixel = 0f)
    {
        var rng = new Random(7);
        float[] Pixels(int count) => Enumerable.Range(0, count * 16).Select(_ => rng.Next(2) * 1f).ToArray();
        float[] test = Pixels(16);
        if (testPixel != 0f) test[5] = testPixel;
        return new DataSplits(new Dataset("tiny-train", 48, 4, 4, Pixels(48)), new Dataset("tiny-test", 16, 4, 4, test));
    }

    /// <summary>Trains <paramref name="epochs"/> epochs into <paramref name="folder"/> and returns the trainer's result.</summary>
    public static TrainingState Train(string folder, int epochs = 2) =>
        new Trainer(ModelCatalog.Build(Spec, new Rng(3)), Options(epochs)).Fit(Data(), folder);

    /// <summary>The header (as JSON) and data of a safetensors file.</summary>
    public static (JsonObject Header, byte[] Data) Split(byte[] file)
    {
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var header = (JsonObject)JsonNode.Parse(file.AsSpan(8, (int)headerLength))!;
        return (header, file[(8 + (int)headerLength)..]);
    }

    /// <summary>A safetensors file of <paramref name="headerJson"/> (written as given, padded) and <paramref name="data"/>.</summary>
    public static byte[] Join(string headerJson, byte[] data) => Join(Encoding.UTF8.GetBytes(headerJson), data);

    public static byte[] Join(byte[] header, byte[] data)
    {
        int padding = (8 - header.Length % 8) % 8;
        var file = new byte[8 + header.Length + padding + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)(header.Length + padding));
        header.CopyTo(file, 8);
        file.AsSpan(8 + header.Length, padding).Fill((byte)' ');
        data.CopyTo(file, 8 + header.Length + padding);
        return file;
    }

    /// <summary>The file with its metadata entry <paramref name="key"/> replaced (removed when null).</summary>
    public static byte[] WithMetadata(byte[] file, string key, string? value)
    {
        var (header, data) = Split(file);
        var metadata = (JsonObject)header["__metadata__"]!;
        if (value is null) metadata.Remove(key);
        else metadata[key] = value;
        return Join(header.ToJsonString(), data);
    }

    /// <summary>The file with the JSON of metadata entry <paramref name="key"/> changed by <paramref name="edit"/>.</summary>
    public static byte[] WithMetadataJson(byte[] file, string key, Action<JsonObject> edit)
    {
        var (header, _) = Split(file);
        var json = (JsonObject)JsonNode.Parse(header["__metadata__"]![key]!.GetValue<string>())!;
        edit(json);
        return WithMetadata(file, key, json.ToJsonString());
    }
}
