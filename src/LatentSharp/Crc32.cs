using System.Buffers.Binary;

namespace LatentSharp;

/// <summary>
/// CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF), as gzip trailers and PNG chunks
/// use it. Eight bytes per step (slicing-by-8), so checking a decompressed dataset costs little next to inflating it.
/// </summary>
internal static class Crc32
{
    // Tables[k][b] is the CRC register after byte b followed by k zero bytes.
    private static readonly uint[][] Tables = BuildTables();

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC: Append(Compute(a), b) == Compute(a ++ b).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] t0 = Tables[0], t1 = Tables[1], t2 = Tables[2], t3 = Tables[3];
        uint[] t4 = Tables[4], t5 = Tables[5], t6 = Tables[6], t7 = Tables[7];
        uint c = ~crc;
        while (data.Length >= 8)
        {
            uint low = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ c;
            uint high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            c = t7[low & 0xFF] ^ t6[(low >> 8) & 0xFF] ^ t5[(low >> 16) & 0xFF] ^ t4[low >> 24]
              ^ t3[high & 0xFF] ^ t2[(high >> 8) & 0xFF] ^ t1[(high >> 16) & 0xFF] ^ t0[high >> 24];
            data = data[8..];
        }
        foreach (byte b in data) c = t0[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    private static uint[][] BuildTables()
    {
        var tables = new uint[8][];
        for (int k = 0; k < 8; k++) tables[k] = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int bit = 0; bit < 8; bit++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            tables[0][n] = c;
        }
        for (int k = 1; k < 8; k++)
            for (int n = 0; n < 256; n++)
                tables[k][n] = tables[0][tables[k - 1][n] & 0xFF] ^ (tables[k - 1][n] >> 8);
        return tables;
    }
}
