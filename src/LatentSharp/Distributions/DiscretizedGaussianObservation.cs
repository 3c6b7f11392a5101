using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// A discretized Gaussian per sub-pixel: N(μ, s²) integrated over each 8-bit value's bin [(v − ½)/255, (v + ½)/255] of
/// x = v/255, the bins of 0 and 255 reaching to −∞ and +∞, so the 256 probabilities sum to 1. Sub-pixels are independent
/// given the decoder output. The decoder gives 2 outputs per sub-pixel, class-major per image: [B, 2·D] read as [B, 2, D],
/// the means μ (pixel units) then the log standard deviations ℓ = log s (clamped to
/// [<see cref="Tensor.DiscretizedMinLogScale"/>, <see cref="Tensor.DiscretizedMaxLogScale"/>]); a convolution with 2·C
/// output channels gives it for channel-planar images [C, H, W].
/// </summary>
public sealed class DiscretizedGaussianObservation : IObservationModel
{
    /// <summary>The decoder outputs per sub-pixel: a mean and a log standard deviation.</summary>
    public const int OutputsPerValue = 2;

    // P(V ≥ v) is taken as 1 (or 0) for bin edges more than this many standard deviations below (or above) the mean.
    private const double TailDeviations = 9;

    /// <inheritdoc/>
    public string Name => "discretized-gaussian";

    /// <inheritdoc/>
    public bool IsDiscrete8Bit => true;

    /// <summary>Σ_d log P(v_d | μ_d, s_d) with v = round(255·x). x [B, D], output [S·B, 2·D] → [S·B]</summary>
    public Tensor LogProb(Tensor x, Tensor output) =>
        output.DiscretizedGaussianLogProb(EightBitValues.Checked(x, output, OutputsPerValue, Name)).Sum(1);

    /// <summary>E[x] of the discretized distribution: Σ_{v=1..255} P(V ≥ v)/255, P(V ≥ v) = Φ((μ − (v − ½)/255)/s). [B, 2·D] → [B, D]</summary>
    public Tensor Mean(Tensor output)
    {
        int d = EightBitValues.Dimensions(output, OutputsPerValue, Name), b = output.Dim(0);
        Tensor mean = Tensor.Zeros(b, d);
        float[] p = output.Data;
        for (int i = 0; i < b; i++)
        {
            for (int j = 0; j < d; j++)
            {
                (double mu, double s) = Parameters(p, i, j, d);
                // Values whose lower edge lies far below the mean count 1 each; those far above count 0.
                int first = (int)Math.Clamp(Math.Ceiling(255 * (mu - TailDeviations * s) + 0.5), 1, 256);
                int last = (int)Math.Clamp(Math.Floor(255 * (mu + TailDeviations * s) + 0.5), 0, 255);
                double sum = first - 1;
                for (int v = first; v <= last; v++) sum += Math.Exp(Tensor.LogNormalCdf((mu - (v - 0.5) / 255) / s));
                mean.Data[i * d + j] = (float)(sum / 255);
            }
        }
        return mean;
    }

    /// <summary>u ~ N(μ, s²), v = round(255·u) clamped to [0, 255]; x = v/255. [B, 2·D] → [B, D]</summary>
    public Tensor Sample(Tensor output, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int d = EightBitValues.Dimensions(output, OutputsPerValue, Name), b = output.Dim(0);
        Tensor sample = Tensor.Zeros(b, d);
        float[] p = output.Data;
        for (int i = 0; i < b; i++)
        {
            for (int j = 0; j < d; j++)
            {
                (double mu, double s) = Parameters(p, i, j, d);
                double u = mu + s * rng.NextGaussian();
                sample.Data[i * d + j] = (float)(Math.Clamp(Math.Round(u * 255), 0, 255) / 255);
            }
        }
        return sample;
    }

    private static (double Mean, double Scale) Parameters(float[] p, int image, int j, int d) =>
        (p[image * 2 * d + j], Math.Exp(Math.Clamp(p[image * 2 * d + d + j], Tensor.DiscretizedMinLogScale, Tensor.DiscretizedMaxLogScale)));
}
