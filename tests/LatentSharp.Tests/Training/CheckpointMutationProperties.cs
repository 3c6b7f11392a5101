using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

/// <summary>
/// Random damage to a valid checkpoint (the latest of a tiny two-epoch run, with training and optimizer state): loading it
/// fully (the model, the training state, the optimizer state, the resume check) either succeeds with exactly the weights
/// the bytes hold, or throws <see cref="InvalidCheckpointException"/>; nothing else escapes and no case hangs.
/// </summary>
public sealed class CheckpointMutationProperties
{
    /// <summary>One way of damaging a file; its description is what FsCheck prints for a failing case.</summary>
    public sealed record Mutation(string Description, Func<byte[], byte[]> Apply)
    {
        public override string ToString() => Description;
    }

    private static readonly Lazy<byte[]> Valid = new(() =>
    {
        string folder = Directory.CreateTempSubdirectory("ls-mut-").FullName;
        try
        {
            TinyRun.Train(folder);
            return File.ReadAllBytes(Path.Combine(folder, Trainer.LatestCheckpoint));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    });

    // ---- generators ---------------------------------------------------------------------------------------------

    private static Gen<byte[]> Bytes(int max) => Gen.Choose(1, max).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n));

    private static int Length => Valid.Value.Length;

    private static readonly Gen<Mutation> ByteMutations = Gen.OneOf(
        from at in Gen.Choose(0, Length - 1)
        from mask in Gen.Choose(1, 255)
        select new Mutation($"flip byte {at} with {mask:x2}", f => { var c = (byte[])f.Clone(); c[at] ^= (byte)mask; return c; }),
        from length in Gen.Choose(0, Length - 1)
        select new Mutation($"truncate to {length}", f => f[..length]),
        from extra in Bytes(64)
        select new Mutation($"extend by {extra.Length} bytes", f => [.. f, .. extra]),
        from at in Gen.Choose(0, Length - 1)
        from bytes in Bytes(8)
        select new Mutation($"overwrite {bytes.Length} bytes at {at}", f => { var c = (byte[])f.Clone(); bytes.AsSpan(0, Math.Min(bytes.Length, c.Length - at)).CopyTo(c.AsSpan(at)); return c; }),
        from at in Gen.Choose(0, Length)
        from bytes in Bytes(8)
        select new Mutation($"insert {bytes.Length} bytes at {at}", f => [.. f[..at], .. bytes, .. f[at..]]));

    private static readonly string[] Hostile =
    [
        "null", "true", "\"F32\"", "\"x\"", "0", "-1", "1.5", "1e400", "-1e400", "9223372036854775807", "18446744073709551616",
        "4294967296", "[]", "[null]", "[1.5]", "[-1]", "[\"2\"]", "[99999999999]", "[2147483647,2147483647]", "[0,99999999999999]",
        "[0]", "[0,0]", "[4,0]", "[0,4,8]", "{}", "[[1]]",
    ];

    private static string[] TensorNames() =>
        TinyRun.Split(Valid.Value).Header.Select(kv => kv.Key).Where(k => k != "__metadata__").ToArray();

    private static readonly Gen<Mutation> HeaderMutations = Gen.OneOf(
        from name in Gen.Elements(TensorNames())
        from field in Gen.Elements("dtype", "shape", "data_offsets", "extra")
        from value in Gen.Elements(Hostile)
        select new Mutation($"tensor '{name}'.{field} = {value}", f => RewriteHeader(f, h => h[name]![field] = JsonNode.Parse(value))),
        from name in Gen.Elements(TensorNames())
        from value in Gen.Elements(Hostile)
        select new Mutation($"tensor '{name}' = {value}", f => RewriteHeader(f, h => h[name] = JsonNode.Parse(value))),
        from name in Gen.Elements(TensorNames())
        from other in Gen.Elements(TensorNames())
        select new Mutation($"tensor '{name}' takes the offsets of '{other}'", f => RewriteHeader(f, h => h[name]!["data_offsets"] = h[other]!["data_offsets"]!.DeepClone())),
        from name in Gen.Elements(TensorNames())
        select new Mutation($"tensor '{name}' offsets reversed", f => RewriteHeader(f, h =>
        {
            var o = h[name]!["data_offsets"]!.AsArray();
            h[name]!["data_offsets"] = new JsonArray(o[1]!.DeepClone(), o[0]!.DeepClone());
        })),
        from name in Gen.Elements(TensorNames())
        select new Mutation($"tensor '{name}' named twice", f =>
        {
            var (header, data) = TinyRun.Split(f);
            string json = header.ToJsonString();
            string duplicate = $"\"{name}\":{header[name]!.ToJsonString()},";
            return TinyRun.Join("{" + duplicate + json[1..], data);
        }),
        from name in Gen.Elements(TensorNames())
        select new Mutation($"tensor '{name}' removed", f => RewriteHeader(f, h => h.Remove(name))),
        from key in Gen.Elements("model", "training", "optimizer", "format", "format_version")
        from value in Gen.Elements([.. Hostile, "not json", ""])
        select new Mutation($"metadata '{key}' = {value}", f => TinyRun.WithMetadata(f, key, value)),
        from key in Gen.Elements("model", "training", "optimizer")
        from seed in Gen.Choose(0, int.MaxValue)
        from value in Gen.Elements(Hostile)
        select new Mutation($"a field of metadata '{key}' (choice {seed}) = {value}", f => RewriteMetadataField(f, key, seed, value)),
        from key in Gen.Elements("model", "training", "optimizer")
        select new Mutation($"metadata '{key}' = JSON null", f => RewriteHeader(f, h => h["__metadata__"]![key] = null)));

    private static byte[] RewriteHeader(byte[] file, Action<JsonObject> edit)
    {
        var (header, data) = TinyRun.Split(file);
        edit(header);
        return TinyRun.Join(header.ToJsonString(), data);
    }

    /// <summary>Replaces one field (chosen by <paramref name="choice"/> among all nested fields and array items) of a metadata JSON.</summary>
    private static byte[] RewriteMetadataField(byte[] file, string key, int choice, string value)
    {
        var (header, _) = TinyRun.Split(file);
        JsonNode json = JsonNode.Parse(header["__metadata__"]![key]!.GetValue<string>())!;
        var places = new List<(JsonNode Parent, object Key)>();
        void Collect(JsonNode node)
        {
            if (node is JsonObject o)
                foreach (var (k, v) in o.ToList()) { places.Add((o, k)); if (v is not null) Collect(v); }
            else if (node is JsonArray a)
                for (int i = 0; i < a.Count; i++) { places.Add((a, i)); if (a[i] is { } item) Collect(item); }
        }
        Collect(json);
        var (parent, at) = places[choice % places.Count];
        if (at is string name) parent[name] = JsonNode.Parse(value);
        else parent[(int)at] = JsonNode.Parse(value);
        return TinyRun.WithMetadata(file, key, json.ToJsonString());
    }

    // ---- the property -------------------------------------------------------------------------------------------

    private static bool LoadsOrIsRefused(Mutation mutation)
    {
        byte[] bytes = mutation.Apply(Valid.Value);
        string folder = Directory.CreateTempSubdirectory("ls-mut-").FullName;
        try
        {
            string path = Path.Combine(folder, Trainer.LatestCheckpoint);
            File.WriteAllBytes(path, bytes);
            var (loaded, error) = WithinTime.Run(() => LoadFully(path, bytes), $"loading with {mutation}");
            if (error is InvalidCheckpointException refused)
            {
                Assert.DoesNotContain('\n', refused.Message);
                Assert.StartsWith(Trainer.LatestCheckpoint, refused.Message);
                return true;
            }
            WithinTime.Rethrow(error);
            return loaded;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Loads every part; on success the weights must be the floats the file's bytes hold where the original layout put them.</summary>
    private static bool LoadFully(string path, byte[] bytes)
    {
        Checkpoint checkpoint = Checkpoint.Load(path);
        _ = checkpoint.Training;
        _ = checkpoint.Optimizer;
        Checkpoint.LoadForResume(path);

        var (header, _) = TinyRun.Split(Valid.Value);
        long dataStart = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        foreach (var (name, parameter) in checkpoint.Model.NamedParameters())
        {
            long begin = header[name]!["data_offsets"]![0]!.GetValue<long>();
            var stored = new float[parameter.Length];
            Buffer.BlockCopy(bytes, (int)(dataStart + begin), stored, 0, 4 * stored.Length);
            if (!stored.AsSpan().SequenceEqual(parameter.Data.AsSpan(0, parameter.Length))) return false;
        }
        return true;
    }

    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property RandomByteDamage_LoadsAsStoredOrIsRefused() =>
        Prop.ForAll(ByteMutations.ToArbitrary(), LoadsOrIsRefused);

    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property HostileHeaderAndMetadataFields_LoadAsStoredOrAreRefused() =>
        Prop.ForAll(HeaderMutations.ToArbitrary(), LoadsOrIsRefused);

    [Fact]
    public void UnchangedFile_LoadsFully()
    {
        Assert.True(LoadsOrIsRefused(new Mutation("none", f => f)));
        Assert.True(Encoding.UTF8.GetString(Valid.Value).Contains("optimizer/0.exp_avg", StringComparison.Ordinal));
    }
}
