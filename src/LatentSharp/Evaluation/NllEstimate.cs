namespace LatentSharp.Evaluation;

/// <summary>
/// An importance-sampled negative log-likelihood over a set of images.
/// </summary>
/// <param name="Convention">What the likelihood is of; see <see cref="NllConvention"/>.</param>
/// <param name="Images">N, the number of images evaluated.</param>
/// <param name="Dimensions">D, the values per image.</param>
/// <param name="Samples">K, importance samples per image.</param>
/// <param name="NatsPerImage">Mean over images of −log p̂(x) in nats (for <see cref="NllConvention.Dequantized8Bit"/>:
/// of the discrete 8-bit values, the D·ln 256 term included; for <see cref="NllConvention.Discrete8Bit"/>: of the 8-bit
/// values, exactly as the likelihood gives it).</param>
/// <param name="StandardError">Standard error of <paramref name="NatsPerImage"/> across images (sample sd / √N).</param>
/// <param name="PerImage">−log p̂(x_i) per image, same convention: [N].</param>
public sealed record NllEstimate(
    NllConvention Convention,
    int Images,
    int Dimensions,
    int Samples,
    double NatsPerImage,
    double StandardError,
    double[] PerImage)
{
    /// <summary>Nats per image divided by D ln 2.</summary>
    public double BitsPerDim => NatsPerImage / (Dimensions * Math.Log(2));
}
