using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// Rows to feature maps, as PyTorch's <c>nn.Unflatten(1, (C, H, W))</c>: [B, C·H·W] → [B, C, H, W] (a view, no copy).
/// Lets a convolutional body sit where the models expect flat rows.
/// </summary>
public sealed class Unflatten : Layer
{
    public Unflatten(int channels, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        Channels = channels;
        Height = height;
        Width = width;
    }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 2 || x.Dim(1) != Channels * Height * Width)
            throw new ArgumentException($"Unflatten({Channels}, {Height}, {Width}) expects [B, {Channels * Height * Width}]; got {Tensor.ShapeText(x.Shape)}.", nameof(x));
        return x.Reshape(x.Dim(0), Channels, Height, Width);
    }

    public override string ToString() => $"Unflatten({Channels}, {Height}, {Width})";
}
