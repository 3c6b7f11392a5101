using LatentSharp.Tensors;
using System.Numerics.Tensors;
using Tensor = LatentSharp.Tensors.Tensor;

namespace LatentSharp.Distributions;

/// <summary>
/// A mixture of K discretized logistics per sub-pixel (PixelCNN++, Salimans et al. 2017). Sub-pixels are independent given
/// the decoder output: the channels of a pixel are NOT coupled (PixelCNN++'s linear R → G → B dependence of the means is
/// left out), so each sub-pixel has its own K mixture weights. Parameters are in pixel units: the 8-bit value v has the
/// bin [(v − ½)/255, (v + ½)/255] of x = v/255, the bins of 0 and 255 reach to −∞ and +∞ (PixelCNN++ works on [−1, 1]:
/// its mean is 2μ − 1 and its log-scale ℓ + ln 2). The decoder gives 3·K outputs per sub-pixel, class-major per image:
/// [B, 3·K·D] read as [B, 3, K, D], the K mixture logits, the K means μ, the K log-scales ℓ (clamped to
/// [<see cref="Tensor.DiscretizedMinLogScale"/>, <see cref="Tensor.DiscretizedMaxLogScale"/>]): what a convolution with
/// 3·K·C output channels gives for channel-planar images [C, H, W].
/// </summary>
public sealed class DiscretizedLogisticMixtureObservation : IObservationModel
{
    /// <summary>K components per sub-pixel, 1 to 64 (PixelCNN++ uses 10 per pixel, shared by its three channels; 5 is a fair start here).</summary>
    public DiscretizedLogisticMixtureObservation(int components)
    {
        if (components is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(components), components, "The discretized logistic mixture needs 1 to 64 components.");
        Components = components;
    }

    /// <summary>K, the mixture components per sub-pixel.</summary>
    public int Components { get; }

    /// <summary>The decoder outputs per sub-pixel: 3·K.</summary>
    public int OutputsPerValue => 3 * Components;

    /// <inheritdoc/>
    public string Name => "logistic-mixture";

    /// <inheritdoc/>
    public bool IsDiscrete8Bit => true;

    /// <summary>Σ_d log Σ_c π_c·P(v_d | μ_c, s_c) with v = round(255·x). x [B, D], output [S·B, 3·K·D] → [S·B]</summary>
    public Tensor LogProb(Tensor x, Tensor output) =>
        output.DiscretizedLogisticMixtureLogProb(EightBitValues.Checked(x, output, OutputsPerValue, Name), Components).Sum(1);

    /// <summary>
    /// E[x] of the discretized distribution: Σ_{v=1..255} P(V ≥ v)/255 with P(V ≥ v) = Σ_c π_c·σ((μ_c − (v − ½)/255)/s_c)
    /// (the bins at 0 and 255 hold the tails, so this differs from Σ_c π_c·μ_c near the ends). [B, 3·K·D] → [B, D]
    /// </summary>
    public Tensor Mean(Tensor output)
    {
        int d = EightBitValues.Dimensions(output, OutputsPerValue, Name), b = output.Dim(0), k = Components;
        Tensor mean = Tensor.Zeros(b, d);
        using var scratch = Scratch.Rent((2 * k + 1) * d);
        Span<float> weights = scratch.Span[..(k * d)], inverseScales = scratch.Span.Slice(k * d, k * d), z = scratch.Span.Slice(2 * k * d, d);
        for (int i = 0; i < b; i++)
        {
            ReadOnlySpan<float> p = output.Data.AsSpan(i * OutputsPerValue * d, OutputsPerValue * d);
            Span<float> row = mean.Data.AsSpan(i * d, d);
            MixtureWeights(p, d, weights, inverseScales);
            for (int c = 0; c < k; c++)
            {
                ReadOnlySpan<float> mu = p.Slice((k + c) * d, d), weight = weights.Slice(c * d, d), inverseScale = inverseScales.Slice(c * d, d);
                for (int v = 1; v < EightBitValues.Count; v++)
                {
                    TensorPrimitives.Subtract(mu, (v - 0.5f) / 255f, z);
                    TensorPrimitives.Multiply(z, inverseScale, z);
                    TensorPrimitives.Sigmoid(z, z);
                    TensorPrimitives.MultiplyAdd(z, weight, row, row);
                }
            }
            TensorPrimitives.Multiply(row, 1f / 255f, row);
        }
        return mean;
    }

    /// <summary>A component c ~ π, then u ~ Logistic(μ_c, s_c), v = round(255·u) clamped to [0, 255]; x = v/255. [B, 3·K·D] → [B, D]</summary>
    public Tensor Sample(Tensor output, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int d = EightBitValues.Dimensions(output, OutputsPerValue, Name), b = output.Dim(0), k = Components;
        Tensor sample = Tensor.Zeros(b, d);
        using var scratch = Scratch.Rent(2 * k * d);
        Span<float> weights = scratch.Span[..(k * d)], inverseScales = scratch.Span[(k * d)..];
        for (int i = 0; i < b; i++)
        {
            ReadOnlySpan<float> p = output.Data.AsSpan(i * OutputsPerValue * d, OutputsPerValue * d);
            MixtureWeights(p, d, weights, inverseScales);
            for (int j = 0; j < d; j++)
            {
                double u = rng.NextDouble(), cumulative = 0;
                int c = 0;
                for (; c < k - 1; c++)
                {
                    cumulative += weights[c * d + j];
                    if (u < cumulative) break;
                }
                double w = rng.NextDouble();
                while (w == 0) w = rng.NextDouble();
                double logistic = p[(k + c) * d + j] + Math.Log(w / (1 - w)) / inverseScales[c * d + j];
                sample.Data[i * d + j] = (float)(Math.Clamp(Math.Round(logistic * 255), 0, 255) / 255);
            }
        }
        return sample;
    }

    /// <summary>π_c = softmax of the mixture logits and 1/s_c = e^−ℓ_c (ℓ clamped), each [K, D], for one image's parameters [3·K·D].</summary>
    private void MixtureWeights(ReadOnlySpan<float> p, int d, Span<float> weights, Span<float> inverseScales)
    {
        int k = Components;
        for (int j = 0; j < d; j++)
        {
            float max = float.NegativeInfinity;
            for (int c = 0; c < k; c++) max = MathF.Max(max, p[c * d + j]);
            float sum = 0;
            for (int c = 0; c < k; c++) sum += weights[c * d + j] = MathF.Exp(p[c * d + j] - max);
            for (int c = 0; c < k; c++) weights[c * d + j] /= sum;
        }
        TensorPrimitives.Clamp(p.Slice(2 * k * d, k * d), Tensor.DiscretizedMinLogScale, Tensor.DiscretizedMaxLogScale, inverseScales);
        TensorPrimitives.Negate(inverseScales, inverseScales);
        TensorPrimitives.Exp(inverseScales, inverseScales);
    }
}
