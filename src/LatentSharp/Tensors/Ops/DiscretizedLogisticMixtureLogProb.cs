using LatentSharp.Kernels;
using System.Numerics;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>The log-scales of the discretized likelihoods are clamped to [min, max] (pixel units; the gradient is 0 outside).</summary>
    public const float DiscretizedMinLogScale = -10f, DiscretizedMaxLogScale = 10f;

    /// <summary>Half a bin: value v covers [(v − ½)/255, (v + ½)/255] in pixel units.</summary>
    private const float HalfBin = 0.5f / 255f;

    /// <summary>
    /// log p(v_d) of a mixture of K discretized logistics per position (PixelCNN++, Salimans et al. 2017), in pixel units:
    /// value v ∈ {0..255} has the bin [(v − ½)/255, (v + ½)/255], the bins of 0 and 255 reaching to −∞ and +∞, so the 256
    /// masses sum to 1. This [N, 3·K·D] is read as [N, 3, K, D]: the mixture logits, the means and the log-scales of the K
    /// components, each block class-major like a convolution's output channels. Log-scales are clamped to
    /// [<see cref="DiscretizedMinLogScale"/>, <see cref="DiscretizedMaxLogScale"/>]. <paramref name="values"/> as for
    /// <see cref="CategoricalLogProb"/>: M rows of D, row n of this scores row n mod M. [N, 3·K·D] → [N, D]
    /// <para>
    /// A bin's mass σ(a) − σ(b), a = (v/255 + ½/255 − μ)/s, b = (v/255 − ½/255 − μ)/s, is computed as
    /// log σ(a) + log σ(−b) + log(1 − e^−(a − b)), an identity with no cancellation (a − b = 1/(255·s) is formed directly),
    /// so no mid-point approximation is needed where the mass is tiny.
    /// </para>
    /// </summary>
    public unsafe Tensor DiscretizedLogisticMixtureLogProb(byte[] values, int components)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(components, 64);
        Tensor p = this;
        (int n, int d, int m) = PixelParameterShape(p, 3 * components, values, nameof(DiscretizedLogisticMixtureLogProb));
        Tensor y = Empty([n, d]);
        fixed (float* pp = p._data, py = y._data)
        fixed (byte* pv = values)
        {
            var state = new PixelState { Parameters = pp, Values = pv, Y = py, ValueRows = m, D = d, Components = components };
            WorkerPool.RunRanges(n, RowsPerPart(16 * components * d), &LogisticMixtureRows, &state, alignment: 1);
        }
        return y.Recorded(() =>
        {
            if (p.GradToAccumulate(out bool overwrite) is not { } gp) return;
            fixed (float* pp = p._data, pg = y.OutputGrad, pgp = gp)
            fixed (byte* pv = values)
            {
                var state = new PixelState
                {
                    Parameters = pp, Values = pv, G = pg, Grad = pgp, Overwrite = overwrite,
                    ValueRows = m, D = d, Components = components,
                };
                WorkerPool.RunRanges(n, RowsPerPart(16 * components * d), &LogisticMixtureRows, &state, alignment: 1);
            }
        }, p);
    }

    /// <summary>(N, D, M) for parameters [N, P·D] and values of M rows of D that the N rows repeat; throws otherwise.</summary>
    private static (int N, int D, int M) PixelParameterShape(Tensor p, int perValue, byte[] values, string op)
    {
        if (p.Rank != 2 || p._shape[0] == 0 || p._shape[1] == 0 || p._shape[1] % perValue != 0)
            throw new ArgumentException($"{op} takes {perValue} parameters per value, [N, {perValue}·D]; got {ShapeText(p._shape)}.");
        int n = p._shape[0], d = p._shape[1] / perValue, m = values.Length / d;
        if (values.Length % d != 0 || m == 0 || n % m != 0)
            throw new ArgumentException($"{op}: {values.Length} values are not rows of D = {d} that the {n} parameter rows repeat.", nameof(values));
        return (n, d, m);
    }

    /// <summary>The state of a per-position likelihood's parts: forward when <see cref="G"/> is null, backward otherwise.</summary>
    private unsafe struct PixelState
    {
        public float* Parameters, Y, G, Grad;
        public byte* Values;
        public bool Overwrite;
        public int ValueRows, D, Components;
    }

    private static unsafe void LogisticMixtureRows(void* pointer, int start, int end)
    {
        var s = (PixelState*)pointer;
        int k = s->Components, d = s->D, width = Vector<float>.Count;
        Span<Vector<float>> alpha = stackalloc Vector<float>[k], mu = stackalloc Vector<float>[k], logScale = stackalloc Vector<float>[k];
        Span<Vector<float>> logJoint = stackalloc Vector<float>[k];
        Span<float> lanes = stackalloc float[width];
        for (int row = start; row < end; row++)
        {
            float* p = s->Parameters + (long)row * 3 * k * d;
            byte* v = s->Values + (long)(row % s->ValueRows) * d;
            for (int i = 0; i < d; i += width)
            {
                int count = Math.Min(width, d - i);
                for (int c = 0; c < k; c++)
                {
                    alpha[c] = Load(p + c * d + i, count, lanes);
                    mu[c] = Load(p + (k + c) * d + i, count, lanes);
                    logScale[c] = Load(p + (2 * k + c) * d + i, count, lanes);
                }
                for (int lane = 0; lane < width; lane++) lanes[lane] = lane < count ? v[i + lane] : 0f;
                var value = new Vector<float>(lanes);
                var centre = value * (1f / 255f);
                var notLow = Vector.GreaterThan(value, Vector<float>.Zero);
                var notHigh = Vector.LessThan(value, new Vector<float>(255f));

                var maxAlpha = alpha[0];
                for (int c = 1; c < k; c++) maxAlpha = Vector.Max(maxAlpha, alpha[c]);
                var sumAlpha = Vector<float>.Zero;
                for (int c = 0; c < k; c++) sumAlpha += Vector.Exp(alpha[c] - maxAlpha);
                var logNormalizer = maxAlpha + Vector.Log(sumAlpha);   // log Σ_c e^α_c

                for (int c = 0; c < k; c++)
                {
                    var bin = new LogisticBin(centre, mu[c], logScale[c], notLow, notHigh);
                    logJoint[c] = alpha[c] - logNormalizer + bin.LogMass;
                }
                var maxJoint = logJoint[0];
                for (int c = 1; c < k; c++) maxJoint = Vector.Max(maxJoint, logJoint[c]);
                maxJoint = Vector.ConditionalSelect(Vector.Equals(maxJoint, new Vector<float>(float.NegativeInfinity)), Vector<float>.Zero, maxJoint);
                var sumJoint = Vector<float>.Zero;
                for (int c = 0; c < k; c++) sumJoint += Vector.Exp(logJoint[c] - maxJoint);
                var total = maxJoint + Vector.Log(sumJoint);   // log Σ_c π_c·P_c(v)

                if (s->G is null)
                {
                    Store(total, s->Y + (long)row * d + i, count, lanes);
                    continue;
                }
                // with the responsibility r_c = π_c·P_c(v) / p(v):  dα_c = g·(r_c − π_c),  dμ_c = g·r_c·∂log P_c/∂μ_c,  dℓ_c likewise
                var g = Load(s->G + (long)row * d + i, count, lanes);
                float* grad = s->Grad + (long)row * 3 * k * d;
                for (int c = 0; c < k; c++)
                {
                    var bin = new LogisticBin(centre, mu[c], logScale[c], notLow, notHigh);
                    var weighted = g * Vector.Exp(logJoint[c] - total);
                    var prior = Vector.Exp(alpha[c] - logNormalizer);
                    AccumulateLanes(weighted - g * prior, grad + c * d + i, count, s->Overwrite, lanes);
                    AccumulateLanes(weighted * bin.DMean(), grad + (k + c) * d + i, count, s->Overwrite, lanes);
                    AccumulateLanes(weighted * bin.DLogScale(), grad + (2 * k + c) * d + i, count, s->Overwrite, lanes);
                }
            }
        }
    }

    /// <summary>
    /// One discretized logistic's bin, lane by lane: log P(v) = [v ≠ 255]·log σ(a) + [v ≠ 0]·log σ(−b) + [0 &lt; v &lt; 255]·log(1 − e^−w),
    /// with a = (v/255 + ½/255 − μ)/s, b = (v/255 − ½/255 − μ)/s and w = a − b = 1/(255·s), and its derivatives.
    /// </summary>
    private readonly struct LogisticBin
    {
        private readonly Vector<float> _a, _b, _w, _inverseScale, _oneMinusExpW;
        private readonly Vector<int> _notLow, _notHigh, _interior, _scaleFree;

        public LogisticBin(Vector<float> centre, Vector<float> mean, Vector<float> logScale, Vector<int> notLow, Vector<int> notHigh)
        {
            var clamped = Vector.Min(Vector.Max(logScale, new Vector<float>(DiscretizedMinLogScale)), new Vector<float>(DiscretizedMaxLogScale));
            _scaleFree = Vector.Equals(clamped, logScale);
            _inverseScale = Vector.Exp(-clamped);
            var offset = centre - mean;
            _a = (offset + new Vector<float>(HalfBin)) * _inverseScale;
            _b = (offset - new Vector<float>(HalfBin)) * _inverseScale;
            _w = new Vector<float>(2 * HalfBin) * _inverseScale;
            _notLow = notLow;
            _notHigh = notHigh;
            _interior = notLow & notHigh;
            _oneMinusExpW = OneMinusExpNegative(_w);
        }

        public Vector<float> LogMass =>
            Vector.ConditionalSelect(_notHigh, LogSigmoid(_a), Vector<float>.Zero)
            + Vector.ConditionalSelect(_notLow, LogSigmoid(-_b), Vector<float>.Zero)
            + Vector.ConditionalSelect(_interior, Vector.Log(_oneMinusExpW), Vector<float>.Zero);

        // ∂/∂μ = −(1/s)·(σ(−a)·[v ≠ 255] − σ(b)·[v ≠ 0]); the (1 − e^−w) term does not depend on μ
        public Vector<float> DMean() => -_inverseScale * (UpperSlope - LowerSlope);

        // ∂/∂ℓ = −a·σ(−a)·[v ≠ 255] + b·σ(b)·[v ≠ 0] − [interior]·w·e^−w / (1 − e^−w), 0 where ℓ is clamped
        public Vector<float> DLogScale()
        {
            var widthTerm = Vector.ConditionalSelect(_interior, _w * Vector.Exp(-_w) / _oneMinusExpW, Vector<float>.Zero);
            var d = -_a * UpperSlope + _b * LowerSlope - widthTerm;
            return Vector.ConditionalSelect(_scaleFree, d, Vector<float>.Zero);
        }

        private Vector<float> UpperSlope => Vector.ConditionalSelect(_notHigh, Vector<float>.One / (Vector<float>.One + Vector.Exp(_a)), Vector<float>.Zero);   // σ(−a)

        private Vector<float> LowerSlope => Vector.ConditionalSelect(_notLow, Vector<float>.One / (Vector<float>.One + Vector.Exp(-_b)), Vector<float>.Zero);   // σ(b)
    }

    /// <summary>log σ(x) = min(x, 0) − log1p(e^−|x|), per lane.</summary>
    private static Vector<float> LogSigmoid(Vector<float> x) => Vector.Min(x, Vector<float>.Zero) - PreciseMath.Log1p(Vector.Exp(-Vector.Abs(x)));

    /// <summary>1 − e^−w = −expm1(−w) for w &gt; 0, accurate for tiny w (Kahan: with u = fl(e^−w), (1 − u)·w / −log u).</summary>
    private static Vector<float> OneMinusExpNegative(Vector<float> w)
    {
        var u = Vector.Exp(-w);
        var r = (Vector<float>.One - u) * (w / -Vector.Log(u));
        r = Vector.ConditionalSelect(Vector.Equals(u, Vector<float>.One), w, r);
        return Vector.ConditionalSelect(Vector.Equals(u, Vector<float>.Zero), Vector<float>.One, r);
    }

    /// <summary>The <paramref name="count"/> floats at <paramref name="source"/> as a vector, the other lanes 0.</summary>
    private static unsafe Vector<float> Load(float* source, int count, Span<float> lanes)
    {
        if (count == Vector<float>.Count) return new Vector<float>(new ReadOnlySpan<float>(source, count));
        lanes.Clear();
        new ReadOnlySpan<float>(source, count).CopyTo(lanes);
        return new Vector<float>(lanes);
    }

    /// <summary>Writes the first <paramref name="count"/> lanes of <paramref name="value"/> to <paramref name="destination"/>.</summary>
    private static unsafe void Store(Vector<float> value, float* destination, int count, Span<float> lanes)
    {
        if (count == Vector<float>.Count)
        {
            value.CopyTo(new Span<float>(destination, count));
            return;
        }
        value.CopyTo(lanes);
        lanes[..count].CopyTo(new Span<float>(destination, count));
    }

    /// <summary>destination (+)= the first <paramref name="count"/> lanes of <paramref name="value"/>; = when <paramref name="overwrite"/>.</summary>
    private static unsafe void AccumulateLanes(Vector<float> value, float* destination, int count, bool overwrite, Span<float> lanes)
    {
        if (!overwrite) value += Load(destination, count, lanes);
        Store(value, destination, count, lanes);
    }
}
