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

    public void Dispose() => ArrayPool<float>.Shared.Return(_buffer);
}
