using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>Binary images generated pixel by pixel in raster order from a causal model's Bernoulli logits.</summary>
internal static class RasterOrder
{
    /// <summary>
    /// Fills <paramref name="images"/> (n rows of height·width pixels) pixel by pixel. The probability of pixel i is σ(logit_i),
    /// with the logits from <paramref name="logitsOfFirstRows"/>(first rows of the images [n, rows·W], rows) → [n, rows·W]
    /// for the rows down to i's own (a causal model's logits of those rows depend on them alone, so the rows below are never
    /// computed), and the pixel is drawn with <paramref name="rng"/>. The probabilities go to <paramref name="probabilities"/>
    /// when it is not empty. No gradients.
    /// </summary>
    public static void Fill(Span<float> images, int n, int height, int width, Func<Tensor, int, Tensor> logitsOfFirstRows,
        Rng rng, Span<float> probabilities = default)
    {
        int d = height * width;
        if (images.Length != n * d) throw new ArgumentException($"{n} images of {height}x{width} pixels need {n * d} floats, not {images.Length}.", nameof(images));
        if (!probabilities.IsEmpty && probabilities.Length != n * d) throw new ArgumentException($"The probabilities of {n} images need {n * d} floats, not {probabilities.Length}.", nameof(probabilities));
        var arena = new Arena();
        using var _ = Tensor.NoGrad();
        for (int row = 0; row < height; row++)
        {
            int top = (row + 1) * width;
            for (int column = 0; column < width; column++)
            {
                int i = row * width + column;
                using (arena.Scope())
                {
                    var first = new float[n * top];
                    for (int r = 0; r < n; r++) images.Slice(r * d, top).CopyTo(first.AsSpan(r * top));
                    float[] logits = logitsOfFirstRows(Tensor.FromArray(first, n, top), row + 1).Data;
                    for (int r = 0; r < n; r++)
                    {
                        double p = 1.0 / (1.0 + Math.Exp(-logits[r * top + i]));
                        images[r * d + i] = rng.NextDouble() < p ? 1f : 0f;
                        if (!probabilities.IsEmpty) probabilities[r * d + i] = (float)p;
                    }
                }
            }
        }
    }
}
