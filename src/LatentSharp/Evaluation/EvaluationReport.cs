namespace LatentSharp.Evaluation;

/// <summary>
/// The numbers <c>latent eval</c> prints and writes as JSON next to the checkpoint. Per-image quantities are in nats per
/// image, averaged over the split; a null field was not measured (it is printed as "–" and written as null).
/// </summary>
/// <remarks>
/// The three likelihood conventions have separate fields on purpose: <see cref="NllNats"/> / <see cref="NllBitsPerDim"/> are
/// a discrete likelihood of the data as given (Bernoulli on binarized images), <see cref="DequantizedBitsPerDim"/> is a
/// continuous density on dequantized 8-bit data, and <see cref="EightBitBitsPerDim"/> an exact discrete likelihood of the
/// 8-bit values (categorical, discretized logistic mixture or discretized Gaussian decoders). Use <see cref="WithNll"/> to put an <see cref="NllEstimate"/> in
/// the right one.
/// </remarks>
public sealed record EvaluationReport
{
    /// <summary>Model name or checkpoint path.</summary>
    public required string Model { get; init; }

    /// <summary>Dataset name, e.g. "fashion-mnist (binarized, seed 0)".</summary>
    public required string Dataset { get; init; }

    /// <summary>"train" or "test".</summary>
    public required string Split { get; init; }

    /// <summary>N, images evaluated.</summary>
    public int Images { get; init; }

    /// <summary>D, values per image.</summary>
    public int Dimensions { get; init; }

    /// <summary>Mean ELBO = Reconstruction − KL.</summary>
    public double? Elbo { get; init; }

    /// <summary>Mean E_q[log p(x | z)].</summary>
    public double? Reconstruction { get; init; }

    /// <summary>Mean KL(q(z | x) ‖ p(z)).</summary>
    public double? Kl { get; init; }

    /// <summary>Importance-sampled −log p(x) of a discrete likelihood on the data as given (binarized images).</summary>
    public double? NllNats { get; init; }

    /// <summary><see cref="NllNats"/> / (D ln 2).</summary>
    public double? NllBitsPerDim { get; init; }

    /// <summary>Standard error of the NLL across images, in nats (either convention).</summary>
    public double? NllStandardError { get; init; }

    /// <summary>K, importance samples per image.</summary>
    public int? NllSamples { get; init; }

    /// <summary>The NLL is the model's exact likelihood (an autoregressive model, pPCA): <see cref="NllSamples"/> does not enter it.</summary>
    public bool NllExact { get; init; }

    /// <summary>
    /// −log p̂(x_i) of every evaluated image, in nats, in the order of the split (either convention): what
    /// <see cref="NllComparison"/> pairs image by image to compare two models on the same images.
    /// </summary>
    public double[]? NllPerImage { get; init; }

    /// <summary>Bits per dimension of a continuous density on uniformly dequantized 8-bit data (never binarized nats).</summary>
    public double? DequantizedBitsPerDim { get; init; }

    /// <summary>Bits per dimension of an exact discrete likelihood of the 8-bit values, −log P(v) / (D ln 2), no dequantization.</summary>
    public double? EightBitBitsPerDim { get; init; }

    /// <summary>−<see cref="Elbo"/> / (D ln 2), the bound on <see cref="EightBitBitsPerDim"/>; set for an 8-bit likelihood only.</summary>
    public double? ElboBitsPerDim { get; init; }

    /// <summary>The convention of the NLL fields that are set; null when no NLL was measured.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public NllConvention? Convention =>
        NllNats is not null ? NllConvention.Discrete
        : DequantizedBitsPerDim is not null ? NllConvention.Dequantized8Bit
        : EightBitBitsPerDim is not null ? NllConvention.Discrete8Bit
        : null;

    /// <summary>L, the latent dimensions of the model.</summary>
    public int? LatentDimensions { get; init; }

    /// <summary>Latent dimensions whose posterior mean varies with x (Cov_x E_q[z_l] above <see cref="ActiveUnitThreshold"/>).</summary>
    public int? ActiveUnits { get; init; }

    /// <summary>The activity threshold used for <see cref="ActiveUnits"/> (0.01 in Burda et al.).</summary>
    public double? ActiveUnitThreshold { get; init; }

    /// <summary>Mean KL per latent dimension, sorted descending: [L].</summary>
    public double[]? KlPerDimension { get; init; }

    /// <summary>The images every probe's features are computed from: <see cref="GreyLevelProbeImages"/>.</summary>
    public string? ProbeImages { get; init; }

    /// <summary>What <see cref="ProbeImages"/> says: the probes use the 8-bit intensities, never binarized ones.</summary>
    public const string GreyLevelProbeImages = "grey levels (8-bit intensities, not binarized)";

    /// <summary>Linear-probe test accuracy on the latent means of the grey-level images.</summary>
    public double? ProbeAccuracyLatent { get; init; }

    /// <summary>Linear-probe test accuracy on PCA features of the same size as the latent, of the grey-level images.</summary>
    public double? ProbeAccuracyPca { get; init; }

    /// <summary>Linear-probe test accuracy on the raw 8-bit pixels (intensities k / 255).</summary>
    public double? ProbeAccuracyPixels { get; init; }

    /// <summary>The out-of-distribution set of the outlier scores, e.g. "mnist".</summary>
    public string? OutOfDistribution { get; init; }

    /// <summary>AUROC of the raw score −log p(x) (higher = more anomalous; below 0.5 ranks the wrong way).</summary>
    public double? AurocLikelihood { get; init; }

    /// <summary>The background model of the likelihood-ratio score: "pixels" or "compression".</summary>
    public string? OutlierBackground { get; init; }

    /// <summary>AUROC of the likelihood-ratio score −(log p(x) − log p_background(x)).</summary>
    public double? AurocRatio { get; init; }

    /// <summary>False-positive rate at 95% true-positive rate of the raw score.</summary>
    public double? FprAt95Likelihood { get; init; }

    /// <summary>False-positive rate at 95% true-positive rate of the ratio score.</summary>
    public double? FprAt95Ratio { get; init; }

    /// <summary>k of the hierarchical likelihood-ratio score LLR&gt;k: the lowest layers its second bound takes from the prior.</summary>
    public int? LlrPriorLayers { get; init; }

    /// <summary>K, importance samples per image of each bound of LLR&gt;k.</summary>
    public int? LlrSamples { get; init; }

    /// <summary>Whether the second bound of LLR&gt;k set its lowest k layers to the prior's means (true) or drew them (false).</summary>
    public bool? LlrPriorMean { get; init; }

    /// <summary>AUROC of LLR&gt;k = L(x) − L&gt;k(x) (Havtorn et al. 2021), for models with several latent layers.</summary>
    public double? AurocLlr { get; init; }

    /// <summary>False-positive rate at 95% true-positive rate of LLR&gt;k.</summary>
    public double? FprAt95Llr { get; init; }

    /// <summary>
    /// AUROC of the model-free score log p_pixels(x), independent Bernoulli pixels fitted on the training images
    /// (<see cref="PixelBernoulliBackground"/>), on the same in and out images, in whichever direction (too likely or too
    /// unlikely = outlier) separates them better, so at least 0.5: what a model's score must beat.
    /// </summary>
    public double? AurocPixelBaseline { get; init; }

    /// <summary>
    /// AUROC of the model-free score PNG-compressed length (<see cref="CompressionBackground"/>), on the same in and out
    /// images, in whichever direction (too short or too long = outlier) separates them better, so at least 0.5.
    /// </summary>
    public double? AurocCompressionBaseline { get; init; }

    /// <summary>Wall-clock seconds of the whole evaluation.</summary>
    public double Seconds { get; init; }

    /// <summary>Wall-clock seconds of each part (e.g. "elbo", "nll", "probe", "outliers"), in the order they ran.</summary>
    public IReadOnlyDictionary<string, double>? SecondsByPart { get; init; }

    /// <summary>What the numbers mean or why some are missing (a skipped out-of-distribution set, a convention), one line each.</summary>
    public IReadOnlyList<string>? Notes { get; init; }

    /// <summary>This report with <paramref name="nll"/> in the fields of its convention (and the other convention's cleared).</summary>
    public EvaluationReport WithNll(NllEstimate nll)
    {
        ArgumentNullException.ThrowIfNull(nll);
        return nll.Convention switch
        {
            NllConvention.Discrete => this with
            {
                NllNats = nll.NatsPerImage, NllBitsPerDim = nll.BitsPerDim, DequantizedBitsPerDim = null, EightBitBitsPerDim = null, ElboBitsPerDim = null,
                NllStandardError = nll.StandardError, NllSamples = nll.Samples, NllPerImage = nll.PerImage,
            },
            NllConvention.Dequantized8Bit => this with
            {
                NllNats = null, NllBitsPerDim = null, DequantizedBitsPerDim = nll.BitsPerDim, EightBitBitsPerDim = null, ElboBitsPerDim = null,
                NllStandardError = nll.StandardError, NllSamples = nll.Samples, NllPerImage = nll.PerImage,
            },
            NllConvention.Discrete8Bit => this with
            {
                NllNats = null, NllBitsPerDim = null, DequantizedBitsPerDim = null, EightBitBitsPerDim = nll.BitsPerDim,
                ElboBitsPerDim = Elbo is double elbo ? -elbo / (nll.Dimensions * Math.Log(2)) : null,
                NllStandardError = nll.StandardError, NllSamples = nll.Samples, NllPerImage = nll.PerImage,
            },
            _ => throw new ArgumentOutOfRangeException(nameof(nll), nll.Convention, "unknown NLL convention"),
        };
    }
}
