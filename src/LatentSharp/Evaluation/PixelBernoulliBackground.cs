namespace LatentSharp.Evaluation;

/// <summary>
/// The background model of the likelihood-ratio outlier score: independent Bernoulli pixels, p_j = the (smoothed) mean of
/// pixel j over the training images. Shapes: <c>B</c> rows, <c>D</c> pixels.
/// </summary>
/// <remarks>
/// Why this one: raw VAE likelihoods on binarized images are dominated by per-pixel statistics, above all the number of
/// "off" pixels, which is why MNIST digits (mostly black) score as more likely than Fashion-MNIST itself. This model
/// captures exactly those statistics of the training data and nothing of its shapes, so
/// log p_model − log p_background measures how much better the model explains an image than pixel marginals do —
/// large for Fashion-MNIST images, small for digits. It is the pixel-level analogue of the background model of
/// Ren et al. (2019), which likewise is meant to capture population-level background statistics only.
/// For binary x the log-probability is exact; for x in [0, 1] it is the cross-entropy form Σ x log p + (1 − x) log(1 − p).
/// </remarks>
public sealed class PixelBernoulliBackground
{
    private readonly double[] _logP;    // [D] log p_j
    private readonly double[] _log1mP;  // [D] log (1 − p_j)

    private PixelBernoulliBackground(double[] probabilities)
    {
        Probabilities = probabilities;
        _logP = probabilities.Select(p => Math.Log(p)).ToArray();
        _log1mP = probabilities.Select(p => Math.Log(1 - p)).ToArray();
    }

    /// <summary>p_j per pixel: [D], strictly inside (0, 1).</summary>
    public double[] Probabilities { get; }

    /// <summary>D, the number of pixels.</summary>
    public int Dimensions => Probabilities.Length;

    /// <summary>
    /// Fits p_j = (Σ_i x_ij + α) / (n + 2α) on <paramref name="data"/> [n, d] (values in [0, 1]); the add-α smoothing keeps a
    /// pixel never seen on from giving an infinite penalty.
    /// </summary>
    public static PixelBernoulliBackground Fit(float[] data, int n, int d, double smoothing = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        if (!(smoothing > 0)) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "must be positive");
        if (data.Length < (long)n * d) throw new ArgumentException($"{n} rows of {d} need {(long)n * d} values, got {data.Length}.", nameof(data));
        var sums = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) sums[j] += data[i * d + j];
        var p = new double[d];
        for (int j = 0; j < d; j++) p[j] = (sums[j] + smoothing) / (n + 2 * smoothing);
        return new PixelBernoulliBackground(p);
    }

    /// <summary>log p_background(x) per row of <paramref name="x"/> [b, D]: [b], in nats.</summary>
    public double[] LogLikelihood(float[] x, int b)
    {
        ArgumentNullException.ThrowIfNull(x);
        int d = Dimensions;
        if (x.Length < (long)b * d) throw new ArgumentException($"{b} rows of {d} need {(long)b * d} values, got {x.Length}.", nameof(x));
        var result = new double[b];
        for (int i = 0; i < b; i++)
        {
            double sum = 0;
            for (int j = 0; j < d; j++)
            {
                double v = x[i * d + j];
                sum += v * _logP[j] + (1 - v) * _log1mP[j];
            }
            result[i] = sum;
        }
        return result;
    }
}
