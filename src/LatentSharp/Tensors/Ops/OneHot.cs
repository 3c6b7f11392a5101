namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>[N, classes] constant with a 1 at (i, labels[i]) and 0 elsewhere; records no gradient.</summary>
    public static Tensor OneHot(int[] labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "OneHot needs at least one class.");
        Tensor y = Empty([labels.Length, classes]);
        Span<float> yd = y._data.AsSpan(0, y.Length);
        yd.Clear();
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), $"OneHot: label {labels[i]} at position {i} is outside [0, {classes}).");
            yd[i * classes + labels[i]] = 1f;
        }
        return y;
    }
}
