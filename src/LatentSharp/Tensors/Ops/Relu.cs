using LatentSharp.Kernels;
using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    // Elements per core below which an elementwise pass (ReLU, sigmoid) stays on the calling thread (waking a worker costs more).
    private const int ElementsPerThread = 1 << 16;

    /// <summary>max(x, 0), elementwise. The gradient at exactly 0 is taken as 0.</summary>
    public unsafe Tensor Relu()
    {
        Tensor x = this;
        Tensor y = EmptyLike(x);
        // Both passes are shared out over the cores in ranges of elements: a conv VAE's activations (10⁵–10⁶ values) took
        // them on one core while the other waited for the next convolution.
        Elementwise(x._data.AsSpan(0, x.Length), y._data, &ReluRange);
        return y.Recorded(() =>
        {
            // y = max(x, 0)  =>  dx += g where x > 0
            if (x.GradToAccumulate(out bool overwrite) is not { } gx) return;
            PassWherePositive(x._data.AsSpan(0, x.Length), y.OutputGrad, gx, overwrite);
        }, x);
    }

    /// <summary>max(data, 0) in place: a ReLU fused into the op that wrote the data, where that op has no row-by-row pass to apply it in.</summary>
    private static unsafe void ReluInPlace(Span<float> data) => Elementwise(data, data, &ReluRange);

    /// <summary>
    /// y[i] = f(x[i]) for every i of <paramref name="x"/>, where <paramref name="range"/> maps an <see cref="ElementwiseJob"/>'s
    /// X into its Y over [begin, end): shared out over the cores above <see cref="ElementsPerThread"/> per core (y may be x).
    /// </summary>
    private static unsafe void Elementwise(ReadOnlySpan<float> x, Span<float> y, delegate*<void*, int, int, void> range)
    {
        if (y.Length < x.Length) throw new ArgumentException("The output is shorter than the input.", nameof(y));
        fixed (float* px = x, py = y)
        {
            var job = new ElementwiseJob { X = px, Y = py };
            WorkerPool.RunRanges(x.Length, ElementsPerThread, range, &job);
        }
    }

    /// <summary>
    /// The gradient at the input of a ReLU fused into the op that made <paramref name="y"/>: y's gradient where y &gt; 0 (exactly
    /// where the input was), else 0, in a pooled buffer of at least y.Length floats, for <see cref="ConvBatch.Return"/>.
    /// </summary>
    private static float[] ReluInputGradient(Tensor y)
    {
        float[] g = ConvBatch.Rent(y.Length);
        PassWherePositive(y._data.AsSpan(0, y.Length), y.OutputGrad, g, overwrite: true);
        return g;
    }

    /// <summary>
    /// gx[i] (+)= x[i] &gt; 0 ? g[i] : 0 for every i of <paramref name="x"/> (written when <paramref name="overwrite"/>): the
    /// ReLU's backward rule, shared out over the cores like <see cref="Elementwise"/>.
    /// </summary>
    private static unsafe void PassWherePositive(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> gx, bool overwrite)
    {
        if (g.Length < x.Length || gx.Length < x.Length) throw new ArgumentException("The gradients are shorter than the input.");
        fixed (float* px = x, pg = g, pgx = gx)
        {
            var job = new ElementwiseJob { X = px, G = pg, Gx = pgx, Overwrite = overwrite };
            WorkerPool.RunRanges(x.Length, ElementsPerThread, &ReluGradRange, &job);
        }
    }

    /// <summary>One elementwise pass: raw pointers, because the state lives on the caller's stack while the workers run.</summary>
    private unsafe struct ElementwiseJob
    {
        public float* X, Y, G, Gx;
        public bool Overwrite;
    }

    private static unsafe void ReluRange(void* state, int begin, int end)
    {
        var job = (ElementwiseJob*)state;
        TensorPrimitives.Max(new ReadOnlySpan<float>(job->X + begin, end - begin), 0f, new Span<float>(job->Y + begin, end - begin));
    }

    private static unsafe void ReluGradRange(void* state, int begin, int end)
    {
        var job = (ElementwiseJob*)state;
        Masked.PassWherePositive(new ReadOnlySpan<float>(job->X + begin, end - begin), new ReadOnlySpan<float>(job->G + begin, end - begin),
            new Span<float>(job->Gx + begin, end - begin), job->Overwrite);
    }
}
