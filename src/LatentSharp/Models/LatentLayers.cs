namespace LatentSharp.Models;

/// <summary>
/// The layout of a layered model's concatenated codes [z_1 | … | z_N]: where layer i (1 … N) starts, and its own columns
/// of a batch of codes. Traversals and other per-layer figures slice codes here rather than by hand.
/// </summary>
public static class LatentLayers
{
    /// <summary>N, the number of stochastic layers.</summary>
    public static int LayerCount(this ILayeredLatents model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.LayerSizes.Count;
    }

    /// <summary>The first column of layer <paramref name="layer"/> (1 … N) in a concatenated code: L_1 + … + L_{layer−1}.</summary>
    public static int LayerOffset(this ILayeredLatents model, int layer)
    {
        CheckLayer(model, layer);
        return model.LayerSizes.Take(layer - 1).Sum();
    }

    /// <summary>L_layer, the size of layer <paramref name="layer"/> (1 … N).</summary>
    public static int LayerSize(this ILayeredLatents model, int layer)
    {
        CheckLayer(model, layer);
        return model.LayerSizes[layer - 1];
    }

    /// <summary>Layer <paramref name="layer"/>'s columns of <paramref name="n"/> concatenated codes. [n, Σ L_i] → [n, L_layer]</summary>
    public static float[] LayerCodes(this ILayeredLatents model, ReadOnlySpan<float> codes, int n, int layer)
    {
        int size = model.LayerSize(layer), offset = model.LayerOffset(layer), l = model.LatentSize;
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (codes.Length < (long)n * l) throw new ArgumentException($"{n} codes of {l} need {(long)n * l} values, got {codes.Length}.", nameof(codes));
        var layerCodes = new float[n * size];
        for (int row = 0; row < n; row++) codes.Slice(row * l + offset, size).CopyTo(layerCodes.AsSpan(row * size, size));
        return layerCodes;
    }

    private static void CheckLayer(ILayeredLatents model, int layer)
    {
        ArgumentNullException.ThrowIfNull(model);
        int count = model.LayerSizes.Count;
        if (layer < 1 || layer > count) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The layers are numbered 1 (next to x) to {count}.");
    }
}
