using System.Buffers.Binary;
using System.Text;

namespace LatentSharp.Export;

/// <summary>
/// The protocol-buffer wire format, as much of it as ONNX's messages need: varints, 32-bit floats and length-delimited
/// fields (strings, bytes, nested messages). Repeated fields are written one element per tag, which every parser reads.
/// </summary>
internal sealed class ProtobufWriter
{
    private const int VarintWire = 0, LengthDelimitedWire = 2, Fixed32Wire = 5;

    private readonly MemoryStream _bytes = new();

    public void Varint(int field, long value)
    {
        Tag(field, VarintWire);
        RawVarint((ulong)value);
    }

    public void Float(int field, float value)
    {
        Tag(field, Fixed32Wire);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _bytes.Write(bytes);
    }

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimitedWire);
        RawVarint((ulong)value.Length);
        _bytes.Write(value);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A nested message, written by <paramref name="write"/>.</summary>
    public void Message(int field, Action<ProtobufWriter> write)
    {
        var inner = new ProtobufWriter();
        write(inner);
        Bytes(field, inner.ToArray());
    }

    public byte[] ToArray() => _bytes.ToArray();

    private void Tag(int field, int wireType) => RawVarint((ulong)((field << 3) | wireType));

    private void RawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _bytes.WriteByte((byte)value);
    }
}
