using System.Buffers.Binary;
using System.Text;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static SafeTensorsFile.Entry[] Sample() =>
    [
        new("encoder.0.weight", [2, 3], [1, 2, 3, 4, 5, float.Epsilon]),
        new("encoder.0.bias", [2], [-1.5f, 0.25f]),
        new("empty", [0], []),
    ];

    [Fact]
    public void WriteThenRead_RoundTripsTensorsAndMetadata()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        SafeTensorsFile.Write(path, Sample(), new Dictionary<string, string> { ["model"] = "{\"kind\":\"vae\"}" });
        var read = SafeTensorsFile.Read(path);
        Assert.Equal("{\"kind\":\"vae\"}", read.Metadata["model"]);
        foreach (var expected in Sample())
        {
            var actual = read.Get(expected.Name);
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.Equal(expected.Data, actual.Data);
        }
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void Write_HeaderIsAlignedAndLayoutIsStandard()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        SafeTensorsFile.Write(path, Sample(), new Dictionary<string, string>());
        byte[] bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + headerLength) % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.Contains("\"dtype\":\"F32\"", header);
        Assert.Equal(8 + (long)headerLength + 4 * (6 + 2), bytes.Length);
        Assert.Equal(1f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)headerLength)));
    }

    [Fact]
    public void Read_TruncatedFile_SaysTruncated()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        SafeTensorsFile.Write(path, Sample(), new Dictionary<string, string>());
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        var ex = Assert.Throws<InvalidCheckpointException>(() => SafeTensorsFile.Read(path));
        Assert.Contains("truncated", ex.Message);
        Assert.Contains("m.safetensors", ex.Message);
    }

    [Fact]
    public void Read_NotASafetensorsFile_SaysSo()
    {
        string path = Path.Combine(_dir, "junk.safetensors");
        File.WriteAllText(path, "this is not a checkpoint at all");
        var ex = Assert.Throws<InvalidCheckpointException>(() => SafeTensorsFile.Read(path));
        Assert.Contains("not a safetensors file", ex.Message);
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidCheckpointException>(() => SafeTensorsFile.Read(path));
    }

    [Fact]
    public void Read_CorruptJsonHeader_SaysSo()
    {
        string path = Path.Combine(_dir, "bad.safetensors");
        byte[] header = Encoding.UTF8.GetBytes("{\"a\": [");
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<InvalidCheckpointException>(() => SafeTensorsFile.Read(path));
        Assert.Contains("JSON", ex.Message);
    }

    [Fact]
    public void Write_OverExistingFile_ReplacesItWhole()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        SafeTensorsFile.Write(path, Sample(), new Dictionary<string, string> { ["v"] = "1" });
        SafeTensorsFile.Write(path, [new("x", [1], [7f])], new Dictionary<string, string> { ["v"] = "2" });
        var read = SafeTensorsFile.Read(path);
        Assert.Equal("2", read.Metadata["v"]);
        Assert.Single(read.Tensors);
    }
}
