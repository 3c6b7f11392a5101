using LatentSharp.Kernels;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    private const double LogSqrt2Pi = 0.91893853320467274178;

    /// <summary>
    /// log p(v_d) of a discretized Gaussian per position, in pixel units: value v ∈ {0..255} has the bin
    /// [(v − ½)/255, (v + ½)/255], the bins of 0 and 255 reaching to −∞ and +∞, so the 256 masses sum to 1. This [N, 2·D] is
    /// read as [N, 2, D]: the means, then the log standard deviations ℓ (clamped to [<see cref="DiscretizedMinLogScale"/>,
    /// <see cref="DiscretizedMaxLogScale"/>]). <paramref name="values"/> as for <see cref="CategoricalLogProb"/>.
    /// [N, 2·D] → [N, D]
    /// <para>
    /// A bin's mass Φ(a) − Φ(b) is taken in double from log Φ, on the side of the mean where the tail is small
    /// (log Φ(a) + log(1 − e^(log Φ(b) − log Φ(a))) below it, the mirror image above it), so masses far in a tail stay finite
    /// and relatively accurate; log Φ comes from a closed form for log erfc accurate to 1.2e-7 relatively.
    /// </para>
    /// </summary>
    public unsafe Tensor DiscretizedGaussianLogProb(byte[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Tensor p = this;
        (int n, int d, int m) = PixelParameterShape(p, 2, values, nameof(DiscretizedGaussianLogProb));
        Tensor y = Empty([n, d]);
        fixed (float* pp = p._data, py = y._data)
        fixed (byte* pv = values)
        {
            var state = new PixelState { Parameters = pp, Values = pv, Y = py, ValueRows = m, D = d, Components = 1 };
            WorkerPool.RunRanges(n, RowsPerPart(64 * d), &DiscretizedGaussianRows, &state, alignment: 1);
        }
        return y.Recorded(() =>
        {
            if (p.GradToAccumulate(out bool overwrite) is not { } gp) return;
            fixed (float* pp = p._data, pg = y.OutputGrad, pgp = gp)
            fixed (byte* pv = values)
            {
                var state = new PixelState { Parameters = pp, Values = pv, G = pg, Grad = pgp, Overwrite = overwrite, ValueRows = m, D = d, Components = 1 };
                WorkerPool.RunRanges(n, RowsPerPart(64 * d), &DiscretizedGaussianRows, &state, alignment: 1);
            }
        }, p);
    }

    private static unsafe void DiscretizedGaussianRows(void* pointer, int start, int end)
    {
        var s = (PixelState*)pointer;
        int d = s->D;
        for (int row = start; row < end; row++)
        {
            float* mean = s->Parameters + (long)row * 2 * d, logScale = mean + d;
            byte* v = s->Values + (long)(row % s->ValueRows) * d;
            for (int i = 0; i < d; i++)
            {
                double clamped = Math.Clamp(logScale[i], DiscretizedMinLogScale, DiscretizedMaxLogScale);
                double inverseScale = Math.Exp(-clamped), offset = v[i] / 255.0 - mean[i];
                double a = (offset + HalfBin) * inverseScale, b = (offset - HalfBin) * inverseScale;
                bool low = v[i] == 0, high = v[i] == 255;
                double logMass = DiscretizedGaussianLogMass(a, b, low, high);
                if (s->G is null)
                {
                    s->Y[(long)row * d + i] = (float)logMass;
                    continue;
                }
                // with ∂log P/∂a = φ(a)/P and ∂log P/∂b = −φ(b)/P:  dμ = −(∂a + ∂b)/s,  dℓ = −(a·∂a + b·∂b), 0 where ℓ is clamped
                double upper = high ? 0 : Math.Exp(-0.5 * a * a - LogSqrt2Pi - logMass);
                double lower = low ? 0 : -Math.Exp(-0.5 * b * b - LogSqrt2Pi - logMass);
                double g = s->G[(long)row * d + i];
                double dMean = -(upper + lower) * inverseScale;
                double dLogScale = clamped == logScale[i] ? -((high ? 0 : a * upper) + (low ? 0 : b * lower)) : 0;
                float* gradMean = s->Grad + (long)row * 2 * d + i, gradLogScale = gradMean + d;
                *gradMean = (float)(g * dMean) + (s->Overwrite ? 0f : *gradMean);
                *gradLogScale = (float)(g * dLogScale) + (s->Overwrite ? 0f : *gradLogScale);
            }
        }
    }

    /// <summary>log(Φ(a) − Φ(b)) for b &lt; a; Φ(b) is 0 for the lowest value's bin, Φ(a) is 1 for the highest's.</summary>
    internal static double DiscretizedGaussianLogMass(double a, double b, bool lowest, bool highest)
    {
        if (lowest && highest) return 0;
        if (lowest) return LogNormalCdf(a);
        if (highest) return LogNormalCdf(-b);
        if (a <= 0) return LogDifference(LogNormalCdf(a), LogNormalCdf(b));       // both below the mean: lower tail
        if (b >= 0) return LogDifference(LogNormalCdf(-b), LogNormalCdf(-a));     // both above: upper tail
        // The bin holds the mean: Φ(a) − Φ(b) = ½·(erf(a/√2) + erf(−b/√2)), two positive terms, nothing cancels.
        const double InverseSqrt2 = 0.70710678118654752440;
        return Math.Log(0.5 * (Erf(a * InverseSqrt2) + Erf(-b * InverseSqrt2)));
    }

    /// <summary>erf(z) for z ≥ 0: its Taylor series below ½ (where 1 − erfc would cancel), 1 − erfc(z) above.</summary>
    private static double Erf(double z)
    {
        if (z >= 0.5) return -PreciseMath.ExpM1(LogErfc(z));
        double z2 = z * z, term = z, sum = z;
        for (int n = 1; n <= 9; n++)
        {
            term *= -z2 / n;                  // (−1)^n z^(2n+1) / n!
            sum += term / (2 * n + 1);
        }
        return sum * 1.12837916709551257390;   // 2/√π
    }

    /// <summary>log(e^x − e^y) for y ≤ x.</summary>
    private static double LogDifference(double x, double y) => x + Math.Log(-PreciseMath.ExpM1(y - x));

    /// <summary>log Φ(x), finite for any finite x.</summary>
    internal static double LogNormalCdf(double x)
    {
        const double Ln2 = 0.69314718055994530942, InverseSqrt2 = 0.70710678118654752440;
        double z = x * InverseSqrt2;
        if (z <= 0) return LogErfc(-z) - Ln2;                           // Φ(x) = ½·erfc(−x/√2)
        return PreciseMath.Log1p(-0.5 * Math.Exp(LogErfc(z)));          // Φ(x) = 1 − ½·erfc(x/√2)
    }

    /// <summary>log erfc(z) for z ≥ 0 (Numerical Recipes' erfcc in log form: relative error of erfc below 1.2e-7 everywhere).</summary>
    private static double LogErfc(double z)
    {
        double t = 1 / (1 + 0.5 * z);
        double poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
            + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        return Math.Log(t) - z * z + poly;
    }
}
