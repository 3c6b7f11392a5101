using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using LatentSharp.Kernels;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// log N(z_b; μ_k, diag exp(logVariances_k)) for every row b of <paramref name="z"/> [B, L] and every component k of
    /// <paramref name="means"/> and <paramref name="logVariances"/> [K, L]: [B, K], the component densities of a mixture prior.
    /// </summary>
    /// <remarks>
    /// Broadcasting <see cref="GaussianLogDensity"/> over [B, 1, L] × [K, L] gives the same numbers but builds and sums a
    /// [B, K, L] tensor: 100 million values for one chunk of the K = 5000 evaluation with 500 components. Here each entry
    /// accumulates Σ_l (z − μ)²·e^−logVar in place, vectorized over the components (the means and precisions are
    /// transposed to [L, K] once per call). The square is of the difference, never expanded into z² − 2zμ + μ², which
    /// would cancel in float32 for narrow components.
    /// </remarks>
    public static Tensor GaussianComponentLogDensities(Tensor z, Tensor means, Tensor logVariances)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(logVariances);
        if (z.Rank != 2 || means.Rank != 2 || !means._shape.AsSpan().SequenceEqual(logVariances._shape) || means.Dim(1) != z.Dim(1))
            throw new ArgumentException(
                $"{nameof(GaussianComponentLogDensities)}: z must be [B, L] and the means and log-variances the same [K, L]; "
                + $"got z {ShapeText(z._shape)}, means {ShapeText(means._shape)}, log-variances {ShapeText(logVariances._shape)}.");
        int rows = z.Dim(0), size = z.Dim(1), components = means.Dim(0);
        Tensor y = Empty([rows, components]);
        var layout = ComponentLayout.Of(means, logVariances, components, size);
        ComponentLogDensitiesForward(z._data, layout, rows, y._data);
        return y.Recorded(() =>
        {
            using var again = ComponentLayout.Of(means, logVariances, components, size);
            ComponentLogDensitiesBackward(z, means, logVariances, again, rows, y.OutputGrad);
        }, [z, means, logVariances]);
    }

    /// <summary>The components transposed to [L, K] (means, precisions e^−logVar) and −½(Σ_l logVar + L log 2π) per component.</summary>
    private readonly struct ComponentLayout : IDisposable
    {
        public readonly Scratch MeansT, PrecisionsT, Offsets;
        public readonly int Components, Size;

        private ComponentLayout(Scratch meansT, Scratch precisionsT, Scratch offsets, int components, int size)
        {
            (MeansT, PrecisionsT, Offsets, Components, Size) = (meansT, precisionsT, offsets, components, size);
        }

        public static ComponentLayout Of(Tensor means, Tensor logVariances, int components, int size)
        {
            var layout = new ComponentLayout(Scratch.Rent(size * components), Scratch.Rent(size * components), Scratch.Rent(components), components, size);
            Span<float> mt = layout.MeansT.Span, pt = layout.PrecisionsT.Span, offsets = layout.Offsets.Span;
            float[] m = means._data, lv = logVariances._data;
            for (int k = 0; k < components; k++)
            {
                float sum = 0;
                for (int l = 0; l < size; l++)
                {
                    float logVariance = lv[k * size + l];
                    mt[l * components + k] = m[k * size + l];
                    pt[l * components + k] = MathF.Exp(-logVariance);
                    sum += logVariance;
                }
                offsets[k] = -0.5f * (sum + size * Log2Pi);
            }
            return layout;
        }

        public void Dispose()
        {
            MeansT.Dispose();
            PrecisionsT.Dispose();
            Offsets.Dispose();
        }
    }

    private static unsafe void ComponentLogDensitiesForward(float[] z, in ComponentLayout layout, int rows, float[] y)
    {
        long work = (long)rows * layout.Components * layout.Size;
        int parts = work < 1 << 16 ? 1 : Math.Min(Threading.MaxThreads, rows);
        fixed (float* pz = z, py = y, pm = layout.MeansT.Span, pp = layout.PrecisionsT.Span, po = layout.Offsets.Span)
        {
            var job = new ComponentLogDensitiesJob(pz, py, pm, pp, po, rows, layout.Components, layout.Size, parts);
            WorkerPool.Run(parts, &ComponentLogDensitiesPart, &job);
        }
    }

    /// <summary>One parallel forward call; raw pointers because the state lives on the caller's stack while the workers run.</summary>
    private readonly unsafe struct ComponentLogDensitiesJob(float* z, float* y, float* meansT, float* precisionsT, float* offsets, int rows, int components, int size, int parts)
    {
        public readonly float* Z = z, Y = y, MeansT = meansT, PrecisionsT = precisionsT, Offsets = offsets;
        public readonly int Rows = rows, Components = components, Size = size, Parts = parts;
    }

    private static unsafe void ComponentLogDensitiesPart(void* state, int part)
    {
        ref readonly ComponentLogDensitiesJob job = ref *(ComponentLogDensitiesJob*)state;
        int k = job.Components;
        int begin = job.Rows * part / job.Parts, end = job.Rows * (part + 1) / job.Parts;
        var offsets = new ReadOnlySpan<float>(job.Offsets, k);
        for (int b = begin; b < end; b++)
        {
            var row = new Span<float>(job.Y + (long)b * k, k);
            row.Clear();
            for (int l = 0; l < job.Size; l++)
                AccumulateSquaredDistance(job.Z[(long)b * job.Size + l], job.MeansT + (long)l * k, job.PrecisionsT + (long)l * k, job.Y + (long)b * k, k);
            TensorPrimitives.MultiplyAdd(row, -0.5f, offsets, row);
        }
    }

    /// <summary>acc[k] += (z − mean[k])²·precision[k] for k &lt; n.</summary>
    private static unsafe void AccumulateSquaredDistance(float z, float* mean, float* precision, float* acc, int n)
    {
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var zv = Vector256.Create(z);
            for (; k <= n - Vector256<float>.Count; k += Vector256<float>.Count)
            {
                Vector256<float> d = zv - Vector256.Load(mean + k);
                Vector256.FusedMultiplyAdd(d * Vector256.Load(precision + k), d, Vector256.Load(acc + k)).Store(acc + k);
            }
        }
        for (; k < n; k++)
        {
            float d = z - mean[k];
            acc[k] = MathF.FusedMultiplyAdd(d * precision[k], d, acc[k]);
        }
    }

    // With d = z − μ, p = e^−logVar and g the output gradient: ∂/∂z = −g·d·p, ∂/∂μ = g·d·p, ∂/∂logVar = ½·g·(d²·p − 1).
    private static void ComponentLogDensitiesBackward(Tensor z, Tensor means, Tensor logVariances, in ComponentLayout layout, int rows, float[] g)
    {
        float[]? gz = z.GradToAccumulate(), gm = means.GradToAccumulate(), glv = logVariances.GradToAccumulate();
        int k = layout.Components, size = layout.Size;
        using var meanGradT = Scratch.Rent(size * k);
        using var logVarianceGradT = Scratch.Rent(size * k);
        using var term = Scratch.Rent(k);
        using var d = Scratch.Rent(k);
        meanGradT.Span.Clear();
        logVarianceGradT.Span.Clear();
        ReadOnlySpan<float> mt = layout.MeansT.Span, pt = layout.PrecisionsT.Span;
        for (int b = 0; b < rows; b++)
        {
            ReadOnlySpan<float> gRow = g.AsSpan(b * k, k);
            for (int l = 0; l < size; l++)
            {
                // d = z − μ (negated subtraction of the mean row), term = g·d·p
                TensorPrimitives.Subtract(mt.Slice(l * k, k), z._data[b * size + l], d.Span);
                TensorPrimitives.Negate(d.Span, d.Span);
                TensorPrimitives.Multiply(d.Span, pt.Slice(l * k, k), term.Span);
                TensorPrimitives.Multiply(term.Span, gRow, term.Span);
                if (gz is not null) gz[b * size + l] -= TensorPrimitives.Sum(term.Span);
                Span<float> meanGrad = meanGradT.Span.Slice(l * k, k);
                TensorPrimitives.Add(meanGrad, term.Span, meanGrad);
                Span<float> logVarianceGrad = logVarianceGradT.Span.Slice(l * k, k);
                TensorPrimitives.MultiplyAdd(term.Span, d.Span, logVarianceGrad, logVarianceGrad);
            }
        }
        if (gm is null && glv is null) return;
        using var gSum = Scratch.Rent(k);
        gSum.Span.Clear();
        for (int b = 0; b < rows; b++) TensorPrimitives.Add(gSum.Span, g.AsSpan(b * k, k), gSum.Span);
        for (int c = 0; c < k; c++)
        for (int l = 0; l < size; l++)
        {
            if (gm is not null) gm[c * size + l] += meanGradT.Span[l * k + c];
            if (glv is not null) glv[c * size + l] += 0.5f * (logVarianceGradT.Span[l * k + c] - gSum.Span[c]);
        }
    }
}
