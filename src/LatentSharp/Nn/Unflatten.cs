using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// Rows to feature maps, as PyTorch's <c>nn.Unflatten(1, (C, H, W))</c>: [B, C·H·W] → [B, C, H, W] (a view, no copy).
/// Lets a convolutional body sit where the models expect flat rows.
/// </summary>
public sealed class Unflatten : Layer
{
    /// <summary>Reshapes rows into <paramref name="channels"/> maps of <paramref name="height"/> × <paramref name="width"/>; throws <see cref="ArgumentOutOfRangeException"/> for sizes below 1.</summary>
    public Unflatten(int channels, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>C, the channels of the output.</summary>
    public int Channels { get; }
    /// <summary>H, the height of the output maps.</summary>
    public int Height { get; }
    /// <summary>W, the width of the output maps.</summary>
    public int Width { get; }

    /// <summary>x [B, C·H·W] → [B, C, H, W]; throws <see cref="ArgumentException"/> for any other input shape.</summary>
    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 2 || x.Dim(1) != Channels * Height * Width)
            throw new ArgumentException($"Unflatten({Channels}, {Height}, {Width}) expects [B, {Channels * Height * Width}]; got {Tensor.ShapeText(x.Shape)}.", nameof(x));
        return x.Reshape(x.Dim(0), Channels, Height, Width);
    }

    /// <summary>The layer and its sizes, e.g. <c>Unflatten(64, 7, 7)</c>.</summary>
    public override string ToString() => $"Unflatten({Channels}, {Height}, {Width})";
}
