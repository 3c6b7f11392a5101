using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// PixelCNN++'s discretized logistic mixture per pixel (Salimans et al. 2017): K components shared by the pixel's C
/// sub-pixels, p(x) = Σ_k π_k Π_c P(v_c | μ'_ck, s_ck), where sub-pixel c's mean depends linearly on the sub-pixels before it,
/// μ'_ck = μ_ck + Σ_{c' &lt; c} tanh(α_(c,c')k)·x_c' (G on R; B on R and G). The network's outputs of a pixel see the pixels
/// before it only (one channel group), the coupling does the rest. In pixel units as
/// <see cref="Tensor.DiscretizedLogisticMixtureLogProb"/>: v has the bin [(v − ½)/255, (v + ½)/255], the end bins open.
/// The P = K·(1 + 2C + C(C − 1)/2) outputs of a pixel: the K mixture logits, then the means μ [C, K], the log-scales ℓ
/// [C, K], the coefficients α [C(C − 1)/2, K] (pairs (c, c'), c' &lt; c, in the order (1, 0), (2, 0), (2, 1), …).
/// </summary>
public sealed class LogisticMixturePixelHead : PixelHead
{
    /// <summary>A head of <paramref name="components"/> (1 to 64) logistics per pixel of <paramref name="channels"/> sub-pixels.</summary>
    public LogisticMixturePixelHead(int channels, int components) : base(channels)
    {
        if (components is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(components), components, "The discretized logistic mixture needs 1 to 64 components.");
        Components = components;
    }

    /// <summary>K, the mixture components per pixel.</summary>
    public int Components { get; }

    private int Pairs => Channels * (Channels - 1) / 2;

    /// <inheritdoc/>
    public override int OutputsPerPixel => Components * (1 + 2 * Channels + Pairs);

    /// <inheritdoc/>
    public override int ChannelGroups => 1;

    /// <inheritdoc/>
    public override int PassesPerPixel => 1;

    /// <summary>The output of mean μ_ck.</summary>
    public int MeanOutput(int channel, int component) => Components + channel * Components + component;

    /// <summary>The output of log-scale ℓ_ck.</summary>
    public int LogScaleOutput(int channel, int component) => Components * (1 + Channels) + channel * Components + component;

    /// <summary>The output of coefficient α_(c,c')k, c' &lt; c: the weight of sub-pixel c' in the mean of sub-pixel c.</summary>
    public int CoefficientOutput(int channel, int earlier, int component) =>
        Components * (1 + 2 * Channels) + (channel * (channel - 1) / 2 + earlier) * Components + component;

    /// <summary>
    /// log Σ_k π_k Π_c P(v_c | μ'_ck, s_ck) summed over the pixels, composed of differentiable ops: the per-sub-pixel,
    /// per-component log-masses come from the one-component <see cref="Tensor.DiscretizedLogisticMixtureLogProb"/>.
    /// x [B, C·H·W], outputs [B, P·H·W] → [B]
    /// </summary>
    public override Tensor LogProb(Tensor x, Tensor outputs)
    {
        int hw = Positions(x, outputs), b = x.Dim(0), c = Channels, k = Components;
        byte[] values = EightBitValues.Of(x);                                         // [B, C, HW]
        Tensor o = outputs.Reshape(b, OutputsPerPixel, hw);
        Tensor logWeights = o.Slice(1, 0, k).LogSoftmax(1);                            // [B, K, HW]
        Tensor means = o.Slice(1, MeanOutput(0, 0), c * k);                            // [B, C·K, HW]
        if (c > 1)
        {
            var rounded = new float[values.Length];
            for (int i = 0; i < values.Length; i++) rounded[i] = values[i] / 255f;
            Tensor xs = Tensor.FromArray(rounded, b, c, hw);                           // the values the likelihood scores
            Tensor coefficients = o.Slice(1, CoefficientOutput(1, 0, 0), Pairs * k).Tanh();
            var channelMeans = new Tensor[c];
            for (int ch = 0; ch < c; ch++)
            {
                Tensor mean = means.Slice(1, ch * k, k);                                // [B, K, HW]
                for (int earlier = 0; earlier < ch; earlier++)
                    mean += coefficients.Slice(1, CoefficientOutput(ch, earlier, 0) - CoefficientOutput(1, 0, 0), k) * xs.Slice(1, earlier, 1);
                channelMeans[ch] = mean;
            }
            means = Tensor.Concat(channelMeans, 1);
        }
        Tensor logScales = o.Slice(1, LogScaleOutput(0, 0), c * k);                    // [B, C·K, HW]
        int positions = c * k * hw;
        Tensor packed = Tensor.Concat([Tensor.Zeros(b, positions), means.Reshape(b, positions), logScales.Reshape(b, positions)], 1);
        var componentValues = new byte[b * positions];                                 // v_c at every (c, k, pixel)
        for (int i = 0; i < b; i++)
        for (int ch = 0; ch < c; ch++)
        for (int comp = 0; comp < k; comp++)
            values.AsSpan((i * c + ch) * hw, hw).CopyTo(componentValues.AsSpan(((i * c + ch) * k + comp) * hw));
        Tensor logMass = packed.DiscretizedLogisticMixtureLogProb(componentValues, 1);  // [B, C·K·HW]
        Tensor joint = logMass.Reshape(b, c, k * hw).Sum(1).Reshape(b, k, hw);          // Π_c over the sub-pixels: [B, K, HW]
        return (joint + logWeights).LogSumExp(1).Sum(1);                                // [B, HW] → [B]
    }

    /// <summary>A component k ~ π, then each sub-pixel in order: u ~ Logistic(μ'_ck, s_ck) given the ones drawn, v = round(255·u) in [0, 255], x = v/255.</summary>
    public override void Draw(ReadOnlySpan<float> outputs, Span<float> pixel, int pass, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int k = Components;
        double max = double.NegativeInfinity, sum = 0;
        for (int j = 0; j < k; j++) max = Math.Max(max, outputs[j]);
        for (int j = 0; j < k; j++) sum += Math.Exp(outputs[j] - max);
        double u = rng.NextDouble() * sum, cumulative = 0;
        int component = 0;
        for (; component < k - 1; component++)
        {
            cumulative += Math.Exp(outputs[component] - max);
            if (u < cumulative) break;
        }
        for (int c = 0; c < Channels; c++)
        {
            double mean = outputs[MeanOutput(c, component)];
            for (int earlier = 0; earlier < c; earlier++) mean += Math.Tanh(outputs[CoefficientOutput(c, earlier, component)]) * pixel[earlier];
            double scale = Math.Exp(Math.Clamp(outputs[LogScaleOutput(c, component)], Tensor.DiscretizedMinLogScale, Tensor.DiscretizedMaxLogScale));
            double w = rng.NextDouble();
            while (w == 0) w = rng.NextDouble();
            double logistic = mean + scale * Math.Log(w / (1 - w));
            pixel[c] = (float)(Math.Clamp(Math.Round(logistic * 255), 0, 255) / 255);
        }
    }
}
