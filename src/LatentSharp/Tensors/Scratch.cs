using System.Buffers;

namespace LatentSharp.Tensors;

/// <summary>A temporary float buffer for the inside of one backward rule, returned to the shared pool on dispose.</summary>
internal readonly struct Scratch : IDisposable
{
    private readonly float[] _buffer;
    private readonly int _length;

    private Scratch(float[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    public static Scratch Rent(int length) => new(ArrayPool<float>.Shared.Rent(length), length);

    public Span<float> Span => _buffer.AsSpan(0, _length);

    /// <summary>The rented array: at least the asked length, its tail unused.</summary>
    public float[] Array => _buffer;

    /// <summary>Returns the buffer; a default (never rented) value holds none.</summary>
    public void Dispose()
    {
        if (_buffer is not null) ArrayPool<float>.Shared.Return(_buffer);
    }
}
