using LatentSharp.Tensors;
using System.Numerics.Tensors;
using Tensor = LatentSharp.Tensors.Tensor;

namespace LatentSharp.Distributions;

/// <summary>
/// A 256-way categorical per sub-pixel (PixelRNN / PixelCNN's softmax over the 8-bit values), sub-pixels independent given
/// the decoder output. The decoder gives 256 logits per sub-pixel, class-major per image: [B, 256·D] read as [B, 256, D]
/// (logit of value k for sub-pixel d at column k·D + d), which is what a convolution with 256·C output channels gives
/// for channel-planar images [C, H, W]. The log-softmax runs along contiguous rows of D, vectorised.
/// </summary>
public sealed class Categorical256Observation : IObservationModel
{
    /// <summary>The decoder outputs per sub-pixel: one logit per 8-bit value.</summary>
    public const int OutputsPerValue = EightBitValues.Count;

    /// <inheritdoc/>
    public string Name => "categorical";

    /// <inheritdoc/>
    public bool IsDiscrete8Bit => true;

    /// <summary>Σ_d log softmax(logits_d)[v_d] with v = round(255·x). x [B, D], output [S·B, 256·D] → [S·B]</summary>
    public Tensor LogProb(Tensor x, Tensor output) =>
        output.CategoricalLogProb(EightBitValues.Checked(x, output, OutputsPerValue, Name), OutputsPerValue).Sum(1);

    /// <summary>E[x] = Σ_v p(v)·v/255 per sub-pixel. [B, 256·D] → [B, D]</summary>
    public Tensor Mean(Tensor output)
    {
        int d = EightBitValues.Dimensions(output, OutputsPerValue, Name), b = output.Dim(0);
        Tensor mean = Tensor.Zeros(b, d);
        using var scratch = Scratch.Rent(2 * d);
        Span<float> lse = scratch.Span[..d], p = scratch.Span[d..];
        for (int i = 0; i < b; i++)
        {
            ReadOnlySpan<float> logits = output.Data.AsSpan(i * OutputsPerValue * d, OutputsPerValue * d);
            Span<float> row = mean.Data.AsSpan(i * d, d);
            LogSumExpOverValues(logits, d, lse);
            for (int k = 1; k < OutputsPerValue; k++)
            {
                TensorPrimitives.Subtract(logits.Slice(k * d, d), lse, p);
                TensorPrimitives.Exp(p, p);
                TensorPrimitives.MultiplyAdd(p, k / 255f, row, row);
            }
        }
        return mean;
    }

    /// <summary>v_d drawn from softmax(logits_d) by inverse CDF, one uniform per sub-pixel; x = v/255. [B, 256·D] → [B, D]</summary>
    public Tensor Sample(Tensor output, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int d = EightBitValues.Dimensions(output, OutputsPerValue, Name), b = output.Dim(0);
        Tensor sample = Tensor.Zeros(b, d);
        using var scratch = Scratch.Rent(4 * d);
        Span<float> lse = scratch.Span[..d], p = scratch.Span.Slice(d, d), cumulative = scratch.Span.Slice(2 * d, d), uniform = scratch.Span[(3 * d)..];
        for (int i = 0; i < b; i++)
        {
            ReadOnlySpan<float> logits = output.Data.AsSpan(i * OutputsPerValue * d, OutputsPerValue * d);
            Span<float> row = sample.Data.AsSpan(i * d, d);   // counts the values whose cumulative probability is below u
            for (int j = 0; j < d; j++) uniform[j] = rng.NextFloat();
            LogSumExpOverValues(logits, d, lse);
            cumulative.Clear();
            for (int k = 0; k < OutputsPerValue - 1; k++)
            {
                TensorPrimitives.Subtract(logits.Slice(k * d, d), lse, p);
                TensorPrimitives.Exp(p, p);
                TensorPrimitives.Add(cumulative, p, cumulative);
                for (int j = 0; j < d; j++) row[j] += cumulative[j] < uniform[j] ? 1f : 0f;
            }
            TensorPrimitives.Multiply(row, 1f / 255f, row);
        }
        return sample;
    }

    /// <summary>lse[d] = log Σ_k exp(logits[k·D + d]), the maximum subtracted.</summary>
    private static void LogSumExpOverValues(ReadOnlySpan<float> logits, int d, Span<float> lse)
    {
        using var scratch = Scratch.Rent(2 * d);
        Span<float> shifted = scratch.Span[..d], sum = scratch.Span[d..];
        logits[..d].CopyTo(lse);
        for (int k = 1; k < OutputsPerValue; k++) TensorPrimitives.Max(lse, logits.Slice(k * d, d), lse);
        for (int j = 0; j < d; j++) if (!float.IsFinite(lse[j])) lse[j] = 0f;
        sum.Clear();
        for (int k = 0; k < OutputsPerValue; k++)
        {
            TensorPrimitives.Subtract(logits.Slice(k * d, d), lse, shifted);
            TensorPrimitives.Exp(shifted, shifted);
            TensorPrimitives.Add(sum, shifted, sum);
        }
        TensorPrimitives.Log(sum, sum);
        TensorPrimitives.Add(lse, sum, lse);
    }
}
