using LatentSharp.Imaging;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Reports;

/// <summary>
/// Latent traversals per stochastic layer of a layered model (<see cref="ILayeredLatents"/>, the hierarchical VAE): what one
/// layer encodes, with the layers below following it. For one image, row r varies dimension dims[r] of layer i's posterior mean by steps evenly spaced
/// offsets in [−span, +span] (the other dimensions stay at the image's code) and shows
/// <see cref="ILayeredLatents.DecodeFromLayer"/>: the layers under i take their prior means given the layer above.
/// Rows are labelled "z{layer}[{dimension}]".
/// </summary>
public static class LayerTraversals
{
    /// <summary>The grid for one image x [D] and one layer (1 … N); dims default to the layer's first eight.</summary>
    public static Image Render(LatentModel model, ReadOnlySpan<float> image, int layer, IReadOnlyList<int>? dimensions = null, int steps = 9, float span = 3f)
    {
        ArgumentNullException.ThrowIfNull(model);
        ILayeredLatents layered = model.Require<ILayeredLatents>("A traversal of one layer");
        int layers = layered.LayerCount();
        if (layer < 1 || layer > layers) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The layers are numbered 1 (next to x) to {layers}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        int d = model.Spec.Dimensions, size = layered.LayerSize(layer);
        if (image.Length != d) throw new ArgumentException($"One image of {d} pixels is needed; got {image.Length} values.", nameof(image));
        int[] dims = dimensions?.ToArray() ?? Enumerable.Range(0, Math.Min(8, size)).ToArray();
        if (dims.Length == 0 || dims.Any(j => j < 0 || j >= size))
            throw new ArgumentException($"Layer {layer} has dimensions 0 … {size - 1}; got [{string.Join(", ", dims)}].", nameof(dimensions));

        using var _ = Tensor.NoGrad();
        float[] code = layered.LayerCodes(layered.Encode(Tensor.FromArray(image.ToArray(), 1, d)).Data, 1, layer);   // [L_i]
        var codes = new float[dims.Length * steps * size];                                                           // [rows·steps, L_i]
        for (int r = 0; r < dims.Length; r++)
        for (int s = 0; s < steps; s++)
        {
            Span<float> z = codes.AsSpan((r * steps + s) * size, size);
            code.CopyTo(z);
            z[dims[r]] += span * (2f * s / (steps - 1) - 1f);
        }
        float[] decoded = layered.DecodeFromLayer(layer, Tensor.FromArray(codes, dims.Length * steps, size)).Data;
        string[] labels = dims.Select(j => $"z{layer}[{j}]").ToArray();
        return new ImageGrid().Render(decoded.AsSpan(0, dims.Length * steps * d), dims.Length * steps, model.Spec.Channels, model.Spec.Height, model.Spec.Width, steps, labels);
    }
}
