using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LatentSharp.Kernels;

/// <summary>One stride-1 convolution for <see cref="DirectConv"/>: its geometry, weight [O, C·T] in the im2col row order, bias [O] or empty.</summary>
internal readonly ref struct DirectConvLayer(in Im2ColGeometry geometry, int outChannels, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
{
    public readonly Im2ColGeometry Geometry = geometry;
    public readonly int OutChannels = outChannels;
    public readonly ReadOnlySpan<float> Weight = weight;
    public readonly ReadOnlySpan<float> Bias = bias;
}

/// <summary>
/// The forward of stride-1 convolutions computed straight from each image's zero-padded planes, with no column matrix
/// and no packing: the PixelCNN's layers (1×1, masked 3×3 and 7×7 at 16–64 channels) spent more time unfolding,
/// packing and scattering than multiplying (docs/benchmarks.md). <see cref="Forward"/> runs one convolution;
/// <see cref="ResidualChain"/> runs a residual block's ReLU–convolution chain image by image, so that its intermediate
/// maps never leave the cache.
/// </summary>
/// <remarks>
/// With the input planes padded to width Wp = W + 2·padding, output (r, q) of every tap (i, j) reads padded position
/// (r + i)·Wp + q + j: over a "wide" output grid of Ho rows of Wp positions (the last kw − 1 of each row are computed and
/// dropped), each tap is one constant offset, so a run of consecutive outputs reads a run of consecutive inputs. A tile of
/// 4 output channels × 3 vectors of positions (12 accumulators: 24 positions in ymm, 48 in zmm where the GEMM runs its
/// Vector512 kernel) takes, per (channel, tap), three input loads and four weight broadcasts for twelve fused multiply-adds.
/// <para>
/// Each output is the chain fma(w[o, c·T + t], x, sum) over k = c·T + t in ascending order, from +0, then + bias: exactly
/// what the im2col + GEMM path computes when the depth C·T fits one of the GEMM's K slices (<see cref="MaxDepth"/>), and
/// the ReLUs and the residual sum are the same TensorPrimitives calls as the ops', so results match the composed ops bit
/// for bit, and do not depend on the thread count (images are shared out whole).
/// </para>
/// </remarks>
internal static unsafe class DirectConv
{
    /// <summary>Deepest C·T the direct path takes: one K slice of <see cref="Gemm"/>'s kernels, so that the bits match it.</summary>
    public const int MaxDepth = 256;

    // The register tile: 4 output channels × 3 vectors of positions (24 on the Vector256 path, 48 on the Vector512 one).
    private const int TileRows = 4;

    /// <summary>Off in tests, to compare with the im2col + GEMM path.</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>True when the direct path computes this convolution: stride 1, depth at most <see cref="MaxDepth"/>, a vector FMA path.</summary>
    public static bool Applies(in Im2ColGeometry g) =>
        Enabled && g.Stride == 1 && g.Rows <= MaxDepth && g.Positions > 0 && Gemm.Resolve() is GemmPath.Vector256 or GemmPath.Vector512;

    /// <summary>
    /// y[n, o] = Σ_{c,t} weight[o, c·T + t] · x[n, c] at tap t (+ bias[o]) for <paramref name="images"/> images:
    /// x [N, C, H, W] → y [N, O, Ho, Wo].
    /// </summary>
    public static void Forward(in DirectConvLayer layer, ReadOnlySpan<float> x, Span<float> y, int images)
    {
        if (x.Length < (long)images * layer.Geometry.ImageLength || y.Length < (long)images * layer.OutChannels * layer.Geometry.Positions)
            throw new ArgumentException($"Operands too short for {images} images of {layer.Geometry} into {layer.OutChannels} channels.");
        var plan = new Plan(layer);
        try
        {
            fixed (float* px = x, py = y)
            {
                var job = new Job { Images = images, Parts = Parts(images), X = px, Y = py, First = &plan, Count = 1 };
                WorkerPool.Run(job.Parts, &Run, &job);
            }
        }
        finally
        {
            plan.Dispose();
        }
    }

    /// <summary>
    /// y = x + conv3(relu(conv2(relu(conv1(relu(x)))))) for <paramref name="images"/> images x [N, C, H, W], every
    /// convolution keeping H × W and the last giving C channels back (a PixelCNN residual block), gradient-free.
    /// </summary>
    public static void ResidualChain(in DirectConvLayer first, in DirectConvLayer second, in DirectConvLayer third,
        ReadOnlySpan<float> x, Span<float> y, int images)
    {
        Im2ColGeometry g1 = first.Geometry, g2 = second.Geometry, g3 = third.Geometry;
        if (!Applies(g1) || !Applies(g2) || !Applies(g3))
            throw new InvalidOperationException("Every convolution of a direct chain must be one the direct path applies to.");
        bool chained = SameMaps(g1, first.OutChannels, g2) && SameMaps(g2, second.OutChannels, g3)
            && g3.OutHeight == g1.Height && g3.OutWidth == g1.Width && third.OutChannels == g1.Channels;
        if (!chained) throw new ArgumentException($"The chain {g1} → {g2} → {g3} does not keep the maps' size, or does not return to {g1.Channels} channels.");
        if (x.Length < (long)images * g1.ImageLength || y.Length < (long)images * g1.ImageLength)
            throw new ArgumentException($"Operands too short for {images} images of {g1}.");

        Plan* plans = stackalloc Plan[3];
        int made = 0;
        try
        {
            plans[0] = new Plan(first);
            made = 1;
            plans[1] = new Plan(second);
            made = 2;
            plans[2] = new Plan(third);
            made = 3;
            fixed (float* px = x, py = y)
            {
                var job = new Job { Images = images, Parts = Parts(images), X = px, Y = py, First = plans, Count = 3, Residual = true };
                WorkerPool.Run(job.Parts, &Run, &job);
            }
        }
        finally
        {
            for (int i = 0; i < made; i++) plans[i].Dispose();
        }

        static bool SameMaps(in Im2ColGeometry from, int channels, in Im2ColGeometry to) =>
            to.Channels == channels && to.Height == from.OutHeight && to.Width == from.OutWidth;
    }

    private static int Parts(int images) => Math.Max(1, Math.Min(Threading.MaxThreads, images));

    /// <summary>
    /// A layer ready to run: the weight with its rows padded with zeros to the tile, the bias, and where each tap reads,
    /// in native memory (so that the job the workers share holds no managed references); freed by <see cref="Dispose"/>.
    /// </summary>
    private struct Plan : IDisposable
    {
        public Im2ColGeometry G;
        public int O, PaddedRows, Depth;
        public int PaddedWidth;    // Wp
        public bool Wide;          // Vector512 tiles of 48 positions, else Vector256 tiles of 24
        public int TileWidth;
        public int WideLength;     // Ho·Wp rounded up to the tile
        public int PlaneLength;    // one padded input plane, with room for the last tile's reads
        public float* TileWeight;  // [PaddedRows, Depth]
        public float* Bias;        // [O], or null
        public int* Offsets;       // padded-plane offset of each tap

        public Plan(in DirectConvLayer layer)
        {
            G = layer.Geometry;
            if (!Applies(G)) throw new InvalidOperationException($"The direct convolution does not apply to {G}.");
            O = layer.OutChannels;
            Depth = G.Rows;
            if (layer.Weight.Length < O * Depth || (!layer.Bias.IsEmpty && layer.Bias.Length < O))
                throw new ArgumentException($"A weight of [{O}, {Depth}] and a bias of {O} are needed for {G}.");
            PaddedRows = (O + TileRows - 1) / TileRows * TileRows;
            Wide = Gemm.Resolve() == GemmPath.Vector512;
            TileWidth = Wide ? 48 : 24;
            PaddedWidth = G.Width + 2 * G.Padding;
            WideLength = (G.OutHeight * PaddedWidth + TileWidth - 1) / TileWidth * TileWidth;
            PlaneLength = (WideLength + (G.Kh - 1) * PaddedWidth + G.Kw - 1 + 15) / 16 * 16;
            TileWeight = (float*)NativeMemory.Alloc((nuint)(PaddedRows * Depth), sizeof(float));
            var weight = new Span<float>(TileWeight, PaddedRows * Depth);
            layer.Weight[..(O * Depth)].CopyTo(weight);
            weight[(O * Depth)..].Clear();
            if (!layer.Bias.IsEmpty)
            {
                Bias = (float*)NativeMemory.Alloc((nuint)O, sizeof(float));
                layer.Bias[..O].CopyTo(new Span<float>(Bias, O));
            }
            Offsets = (int*)NativeMemory.Alloc((nuint)G.TapCount, sizeof(int));
            for (int t = 0; t < G.TapCount; t++)
            {
                int tap = G.Tap(t);
                Offsets[t] = tap / G.Kw * PaddedWidth + tap % G.Kw;
            }
        }

        /// <summary>Floats of one image's padded input planes.</summary>
        public readonly int PaddedLength => G.Channels * PlaneLength;

        public void Dispose()
        {
            NativeMemory.Free(TileWeight);
            NativeMemory.Free(Bias);
            NativeMemory.Free(Offsets);
            TileWeight = Bias = null;
            Offsets = null;
        }
    }

    /// <summary>One call over the images: raw pointers, because the state lives on the caller's stack while the workers run.</summary>
    private struct Job
    {
        public int Images, Parts, Count;
        public float* X, Y;
        public Plan* First;     // Count layers in order
        public bool Residual;   // a residual chain (ReLU before every layer, x added at the end) rather than one plain layer
    }

    private static void Run(void* state, int part)
    {
        ref readonly Job job = ref *(Job*)state;
        int begin = (int)((long)job.Images * part / job.Parts), end = (int)((long)job.Images * (part + 1) / job.Parts);
        if (begin == end) return;
        // One pooled buffer: each layer's padded input planes, then one wide output grid as large as any layer's.
        long scratchLength = 0, wideLength = 0;
        for (int l = 0; l < job.Count; l++)
        {
            scratchLength += job.First[l].PaddedLength;
            wideLength = Math.Max(wideLength, (long)job.First[l].PaddedRows * job.First[l].WideLength);
        }
        float[] scratch = ArrayPool<float>.Shared.Rent(checked((int)(scratchLength + wideLength)));
        try
        {
            fixed (float* buffer = scratch)
            {
                float** padded = stackalloc float*[job.Count];
                float* next = buffer;
                for (int l = 0; l < job.Count; l++, next += job.First[l - 1].PaddedLength) padded[l] = next;
                float* wide = next;
                new Span<float>(buffer, (int)scratchLength).Clear();   // borders stay zero; each image rewrites the interior

                Plan* last = job.First + job.Count - 1;
                long imageLength = job.First->G.ImageLength, outLength = (long)last->O * last->G.Positions;
                for (int n = begin; n < end; n++)
                {
                    float* image = job.X + n * imageLength, output = job.Y + n * outLength;
                    Pad(job.First, image, padded[0], relu: job.Residual);
                    for (int l = 0; l < job.Count; l++)
                    {
                        Plan* plan = job.First + l;
                        Compute(plan, padded[l], wide);
                        if (l + 1 < job.Count) EmitPadded(plan, wide, plan + 1, padded[l + 1]);
                        else Emit(plan, wide, output, job.Residual ? image : null);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>The image's planes into the interior of the padded planes, through a ReLU when asked.</summary>
    private static void Pad(Plan* plan, float* image, float* padded, bool relu)
    {
        Im2ColGeometry g = plan->G;
        int plane = g.Height * g.Width;
        for (int c = 0; c < g.Channels; c++)
        for (int r = 0; r < g.Height; r++)
        {
            var from = new ReadOnlySpan<float>(image + c * plane + r * g.Width, g.Width);
            var to = new Span<float>(padded + c * plan->PlaneLength + (r + g.Padding) * plan->PaddedWidth + g.Padding, g.Width);
            if (relu) TensorPrimitives.Max(from, 0f, to);
            else from.CopyTo(to);
        }
    }

    /// <summary>The layer's wide output grid [PaddedRows, WideLength] from its padded input planes.</summary>
    private static void Compute(Plan* plan, float* padded, float* wide)
    {
        for (int s = 0; s < plan->WideLength; s += plan->TileWidth)
        for (int o = 0; o < plan->PaddedRows; o += TileRows)
        {
            float* x = padded + s, w = plan->TileWeight + o * plan->Depth, y = wide + o * plan->WideLength + s;
            if (plan->Wide) TileWide(x, plan->PlaneLength, plan->G.Channels, plan->Offsets, plan->G.TapCount, w, plan->Depth, y, plan->WideLength);
            else Tile(x, plan->PlaneLength, plan->G.Channels, plan->Offsets, plan->G.TapCount, w, plan->Depth, y, plan->WideLength);
        }
    }

    /// <summary>The valid columns of each wide row, + bias, into the output image [O, Ho, Wo] (+ the residual image).</summary>
    private static void Emit(Plan* plan, float* wide, float* output, float* residual)
    {
        Im2ColGeometry g = plan->G;
        for (int o = 0; o < plan->O; o++)
        for (int r = 0; r < g.OutHeight; r++)
        {
            var from = new ReadOnlySpan<float>(wide + o * plan->WideLength + r * plan->PaddedWidth, g.OutWidth);
            int at = o * g.Positions + r * g.OutWidth;
            var to = new Span<float>(output + at, g.OutWidth);
            AddBias(plan, o, from, to);
            if (residual is not null) TensorPrimitives.Add(new ReadOnlySpan<float>(residual + at, g.OutWidth), to, to);
        }
    }

    /// <summary>ReLU(the valid columns + bias) into the interior of the next layer's padded planes.</summary>
    private static void EmitPadded(Plan* plan, float* wide, Plan* next, float* padded)
    {
        Im2ColGeometry g = plan->G, h = next->G;
        for (int o = 0; o < plan->O; o++)
        for (int r = 0; r < g.OutHeight; r++)
        {
            var from = new ReadOnlySpan<float>(wide + o * plan->WideLength + r * plan->PaddedWidth, g.OutWidth);
            var to = new Span<float>(padded + o * next->PlaneLength + (r + h.Padding) * next->PaddedWidth + h.Padding, g.OutWidth);
            AddBias(plan, o, from, to);
            TensorPrimitives.Max(to, 0f, to);
        }
    }

    // The bias after the sum, as the GEMM path adds it.
    private static void AddBias(Plan* plan, int o, ReadOnlySpan<float> from, Span<float> to)
    {
        if (plan->Bias is null) from.CopyTo(to);
        else TensorPrimitives.Add(from, plan->Bias[o], to);
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

    /// <summary>
    /// y[r, 0:48] = Σ_{c,t} w[r, c·T + t] · x[c][offset_t + 0:48] for the tile's 4 rows, the same chains as <see cref="Tile"/>, on Vector512.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileWide(float* x, int planeLength, int channels, int* offsets, int taps, float* w, int depth, float* y, int ldy)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, d0 = default, d1 = default, d2 = default;
        float* w1 = w + depth, w2 = w1 + depth, w3 = w2 + depth;
        int k = 0;
        for (int ch = 0; ch < channels; ch++, x += planeLength)
        for (int t = 0; t < taps; t++, k++)
        {
            float* p = x + offsets[t];
            Vector512<float> x0 = Vector512.Load(p), x1 = Vector512.Load(p + 16), x2 = Vector512.Load(p + 32);
            Vector512<float> v = Vector512.Create(w[k]);
            a0 = Vector512.FusedMultiplyAdd(v, x0, a0);
            a1 = Vector512.FusedMultiplyAdd(v, x1, a1);
            a2 = Vector512.FusedMultiplyAdd(v, x2, a2);
            v = Vector512.Create(w1[k]);
            b0 = Vector512.FusedMultiplyAdd(v, x0, b0);
            b1 = Vector512.FusedMultiplyAdd(v, x1, b1);
            b2 = Vector512.FusedMultiplyAdd(v, x2, b2);
            v = Vector512.Create(w2[k]);
            c0 = Vector512.FusedMultiplyAdd(v, x0, c0);
            c1 = Vector512.FusedMultiplyAdd(v, x1, c1);
            c2 = Vector512.FusedMultiplyAdd(v, x2, c2);
            v = Vector512.Create(w3[k]);
            d0 = Vector512.FusedMultiplyAdd(v, x0, d0);
            d1 = Vector512.FusedMultiplyAdd(v, x1, d1);
            d2 = Vector512.FusedMultiplyAdd(v, x2, d2);
        }
        a0.Store(y); a1.Store(y + 16); a2.Store(y + 32);
        y += ldy;
        b0.Store(y); b1.Store(y + 16); b2.Store(y + 32);
        y += ldy;
        c0.Store(y); c1.Store(y + 16); c2.Store(y + 32);
        y += ldy;
        d0.Store(y); d1.Store(y + 16); d2.Store(y + 32);
    }
}
