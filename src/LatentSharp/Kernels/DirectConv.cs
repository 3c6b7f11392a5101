using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LatentSharp.Kernels;

/// <summary>
/// The forward of a stride-1 convolution computed straight from each image's zero-padded planes, with no column matrix
/// and no packing: the PixelCNN's layers (1×1, masked 3×3 and 7×7 at 16–64 channels) spent more time unfolding,
/// packing and scattering than multiplying (docs/benchmarks.md).
/// </summary>
/// <remarks>
/// With the input planes padded to width Wp = W + 2·padding, output (r, q) of every tap (i, j) reads padded position
/// (r + i)·Wp + q + j: over a "wide" output grid of Ho rows of Wp positions (the last kw − 1 of each row are computed and
/// dropped), each tap is one constant offset, so a run of consecutive outputs reads a run of consecutive inputs. A tile of
/// 4 output channels × 24 positions (12 ymm accumulators) takes, per (channel, tap), three input loads and four weight
/// broadcasts for twelve fused multiply-adds.
/// <para>
/// Each output is the chain fma(w[o, c·T + t], x, sum) over k = c·T + t in ascending order, from +0, then + bias: exactly
/// what the im2col + GEMM path computes when the depth C·T fits one of the GEMM's K slices (<see cref="MaxDepth"/>), so
/// both paths give the same bits, and the result does not depend on the thread count (images are shared out whole).
/// </para>
/// </remarks>
internal static unsafe class DirectConv
{
    /// <summary>Deepest C·T the direct path takes: one K slice of <see cref="Gemm"/>'s kernels, so that the bits match it.</summary>
    public const int MaxDepth = 256;

    private const int Rows = 4, Width = 24;   // the register tile: output channels × positions (3 ymm)

    /// <summary>Off in tests, to compare with the im2col + GEMM path.</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>True when <see cref="Forward"/> computes this convolution: stride 1, depth at most <see cref="MaxDepth"/>, the Vector256 FMA path.</summary>
    public static bool Applies(in Im2ColGeometry g) =>
        Enabled && g.Stride == 1 && g.Rows <= MaxDepth && g.Positions > 0 && Gemm.Resolve() == GemmPath.Vector256;

    /// <summary>
    /// y[n, o] = Σ_{c,t} weight[o, c·T + t] · x[n, c] at tap t (+ bias[o]) for <paramref name="images"/> images:
    /// x [N, C, H, W], weight [O, C·T] (the im2col row order), bias [O] or null, y [N, O, Ho, Wo].
    /// </summary>
    public static void Forward(in Im2ColGeometry g, int outChannels, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> y, int images)
    {
        if (!Applies(g)) throw new InvalidOperationException($"The direct convolution does not apply to {g}.");
        int depth = g.Rows, o = outChannels;
        if (x.Length < (long)images * g.ImageLength || y.Length < (long)images * o * g.Positions || weight.Length < o * depth
            || (!bias.IsEmpty && bias.Length < o))
            throw new ArgumentException($"Operands too short for {images} images of {g} into {o} channels.");

        // The weight with its rows padded to a multiple of the tile with zeros: the tile never reads past it.
        int paddedRows = (o + Rows - 1) / Rows * Rows;
        float[] tileWeight = ArrayPool<float>.Shared.Rent(paddedRows * depth);
        try
        {
            weight[..(o * depth)].CopyTo(tileWeight);
            tileWeight.AsSpan(o * depth, (paddedRows - o) * depth).Clear();
            int* offsets = stackalloc int[g.TapCount];
            int paddedWidth = g.Width + 2 * g.Padding;
            for (int t = 0; t < g.TapCount; t++)
            {
                int tap = g.Tap(t);
                offsets[t] = tap / g.Kw * paddedWidth + tap % g.Kw;
            }
            fixed (float* px = x, pw = tileWeight, pb = bias, py = y)
            {
                var job = new Job(g, o, paddedRows, px, pw, bias.IsEmpty ? null : pb, py, offsets, images,
                    Math.Max(1, Math.Min(Threading.MaxThreads, images)));
                WorkerPool.Run(job.Parts, &Part, &job);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tileWeight);
        }
    }

    /// <summary>One call: raw pointers, because the state lives on the caller's stack while the workers run.</summary>
    private readonly struct Job
    {
        public readonly Im2ColGeometry G;
        public readonly int O, PaddedRows, Images, Parts;
        public readonly float* X, W, Bias, Y;
        public readonly int PaddedWidth, WideLength, PlaneLength;   // Wp; the wide grid rounded up to the tile; one padded plane
        public readonly int* Offsets;                               // padded-plane offset of each tap

        public Job(Im2ColGeometry g, int o, int paddedRows, float* x, float* w, float* bias, float* y, int* offsets, int images, int parts)
        {
            G = g;
            O = o;
            PaddedRows = paddedRows;
            X = x;
            W = w;
            Bias = bias;
            Y = y;
            Images = images;
            Parts = parts;
            PaddedWidth = g.Width + 2 * g.Padding;
            int wide = g.OutHeight * PaddedWidth;
            WideLength = (wide + Width - 1) / Width * Width;
            // The last tile reads up to (kh − 1)·Wp + kw − 1 past the wide grid; the plane holds it (zeros past the image).
            PlaneLength = (WideLength + (g.Kh - 1) * PaddedWidth + g.Kw - 1 + 7) / 8 * 8;
            Offsets = offsets;
        }
    }

    private static void Part(void* state, int part)
    {
        ref readonly Job job = ref *(Job*)state;
        Im2ColGeometry g = job.G;
        int begin = (int)((long)job.Images * part / job.Parts), end = (int)((long)job.Images * (part + 1) / job.Parts);
        if (begin == end) return;
        int c = g.Channels, plane = g.Height * g.Width, positions = g.Positions, depth = g.Rows;
        float[] padded = ArrayPool<float>.Shared.Rent(c * job.PlaneLength);
        float[] wide = ArrayPool<float>.Shared.Rent(job.PaddedRows * job.WideLength);
        int* offsets = job.Offsets;
        fixed (float* xp = padded, yw = wide)
        {
            new Span<float>(xp, c * job.PlaneLength).Clear();   // the borders stay zero; each image rewrites the interior
            for (int n = begin; n < end; n++)
            {
                float* image = job.X + (long)n * c * plane;
                for (int ch = 0; ch < c; ch++)
                for (int r = 0; r < g.Height; r++)
                    new ReadOnlySpan<float>(image + ch * plane + r * g.Width, g.Width)
                        .CopyTo(new Span<float>(xp + ch * job.PlaneLength + (r + g.Padding) * job.PaddedWidth + g.Padding, g.Width));

                for (int s = 0; s < job.WideLength; s += Width)
                for (int o = 0; o < job.PaddedRows; o += Rows)
                    Tile(xp + s, job.PlaneLength, c, offsets, g.TapCount, job.W + o * depth, depth, yw + o * job.WideLength + s, job.WideLength);

                // The valid columns of each wide row, plus the bias (added after the sum, as the GEMM path does).
                float* output = job.Y + (long)n * job.O * positions;
                for (int o = 0; o < job.O; o++)
                for (int r = 0; r < g.OutHeight; r++)
                {
                    var from = new ReadOnlySpan<float>(yw + o * job.WideLength + r * job.PaddedWidth, g.OutWidth);
                    var to = new Span<float>(output + o * positions + r * g.OutWidth, g.OutWidth);
                    if (job.Bias is null) from.CopyTo(to);
                    else System.Numerics.Tensors.TensorPrimitives.Add(from, job.Bias[o], to);
                }
            }
        }
        ArrayPool<float>.Shared.Return(wide);
        ArrayPool<float>.Shared.Return(padded);
    }

    /// <summary>
    /// y[r, 0:24] = Σ_{c,t} w[r, c·T + t] · x[c][offset_t + 0:24] for the tile's 4 rows, summed in ascending c·T + t.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(float* x, int planeLength, int channels, int* offsets, int taps, float* w, int depth, float* y, int ldy)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
        Vector256<float> c0 = default, c1 = default, c2 = default, d0 = default, d1 = default, d2 = default;
        float* w1 = w + depth, w2 = w1 + depth, w3 = w2 + depth;
        int k = 0;
        for (int ch = 0; ch < channels; ch++, x += planeLength)
        for (int t = 0; t < taps; t++, k++)
        {
            float* p = x + offsets[t];
            Vector256<float> x0 = Vector256.Load(p), x1 = Vector256.Load(p + 8), x2 = Vector256.Load(p + 16);
            Vector256<float> v = Vector256.Create(w[k]);
            a0 = Vector256.FusedMultiplyAdd(v, x0, a0);
            a1 = Vector256.FusedMultiplyAdd(v, x1, a1);
            a2 = Vector256.FusedMultiplyAdd(v, x2, a2);
            v = Vector256.Create(w1[k]);
            b0 = Vector256.FusedMultiplyAdd(v, x0, b0);
            b1 = Vector256.FusedMultiplyAdd(v, x1, b1);
            b2 = Vector256.FusedMultiplyAdd(v, x2, b2);
            v = Vector256.Create(w2[k]);
            c0 = Vector256.FusedMultiplyAdd(v, x0, c0);
            c1 = Vector256.FusedMultiplyAdd(v, x1, c1);
            c2 = Vector256.FusedMultiplyAdd(v, x2, c2);
            v = Vector256.Create(w3[k]);
            d0 = Vector256.FusedMultiplyAdd(v, x0, d0);
            d1 = Vector256.FusedMultiplyAdd(v, x1, d1);
            d2 = Vector256.FusedMultiplyAdd(v, x2, d2);
        }
        a0.Store(y); a1.Store(y + 8); a2.Store(y + 16);
        y += ldy;
        b0.Store(y); b1.Store(y + 8); b2.Store(y + 16);
        y += ldy;
        c0.Store(y); c1.Store(y + 8); c2.Store(y + 16);
        y += ldy;
        d0.Store(y); d1.Store(y + 8); d2.Store(y + 16);
    }
}
