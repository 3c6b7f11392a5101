namespace LatentSharp.Data;

/// <summary>
/// One minibatch of B = <see cref="Size"/> images. Its buffers belong to the <see cref="BatchIterator"/> and are
/// reused for the next batch of the same size: copy what must outlive the current iteration step.
/// </summary>
public sealed class Batch
{
    internal Batch(int size, int dimensions, bool labelled)
    {
        Size = size;
        Dimensions = dimensions;
        Pixels = new float[size * dimensions];
        Labels = labelled ? new int[size] : [];
        Indices = new int[size];
    }

    /// <summary>B, the number of images.</summary>
    public int Size { get; }

    /// <summary>D, the number of pixels of one image.</summary>
    public int Dimensions { get; }

    /// <summary>[B, D] row-major.</summary>
    public float[] Pixels { get; }

    /// <summary>[B], or empty when the dataset has no labels.</summary>
    public int[] Labels { get; }

    /// <summary>[B]: the dataset row of each image.</summary>
    public int[] Indices { get; }

    /// <summary>Image <paramref name="i"/> of the batch: [D].</summary>
    public ReadOnlySpan<float> Image(int i)
    {
        if ((uint)i >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(i), i, $"must be in [0, {Size})");
        return Pixels.AsSpan(i * Dimensions, Dimensions);
    }
}
