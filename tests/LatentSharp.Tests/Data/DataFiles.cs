using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using LatentSharp.Imaging;

namespace LatentSharp.Tests.Data;

/// <summary>Writers for the test files of the image readers: npy arrays, CIFAR-10 batches, PNG folders.</summary>
internal static class DataFiles
{
    /// <summary>A .npy file (version 1.0) with the given descr and shape; the header is padded to 64 bytes as numpy pads it.</summary>
    public static byte[] Npy(string descr, long[] shape, byte[] data, string? header = null)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string dict = header ?? $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int total = 10 + dict.Length + 1;
        dict += new string(' ', (64 - total % 64) % 64) + "\n";
        var bytes = new byte[10 + dict.Length + data.Length];
        bytes[0] = 0x93;
        "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)dict.Length);
        Encoding.ASCII.GetBytes(dict).CopyTo(bytes, 10);
        data.CopyTo(bytes, 10 + dict.Length);
        return bytes;
    }

    public static byte[] Int64s(params long[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), values[i]);
        return bytes;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    /// <summary>CIFAR-10 records: label i % 10, pixel bytes (i + j) % 256 for record i and byte j of its 3,072.</summary>
    public static byte[] CifarBatch(int count, int firstLabel = 0)
    {
        var bytes = new byte[count * 3073];
        for (int i = 0; i < count; i++)
        {
            bytes[i * 3073] = (byte)((firstLabel + i) % 10);
            for (int j = 0; j < 3072; j++) bytes[i * 3073 + 1 + j] = (byte)((i + j) % 256);
        }
        return bytes;
    }

    /// <summary>A complete CIFAR-10 folder: five training batches of <paramref name="perBatch"/> records and a test batch of 3.</summary>
    public static string CifarFolder(string folder, int perBatch = 2, bool meta = false)
    {
        Directory.CreateDirectory(folder);
        for (int b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(folder, $"data_batch_{b}.bin"), CifarBatch(perBatch, b));
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), CifarBatch(3));
        if (meta) File.WriteAllText(Path.Combine(folder, "batches.meta.txt"), "plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
        return folder;
    }

    /// <summary>A solid <paramref name="width"/> x <paramref name="height"/> PNG written by the repository's own encoder.</summary>
    public static void SolidPng(string path, int width, int height, Rgb colour, bool grey = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Png.Write(path, new Image(width, height, grey ? 1 : 3, colour));
    }

    /// <summary>An 8-bit RGBA PNG (colour type 6, filter none) of one colour, which the repository's encoder does not write.</summary>
    public static byte[] RgbaPng(int width, int height, byte r, byte g, byte b, byte a)
    {
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            for (int x = 0; x < width; x++) raw.Write([r, g, b, a]);
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw.ToArray());
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = 6;
        return [.. Png.Signature, .. Chunk("IHDR", header), .. Chunk("IDAT", compressed.ToArray()), .. Chunk("IEND", [])];
    }

    private static byte[] Chunk(string kind, byte[] body)
    {
        byte[] typed = [.. Encoding.ASCII.GetBytes(kind), .. body];
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, body.Length);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, LatentSharp.Crc32.Append(0, typed));
        return [.. length, .. typed, .. crc];
    }
}
