namespace LatentSharp.Evaluation;

/// <summary>
/// What a negative log-likelihood is a likelihood of. Numbers of different conventions are not comparable and must
/// never share a column: binarized-data nats, dequantized 8-bit bits/dim and exact 8-bit bits/dim are different quantities.
/// </summary>
public enum NllConvention
{
    /// <summary>A discrete likelihood (e.g. Bernoulli) of the data exactly as given, e.g. binarized images: −log P(x) in nats.</summary>
    Discrete,

    /// <summary>
    /// A continuous density (Gaussian decoder, pPCA) evaluated on uniformly dequantized 8-bit data and converted to a bound
    /// on the discrete −log P(k) of the 8-bit values; see <see cref="ImportanceSampledNll.EvaluateDequantized"/>.
    /// </summary>
    Dequantized8Bit,

    /// <summary>
    /// A discrete likelihood of the 8-bit values themselves (categorical, discretized logistic mixture, discretized
    /// Gaussian decoders): −log P(v) of the images as given, no dequantization and no offset, reported in bits/dim.
    /// </summary>
    Discrete8Bit,
}
