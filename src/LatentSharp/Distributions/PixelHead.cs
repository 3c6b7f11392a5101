using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// The output head of an autoregressive image model: how the P network outputs of a pixel, computed from the pixels
/// before it (and, for heads with channel groups, from the earlier sub-pixels of its own pixel), give the distribution of
/// the pixel's C sub-pixels. Images are channel-planar rows [B, D], D = C·H·W; the network's outputs are [B, P, H, W],
/// read as rows [B, P·H·W].
/// </summary>
public abstract class PixelHead
{
    /// <summary>A head for images of <paramref name="channels"/> channels.</summary>
    protected PixelHead(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        Channels = channels;
    }

    /// <summary>C, the sub-pixels of a pixel.</summary>
    public int Channels { get; }

    /// <summary>P, the network outputs per pixel.</summary>
    public abstract int OutputsPerPixel { get; }

    /// <summary>
    /// G, the channel groups the network's masks must keep in order (output channel o belongs to group o mod G): C when the
    /// outputs of sub-pixel c may see sub-pixels &lt; c of their own pixel, 1 when a pixel's outputs see the pixels before it only.
    /// </summary>
    public abstract int ChannelGroups { get; }

    /// <summary>The network passes that draw one pixel: C when each sub-pixel needs outputs that saw the ones drawn before it, else 1.</summary>
    public abstract int PassesPerPixel { get; }

    /// <summary>The exact log p(x) in nats of each image given the network's outputs. x [B, C·H·W], outputs [B, P·H·W] → [B]</summary>
    public abstract Tensor LogProb(Tensor x, Tensor outputs);

    /// <summary>
    /// Draws the sub-pixels of one pixel that pass <paramref name="pass"/> of <see cref="PassesPerPixel"/> decides, from
    /// the pixel's P outputs, into <paramref name="pixel"/> (its C values, the ones drawn before already set).
    /// </summary>
    public abstract void Draw(ReadOnlySpan<float> outputs, Span<float> pixel, int pass, Rng rng);

    /// <summary>
    /// Fills n channel-planar images [n, C, H, W] pixel by pixel in raster order and, within a pixel, pass by pass
    /// (<see cref="PassesPerPixel"/>), each pass drawn from the outputs <paramref name="outputsOfFirstRows"/> gives for the
    /// rows down to the pixel's own: (images [n, C, rows, W], rows) → [n, P, rows, W]. No gradients.
    /// </summary>
    public void Fill(Span<float> images, int n, int height, int width, Func<Tensor, int, Tensor> outputsOfFirstRows, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(outputsOfFirstRows);
        ArgumentNullException.ThrowIfNull(rng);
        int c = Channels, plane = height * width, d = c * plane, p = OutputsPerPixel;
        if (images.Length != n * d) throw new ArgumentException($"{n} images of {c}x{height}x{width} need {n * d} values, got {images.Length}.", nameof(images));
        var arena = new Arena();
        using var _ = Tensor.NoGrad();
        var outputs = new float[p];
        var pixel = new float[c];
        for (int row = 0; row < height; row++)
        {
            int top = (row + 1) * width;
            for (int column = 0; column < width; column++)
            for (int pass = 0; pass < PassesPerPixel; pass++)
            {
                int i = row * width + column;
                using (arena.Scope())
                {
                    var first = new float[n * c * top];                                   // [n, C, row + 1, W]
                    for (int r = 0; r < n; r++)
                    for (int ch = 0; ch < c; ch++)
                        images.Slice(r * d + ch * plane, top).CopyTo(first.AsSpan((r * c + ch) * top));
                    float[] all = outputsOfFirstRows(Tensor.FromArray(first, n, c, row + 1, width), row + 1).Data;   // [n, P, row + 1, W]
                    for (int r = 0; r < n; r++)
                    {
                        for (int o = 0; o < p; o++) outputs[o] = all[(r * p + o) * top + i];
                        for (int ch = 0; ch < c; ch++) pixel[ch] = images[r * d + ch * plane + i];
                        Draw(outputs, pixel, pass, rng);
                        for (int ch = 0; ch < c; ch++) images[r * d + ch * plane + i] = pixel[ch];
                    }
                }
            }
        }
    }

    /// <summary>Checks x [B, C·H·W] against outputs [B, P·H·W]; returns H·W.</summary>
    protected int Positions(Tensor x, Tensor outputs)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(outputs);
        if (x.Rank != 2 || outputs.Rank != 2 || x.Dim(0) != outputs.Dim(0) || x.Dim(1) % Channels != 0
            || outputs.Dim(1) != x.Dim(1) / Channels * OutputsPerPixel)
            throw new ArgumentException($"A head of {OutputsPerPixel} outputs per pixel of {Channels} channels takes images [B, {Channels}·H·W] and outputs [B, {OutputsPerPixel}·H·W]; got {x} and {outputs}.", nameof(outputs));
        return x.Dim(1) / Channels;
    }
}

/// <summary>A Bernoulli per pixel of binarized single-channel images: one logit per pixel.</summary>
public sealed class BernoulliPixelHead() : PixelHead(1)
{
    /// <inheritdoc/>
    public override int OutputsPerPixel => 1;

    /// <inheritdoc/>
    public override int ChannelGroups => 1;

    /// <inheritdoc/>
    public override int PassesPerPixel => 1;

    /// <summary>log p(x) = −Σ_i BCE(logit_i, x_i). x [B, D], logits [B, D] → [B]</summary>
    public override Tensor LogProb(Tensor x, Tensor outputs)
    {
        Positions(x, outputs);
        return outputs.BinaryCrossEntropyWithLogits(x).Sum(1).Negate();
    }

    /// <summary>x ~ Bernoulli(σ(logit)).</summary>
    public override void Draw(ReadOnlySpan<float> outputs, Span<float> pixel, int pass, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double p = 1.0 / (1.0 + Math.Exp(-outputs[0]));
        pixel[0] = rng.NextDouble() < p ? 1f : 0f;
    }
}

/// <summary>
/// A 256-way softmax per sub-pixel (PixelRNN / PixelCNN): P = 256·C logits per pixel, output o = k·C + c the logit of value k
/// of sub-pixel c (so o belongs to channel group c = o mod C, and [B, 256·C, H, W] read as rows is
/// <see cref="Categorical256Observation"/>'s class-major [B, 256, C·H·W]). Sub-pixel c's logits see sub-pixels &lt; c of
/// its own pixel: R, then G given R, then B given R and G.
/// </summary>
public sealed class CategoricalPixelHead(int channels) : PixelHead(channels)
{
    private static readonly Categorical256Observation Observation = new();

    /// <inheritdoc/>
    public override int OutputsPerPixel => EightBitValues.Count * Channels;

    /// <inheritdoc/>
    public override int ChannelGroups => Channels;

    /// <inheritdoc/>
    public override int PassesPerPixel => Channels;

    /// <summary>Σ_d log softmax(logits_d)[v_d], v = round(255·x). x [B, C·H·W], logits [B, 256·C·H·W] → [B]</summary>
    public override Tensor LogProb(Tensor x, Tensor outputs)
    {
        Positions(x, outputs);
        return Observation.LogProb(x, outputs);
    }

    /// <summary>Sub-pixel <paramref name="pass"/> drawn from the softmax of its 256 logits by inverse CDF; x = v/255.</summary>
    public override void Draw(ReadOnlySpan<float> outputs, Span<float> pixel, int pass, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int c = Channels;
        double max = double.NegativeInfinity, sum = 0;
        for (int k = 0; k < EightBitValues.Count; k++) max = Math.Max(max, outputs[k * c + pass]);
        for (int k = 0; k < EightBitValues.Count; k++) sum += Math.Exp(outputs[k * c + pass] - max);
        double u = rng.NextDouble() * sum, cumulative = 0;
        int value = 0;
        for (; value < EightBitValues.Count - 1; value++)
        {
            cumulative += Math.Exp(outputs[value * c + pass] - max);
            if (u < cumulative) break;
        }
        pixel[pass] = value / 255f;
    }
}
