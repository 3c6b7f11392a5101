using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LatentSharp.Kernels;

/// <summary>
/// The 4 × 4, stride-2, padding-1 convolutions (the conv VAE's down- and up-sampling layers) in Winograd's F(4 × 4, 2 × 2)
/// form. Split by stride phase, such a convolution is the sum of four stride-1 convolutions with 2 × 2 kernels, one per
/// phase (p, q) of the padded input: x_pq[i, j] = x[2i + p, 2j + q], w_pq[a, b] = w[2a + p, 2b + q]. Winograd computes a
/// 4 × 4 block of a 2 × 2 convolution's outputs from a 5 × 5 block of its input with 25 products instead of 64:
/// Y = Aᵀ[(G W Gᵀ) ⊙ (Bᵀ D B)]A. Over the channels and phases each of the 25 products is a matrix product
/// [tiles, 4C] · [4C, O], computed by the channels-last tiles; the transforms are sums along the channel rows. Half the
/// multiply-adds of the direct products for the forward, the adjoint (a 2 × 2 convolution of the gradient layout by the
/// flipped phase kernels, one output phase each) and the weight gradient (dW = Gᵀ[(Bᵀ D B) ⊙ (A E Aᵀ)]G summed over the
/// tiles, E a 4 × 4 block of the output gradient).
/// </summary>
/// <remarks>
/// The points 0, 1, −1, 2 and ∞, with Bᵀ's rows scaled to integers (G's by the inverse): the transforms are exact in
/// rational arithmetic, and in float32 the results differ from the direct products' by rounding only (about 1e-6 of
/// their scale). Every value is still one fixed chain of operations computed by one thread: results do not depend on
/// the thread count.
/// </remarks>
internal static unsafe partial class ChannelsLastConv
{
    /// <summary>Off in tests, to compare with the direct products.</summary>
    internal static bool WinogradEnabled { get; set; } = true;

    /// <summary>Points of the transformed 5 × 5 blocks: each one matrix product.</summary>
    private const int Points = 25;

    /// <summary>
    /// True when the convolution g (on this path: <see cref="Applies"/>) takes the Winograd form: a 4 × 4 kernel, stride 2,
    /// padding 1, an even map (so that the output is exactly half its size).
    /// </summary>
    internal static bool TakesWinograd(in Im2ColGeometry g) =>
        WinogradEnabled && g.Kh == 4 && g.Kw == 4 && g.Stride == 2 && g.Padding == 1 && g.Height % 2 == 0 && g.Width % 2 == 0
        && g.OutHeight == g.Height / 2 && g.OutWidth == g.Width / 2;

    /// <summary>The forward's tiles: 4 × 4 blocks of the output map.</summary>
    private static (int Rows, int Cols) ForwardTiles(in Im2ColGeometry g) => ((g.OutHeight + 3) / 4, (g.OutWidth + 3) / 4);

    /// <summary>The adjoint's tiles: 4 × 4 blocks of a phase of the padded input, (H + 2) / 2 on a side.</summary>
    private static (int Rows, int Cols) AdjointTiles(in Im2ColGeometry g) => ((g.Height / 2 + 4) / 4, (g.Width / 2 + 4) / 4);

    /// <summary>
    /// The Winograd forms of <see cref="Forward"/> (y, when not null) and <see cref="WeightGradient"/> (dw, when not
    /// null).
    /// </summary>
    private static void WinogradFromSource(in Im2ColGeometry g, int o, int images, float* source, float* w, float* bias, bool relu, bool accumulate, float* y,
        float* gradient, float* dw)
    {
        if (images == 0) return;   // nothing to write, and the sums would never be started
        int c = g.Channels, k = 4 * c, p = g.Positions;
        (int hp, int wp) = Source(g);
        (int rows, int cols) = ForwardTiles(g);
        var input = new BlockInput { From = source, C = c, Height = hp, Width = wp, Step = 2, Rows = rows, Cols = cols, EndPhase = 4 };
        long sourceImage = (long)hp * wp * c;
        float[] arranged = Rent(16L * c * o), points = Rent(Points * PointStride(k, o));
        try
        {
            fixed (float* pa = arranged, pv = points)
            {
                float* wa = Aligned(pa), v = Aligned(pv);
                if (y is not null)
                {
                    var pipeline = new Pipeline
                    {
                        Input = input,
                        Output = new BlockOutput { Width = o, Step = 1, Rows = rows, Cols = cols, Height = g.OutHeight, MapWidth = g.OutWidth, Shift = 0 },
                        Planes = new Layout { Dst = y, Bias = bias, C = o, H = p, Relu = relu, Accumulate = accumulate },
                        SourceImage = sourceImage, V = v, K = k, N = o,
                    };
                    Rearrange(WeightLayout.TapChannelOutput, w, wa, o, c, 16, null);
                    TransformKernels(wa, c, o, flipped: false, v);
                    RunPipeline(&pipeline, images);
                }
                if (dw is not null)
                {
                    (int hg, int wg, int border) = Gradient(g);
                    var sums = new GradientPipeline
                    {
                        Input = input, SourceImage = sourceImage, Sums = v, K = k, O = o, Images = images, PerImage = rows * cols,
                        Output = new GradientBlocks { From = gradient, O = o, Height = hg, Width = wg, Border = border, MapHeight = g.OutHeight, MapWidth = g.OutWidth, Rows = rows, Cols = cols },
                        GradientImage = (long)hg * wg * o,
                    };
                    RunGradientPipeline(&sums, wa);
                    Rearrange(WeightLayout.AddToWeight, wa, dw, o, c, 16, null);
                }
            }
        }
        finally
        {
            Return(arranged); Return(points);
        }
    }

    private struct GradientPipeline
    {
        public BlockInput Input;          // all but To, Tiles and the phases; From at image 0
        public GradientBlocks Output;     // all but To and Tiles; From at image 0
        public float* Sums, Buffers;      // the points' sums [25, K, O], PointStride apart
        public float* Taps;               // their back-transform, dW's taps [16, C, O]
        public long SourceImage, GradientImage, PartFloats;
        public int K, O, Images, PerImage, Block, Parts;
    }

    /// <summary>
    /// The weight gradient's sums over all tiles: the rows of every point's [4C, O] sum split by the input's four stride
    /// phases, each thread keeping the sums of one or two phases (two or four threads), which transforms its phases of the
    /// input blocks and all of the output-gradient blocks itself, block after block of images, into buffers of its own.
    /// Every sum adds the tiles in order, whatever the thread count.
    /// </summary>
    private static void RunGradientPipeline(GradientPipeline* job, float* taps)
    {
        job->Taps = taps;
        int k = job->K, o = job->O;
        job->Parts = Threading.MaxThreads >= 4 ? 4 : Math.Min(Threading.MaxThreads, 2);
        // A block's transformed tiles within 512 KB per thread.
        job->Block = Math.Clamp((1 << 17) / (Points * job->PerImage * (k / job->Parts + o)), 1, job->Images);
        int tiles = job->Block * job->PerImage;
        job->PartFloats = (Points * (PointStride(tiles, k) + PointStride(tiles, o)) + 3 * Slack + 15) & ~15L;
        float[] buffers = Rent(job->Parts * job->PartFloats);
        try
        {
            fixed (float* pb = buffers)
            {
                job->Buffers = Aligned(pb);
                WorkerPool.Run(job->Parts, &GradientPipelinePart, job);
            }
        }
        finally
        {
            Return(buffers);
        }
    }

    private static void GradientPipelinePart(void* state, int part)
    {
        var job = (GradientPipeline*)state;
        // Rows in groups of 4: as many groups as input channels, c, a multiple of 32 on this path, so that each part's
        // groups are whole phases.
        int k = job->K, o = job->O, c = k / 4;
        int firstGroup = c * part / job->Parts, endGroup = c * (part + 1) / job->Parts;
        float* u = job->Buffers + part * job->PartFloats;
        float* e = Aligned(u + Points * PointStride(job->Block * job->PerImage, k) + Slack);
        int* rowOffsets = stackalloc int[k];
        for (int r = 0; r < k; r++) rowOffsets[r] = r;
        BlockInput phases = job->Input;
        phases.To = u;
        phases.FirstPhase = 4 * firstGroup / c;
        phases.EndPhase = (4 * endGroup + c - 1) / c;
        for (int b0 = 0; b0 < job->Images; b0 += job->Block)
        {
            int tiles = Math.Min(job->Block, job->Images - b0) * job->PerImage;
            BlockInput input = phases;
            input.From += b0 * job->SourceImage;
            input.Tiles = tiles;
            InputBlocks(&input, 0, tiles);
            GradientBlocks output = job->Output;
            output.From += b0 * job->GradientImage;
            output.To = e;
            output.Tiles = tiles;
            TransformGradientBlocks(&output, 0, tiles);
            var grid = new Grid(1, 1, tiles, inImage: 0, inRow: 0, inCol: k, inOrigin: 0, outImage: 0, outRow: 0, outCol: o, outOrigin: 0);
            var point = new Gradients { Positions = grid, RowOffsets = rowOffsets, O = o, Groups = c, GroupRanges = 1, Wide = Wide, Accumulate = b0 > 0 };
            for (int xi = 0; xi < Points; xi++)
            {
                point.Input = u + xi * PointStride(tiles, k);
                point.Gradient = e + xi * PointStride(tiles, o);
                GradientsRange(&point, job->Sums + xi * PointStride(k, o), 0, tiles, firstGroup, endGroup);
            }
        }
        // The thread's own rows back to taps: (phase, channel) items of its phases.
        var back = new Kernels { From = job->Sums, To = job->Taps, R = c, S = o };
        KernelGradientRows(&back, 4 * firstGroup, 4 * endGroup);
    }

    /// <summary>The Winograd form of <see cref="Adjoint"/>: each input phase a 2 × 2 convolution of the gradient layout.</summary>
    private static void WinogradAdjoint(in Im2ColGeometry g, int o, int images, float* gradient, float* w, float* bias, bool relu, bool accumulate, float* dst)
    {
        if (images == 0) return;
        int c = g.Channels, k = 4 * c;
        (int hg, int wg, _) = Gradient(g);
        (int rows, int cols) = AdjointTiles(g);
        // Phase (p, q)'s position (i, j) is the padded input's (2i + p, 2j + q): the input's (2i + p − 1, 2j + q − 1).
        var pipeline = new Pipeline
        {
            Input = new BlockInput { From = gradient, C = o, Height = hg, Width = wg, Step = 1, Rows = rows, Cols = cols, EndPhase = 1 },
            Output = new BlockOutput { Width = c, Step = 2, Rows = rows, Cols = cols, Height = g.Height, MapWidth = g.Width, Shift = -1 },
            Planes = new Layout { Dst = dst, Bias = bias, C = c, H = g.Height * g.Width, Relu = relu, Accumulate = accumulate },
            SourceImage = (long)hg * wg * o, K = o, N = k,
        };
        float[] arranged = Rent(16L * c * o), transformed = Rent(Points * PointStride(k, o));
        int* order = stackalloc int[16];
        for (int t = 0; t < 16; t++) order[t] = t;
        try
        {
            fixed (float* pa = arranged, pv = transformed)
            {
                float* wa = Aligned(pa);
                Rearrange(WeightLayout.TapOutputChannel, w, wa, o, c, 16, order);
                pipeline.V = Aligned(pv);
                TransformKernels(wa, o, c, flipped: true, pipeline.V);
                RunPipeline(&pipeline, images);
            }
        }
        finally
        {
            Return(arranged); Return(transformed);
        }
    }

    private struct Pipeline
    {
        public BlockInput Input;     // all but To and Tiles; From at image 0
        public BlockOutput Output;   // all but From, To and Tiles
        public Layout Planes;        // the NCHW result: Dst, Bias, C, H (positions), Relu, Accumulate
        public float* V, Buffers;
        public long SourceImage, PartFloats;
        public int K, N, Images, Group, Groups, Next;
    }

    /// <summary>
    /// A forward or adjoint over <paramref name="images"/>: groups of a few images, each taken by one thread from its
    /// input blocks through the points' products and the output blocks to its NCHW maps, in buffers of that thread's own.
    /// Shared out by stage instead (blocks by tile, products by point), half of every stage's lines were written by one
    /// core and read by the other: where the two cores share no cache (on the Zen 4 host, whenever its two vCPUs answer
    /// each other in 170 ns rather than 35), each such line crossed between them and these calls took up to twice as long.
    /// </summary>
    private static void RunPipeline(Pipeline* job, int images)
    {
        int perImage = job->Input.Rows * job->Input.Cols;
        // The group's transformed blocks and products within 256 KB, beside the 25 points' kernels.
        int group = Math.Clamp((1 << 16) / (Points * perImage * (job->K + job->N)), 1, images);
        int groups = (images + group - 1) / group, parts = Math.Min(Threading.MaxThreads, groups);
        int tiles = group * perImage;
        long u = Points * PointStride(tiles, job->K), m = Points * PointStride(tiles, job->N), rows = (long)group * job->Planes.H * job->Planes.C;
        job->PartFloats = (u + m + rows + 4 * Slack + 15) & ~15L;   // room for aligning each of the three
        job->Images = images;
        job->Group = group;
        job->Groups = groups;
        job->Next = 0;
        float[] buffers = Rent(parts * job->PartFloats);
        try
        {
            fixed (float* pb = buffers)
            {
                job->Buffers = Aligned(pb);
                WorkerPool.Run(parts, &PipelinePart, job);
            }
        }
        finally
        {
            Return(buffers);
        }
    }

    private static void PipelinePart(void* state, int part)
    {
        var job = (Pipeline*)state;
        int perImage = job->Input.Rows * job->Input.Cols;
        float* u = job->Buffers + part * job->PartFloats;
        float* m = Aligned(u + Points * PointStride(job->Group * perImage, job->K) + Slack);
        float* rows = Aligned(m + Points * PointStride(job->Group * perImage, job->N) + Slack);
        int index;
        while ((index = Interlocked.Increment(ref job->Next) - 1) < job->Groups)
        {
            int b0 = index * job->Group, count = Math.Min(job->Group, job->Images - b0), tiles = count * perImage;
            BlockInput input = job->Input;
            input.From += b0 * job->SourceImage;
            input.To = u;
            input.Tiles = tiles;
            InputBlocks(&input, 0, tiles);
            PointProducts(u, job->K, job->V, job->N, m, tiles);
            BlockOutput output = job->Output;
            output.From = m;
            output.To = rows;
            output.Tiles = tiles;
            OutputBlocks(&output, 0, tiles);
            Layout planes = job->Planes;
            planes.X = rows;
            planes.Dst += (long)b0 * planes.H * planes.C;
            ToPlanesRange(&planes, 0, count);
        }
    }

    /// <summary>m[ξ] = u[ξ] [tiles, k] · v[ξ] [k, n] for the 25 points, by the channels-last tiles (one tap, k channels), on this thread.</summary>
    private static void PointProducts(float* u, int k, float* v, int n, float* m, int tiles)
    {
        Phase* phases = stackalloc Phase[Points];
        int* offsets = stackalloc int[1];
        offsets[0] = 0;
        for (int xi = 0; xi < Points; xi++)
            phases[xi] = new Phase
            {
                Grid = new Grid(1, 1, tiles, inImage: 0, inRow: 0, inCol: k, inOrigin: xi * PointStride(tiles, k),
                    outImage: 0, outRow: 0, outCol: n, outOrigin: xi * PointStride(tiles, n)),
                W = v + xi * PointStride(k, n), Offsets = offsets, Taps = 1,
            };
        var job = new Products { Input = u, Output = m, Phases = phases, PhaseCount = Points, C = k, O = n, Wide = Wide };
        ProductsRange(&job, 0, Points * tiles);
    }

    /// <summary>
    /// The transformed kernels (G w_pq Gᵀ)[ξ] from the weight arranged as [16 taps, R, S] (in vectors of 8 along S): the
    /// forward's v[ξ, (p, q, r), s] from [T, C, O], or with <paramref name="flipped"/> the adjoint's v[ξ, r, (p, q, s)] of
    /// the flipped phase kernels w_pq[1 − a, 1 − b] from [T, O, C].
    /// </summary>
    private static void TransformKernels(float* arranged, int r, int s, bool flipped, float* v)
    {
        var job = new Kernels { From = arranged, To = v, R = r, S = s, Flipped = flipped };
        RunChunks(4 * r, 8, &KernelRows, &job);
    }

    private struct Kernels
    {
        public float* From, To;
        public int R, S;
        public bool Flipped;
    }

    /// <summary>Items [first, end) of the (phase, row) pairs of <see cref="TransformKernels"/>.</summary>
    private static void KernelRows(void* state, int first, int end)
    {
        var job = (Kernels*)state;
        int r = job->R, s = job->S;
        bool flipped = job->Flipped;
        long rs = (long)r * s, stride = PointStride(4 * r, s);
        for (int item = first; item < end; item++)
        {
            int phase = item / r, row = item - phase * r, p = phase >> 1, q = phase & 1;
            // The forward's rows are (phase, input channel); the adjoint's columns (phase, input channel).
            float* to = job->To + (flipped ? (long)row * 4 * s + phase * s : (long)item * s);
            for (int col = 0; col < s; col += 8)
            {
                // Tap (2a + p, 2b + q) of the phase, or (2(1 − a) + p, 2(1 − b) + q) flipped.
                Vector256<float> w00 = Tap(0, 0), w01 = Tap(0, 1), w10 = Tap(1, 0), w11 = Tap(1, 1);
                KernelTransform(w00, w01, out var h00, out var h01, out var h02, out var h03, out var h04);
                KernelTransform(w10, w11, out var h10, out var h11, out var h12, out var h13, out var h14);
                Column(to + col, 0, h00, h10); Column(to + col, 1, h01, h11); Column(to + col, 2, h02, h12);
                Column(to + col, 3, h03, h13); Column(to + col, 4, h04, h14);

                Vector256<float> Tap(int a, int b)
                {
                    int ky = 2 * (flipped ? 1 - a : a) + p, kx = 2 * (flipped ? 1 - b : b) + q;
                    return Vector256.Load(job->From + (ky * 4 + kx) * rs + (long)row * s + col);
                }
            }
        }

        void Column(float* at, int x, Vector256<float> top, Vector256<float> bottom)
        {
            KernelTransform(top, bottom, out var t0, out var t1, out var t2, out var t3, out var t4);
            t0.Store(at + x * stride); t1.Store(at + (5 + x) * stride); t2.Store(at + (10 + x) * stride);
            t3.Store(at + (15 + x) * stride); t4.Store(at + (20 + x) * stride);
        }
    }

    /// <summary>
    /// The weight gradient's taps [16, C, O] from the points' sums [25, 4C, O] (rows [first, end), the (phase, input channel)
    /// pairs): dw_pq = Gᵀ S_pq G, tap (2a + p, 2b + q).
    /// </summary>
    private static void KernelGradientRows(void* state, int first, int end)
    {
        var job = (Kernels*)state;
        int c = job->R, o = job->S;
        long co = (long)c * o, stride = PointStride(4 * c, o);
        Vector256<float>* s = stackalloc Vector256<float>[Points];
        Vector256<float>* half = stackalloc Vector256<float>[10];
        for (int item = first; item < end; item++)
        {
            int phase = item / c, ch = item - phase * c, p = phase >> 1, q = phase & 1;
            for (int col = 0; col < o; col += 8)
            {
                float* from = job->From + (long)item * o + col;
                for (int xi = 0; xi < Points; xi++) s[xi] = Vector256.Load(from + xi * stride);
                // Along the columns of each row of points, then along the rows.
                for (int u = 0; u < 5; u++)
                    KernelGradientTransform(s[u * 5], s[u * 5 + 1], s[u * 5 + 2], s[u * 5 + 3], s[u * 5 + 4], out half[u * 2], out half[u * 2 + 1]);
                for (int b = 0; b < 2; b++)
                {
                    KernelGradientTransform(half[b], half[2 + b], half[4 + b], half[6 + b], half[8 + b], out var d0, out var d1);
                    d0.Store(job->To + ((2 * 0 + p) * 4 + 2 * b + q) * co + (long)ch * o + col);
                    d1.Store(job->To + ((2 * 1 + p) * 4 + 2 * b + q) * co + (long)ch * o + col);
                }
            }
        }
    }

    /// <summary>
    /// Floats between the starts of two points' blocks of [rows, width] (the transformed tiles, kernels or sums): a cache
    /// line more than their length, so that the transforms' 25 streams, one per point, do not all fall on the same cache sets.
    /// </summary>
    private static long PointStride(int rows, int width) => (long)rows * width + 16;

    private struct BlockInput
    {
        public float* From, To;   // a layout [N, Height, Width, C]; the points [25, tiles, Step² · C], PointStride apart
        public int C, Height, Width, Step, Rows, Cols, Tiles;
        public int FirstPhase, EndPhase;   // the stride phases p · Step + q transformed
    }

    /// <summary>
    /// Tiles [first, end) of the transformed input blocks Bᵀ D B: for each stride phase from FirstPhase to EndPhase (Step 2:
    /// of the forward's four, Step 1: the layout itself), the 5 × 5 rows (Step·(4ty + i) + p, Step·(4tx + j) + q) of the layout, zero past its edges.
    /// </summary>
    private static void InputBlocks(void* state, int first, int end)
    {
        var job = (BlockInput*)state;
        int c = job->C, step = job->Step, k = step * step * c, perImage = job->Rows * job->Cols;
        long stride = PointStride(job->Tiles, k);
        float** d = stackalloc float*[Points];
        Vector256<float>* t = stackalloc Vector256<float>[Points];
        float* zeros = stackalloc float[c];
        new Span<float>(zeros, c).Clear();
        for (int tile = first; tile < end; tile++)
        {
            int b = tile / perImage, r = tile - b * perImage, ty = r / job->Cols, tx = r - ty * job->Cols;
            float* image = job->From + (long)b * job->Height * job->Width * c;
            for (int phase = job->FirstPhase; phase < job->EndPhase; phase++)
            {
                int p = phase / step, q = phase - p * step;
                for (int i = 0; i < 5; i++)
                    for (int j = 0; j < 5; j++)
                    {
                        int y = step * (4 * ty + i) + p, x = step * (4 * tx + j) + q;
                        d[i * 5 + j] = y < job->Height && x < job->Width ? image + ((long)y * job->Width + x) * c : zeros;
                    }
                float* to = job->To + (long)tile * k + (p * step + q) * c;
                for (int ch = 0; ch < c; ch += 8)
                {
                    for (int j = 0; j < 5; j++)
                        InputTransform(Vector256.Load(d[j] + ch), Vector256.Load(d[5 + j] + ch), Vector256.Load(d[10 + j] + ch),
                            Vector256.Load(d[15 + j] + ch), Vector256.Load(d[20 + j] + ch),
                            out t[j], out t[5 + j], out t[10 + j], out t[15 + j], out t[20 + j]);
                    float* at = to + ch;
                    for (int u = 0; u < 5; u++, at += 5 * stride)
                    {
                        InputTransform(t[u * 5], t[u * 5 + 1], t[u * 5 + 2], t[u * 5 + 3], t[u * 5 + 4],
                            out var f0, out var f1, out var f2, out var f3, out var f4);
                        f0.Store(at); f1.Store(at + stride); f2.Store(at + 2 * stride); f3.Store(at + 3 * stride); f4.Store(at + 4 * stride);
                    }
                }
            }
        }
    }

    private struct GradientBlocks
    {
        public float* From, To;   // the gradient layout [N, Height, Width, O]; the points [25, tiles, O], PointStride apart
        public int O, Height, Width, Border, MapHeight, MapWidth, Rows, Cols, Tiles;
    }

    /// <summary>Tiles [first, end) of the transformed output-gradient blocks A E Aᵀ, E the 4 × 4 block (zero past the map).</summary>
    private static void TransformGradientBlocks(void* state, int first, int end)
    {
        var job = (GradientBlocks*)state;
        int o = job->O, perImage = job->Rows * job->Cols;
        long stride = PointStride(job->Tiles, o);
        float** e = stackalloc float*[16];
        Vector256<float>* t = stackalloc Vector256<float>[Points];
        float* zeros = stackalloc float[o];
        new Span<float>(zeros, o).Clear();
        for (int tile = first; tile < end; tile++)
        {
            int b = tile / perImage, r = tile - b * perImage, ty = r / job->Cols, tx = r - ty * job->Cols;
            float* image = job->From + (long)b * job->Height * job->Width * o;
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                {
                    int y = 4 * ty + i, x = 4 * tx + j;
                    e[i * 4 + j] = y < job->MapHeight && x < job->MapWidth ? image + ((long)(y + job->Border) * job->Width + x + job->Border) * o : zeros;
                }
            float* to = job->To + (long)tile * o;
            for (int ch = 0; ch < o; ch += 8)
            {
                for (int j = 0; j < 4; j++)
                    GradientTransform(Vector256.Load(e[j] + ch), Vector256.Load(e[4 + j] + ch), Vector256.Load(e[8 + j] + ch), Vector256.Load(e[12 + j] + ch),
                        out t[j], out t[5 + j], out t[10 + j], out t[15 + j], out t[20 + j]);
                float* at = to + ch;
                for (int u = 0; u < 5; u++, at += 5 * stride)
                {
                    GradientTransform(t[u * 5], t[u * 5 + 1], t[u * 5 + 2], t[u * 5 + 3], out var f0, out var f1, out var f2, out var f3, out var f4);
                    f0.Store(at); f1.Store(at + stride); f2.Store(at + 2 * stride); f3.Store(at + 3 * stride); f4.Store(at + 4 * stride);
                }
            }
        }
    }

    private struct BlockOutput
    {
        public float* From, To;   // the points [25, tiles, Step² · Width], PointStride apart; rows [N, Height · MapWidth, Width]
        public int Width, Step, Rows, Cols, Tiles, Height, MapWidth, Shift;
    }

    /// <summary>
    /// Tiles [first, end) of the products' blocks Aᵀ M A into output rows: block position (i, j) of phase (p, q) is the
    /// map's (Step·i + p + Shift, Step·j + q + Shift), written where that lies in the map.
    /// </summary>
    private static void OutputBlocks(void* state, int first, int end)
    {
        var job = (BlockOutput*)state;
        int n = job->Width, step = job->Step, k = step * step * n, perImage = job->Rows * job->Cols;
        long stride = PointStride(job->Tiles, k);
        float** y = stackalloc float*[16];
        Vector256<float>* t = stackalloc Vector256<float>[20];
        for (int tile = first; tile < end; tile++)
        {
            int b = tile / perImage, r = tile - b * perImage, ty = r / job->Cols, tx = r - ty * job->Cols;
            float* image = job->To + (long)b * job->Height * job->MapWidth * n;
            for (int p = 0; p < step; p++)
                for (int q = 0; q < step; q++)
                {
                    for (int i = 0; i < 4; i++)
                        for (int j = 0; j < 4; j++)
                        {
                            int row = step * (4 * ty + i) + p + job->Shift, col = step * (4 * tx + j) + q + job->Shift;
                            y[i * 4 + j] = row >= 0 && row < job->Height && col >= 0 && col < job->MapWidth ? image + ((long)row * job->MapWidth + col) * n : null;
                        }
                    float* from = job->From + (long)tile * k + (p * step + q) * n;
                    for (int ch = 0; ch < n; ch += 8)
                    {
                        float* at = from + ch;
                        for (int v = 0; v < 5; v++)
                            OutputTransform(Vector256.Load(at + v * stride), Vector256.Load(at + (5 + v) * stride), Vector256.Load(at + (10 + v) * stride),
                                Vector256.Load(at + (15 + v) * stride), Vector256.Load(at + (20 + v) * stride), out t[v], out t[5 + v], out t[10 + v], out t[15 + v]);
                        for (int i = 0; i < 4; i++)
                        {
                            if (y[i * 4] is null && y[i * 4 + 1] is null && y[i * 4 + 2] is null && y[i * 4 + 3] is null) continue;
                            OutputTransform(t[i * 5], t[i * 5 + 1], t[i * 5 + 2], t[i * 5 + 3], t[i * 5 + 4], out var y0, out var y1, out var y2, out var y3);
                            Put(y[i * 4], y0); Put(y[i * 4 + 1], y1); Put(y[i * 4 + 2], y2); Put(y[i * 4 + 3], y3);
                        }

                        void Put(float* row, Vector256<float> value)
                        {
                            if (row is not null) value.Store(row + ch);
                        }
                    }
                }
        }
    }

    /// <summary>Bᵀ d along one axis.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTransform(Vector256<float> d0, Vector256<float> d1, Vector256<float> d2, Vector256<float> d3, Vector256<float> d4,
        out Vector256<float> t0, out Vector256<float> t1, out Vector256<float> t2, out Vector256<float> t3, out Vector256<float> t4)
    {
        Vector256<float> two = Vector256.Create(2f), three = Vector256.Create(3f);
        t0 = Vector256.FusedMultiplyAdd(two, d0 - d2, d3 - d1);
        t1 = Vector256.FusedMultiplyAdd(two, d1, d2 - d3);
        t2 = Vector256.FusedMultiplyAdd(three, d2, -Vector256.FusedMultiplyAdd(two, d1, d3));
        t3 = d3 - d1;
        t4 = Vector256.FusedMultiplyAdd(two, d1 - d3, d4 - d2);
    }

    /// <summary>G g along one axis (the kernel's two taps into five points).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KernelTransform(Vector256<float> g0, Vector256<float> g1,
        out Vector256<float> t0, out Vector256<float> t1, out Vector256<float> t2, out Vector256<float> t3, out Vector256<float> t4)
    {
        Vector256<float> half = Vector256.Create(0.5f), sixth = Vector256.Create(1f / 6f);
        t0 = g0 * half;
        t1 = (g0 + g1) * half;
        t2 = (g0 - g1) * sixth;
        t3 = Vector256.FusedMultiplyAdd(Vector256.Create(2f), g1, g0) * sixth;
        t4 = g1;
    }

    /// <summary>Aᵀ m along one axis (five points into four outputs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputTransform(Vector256<float> m0, Vector256<float> m1, Vector256<float> m2, Vector256<float> m3, Vector256<float> m4,
        out Vector256<float> y0, out Vector256<float> y1, out Vector256<float> y2, out Vector256<float> y3)
    {
        Vector256<float> sum = m1 + m2, difference = m1 - m2;
        y0 = m0 + sum + m3;
        y1 = Vector256.FusedMultiplyAdd(Vector256.Create(2f), m3, difference);
        y2 = Vector256.FusedMultiplyAdd(Vector256.Create(4f), m3, sum);
        y3 = Vector256.FusedMultiplyAdd(Vector256.Create(8f), m3, difference) + m4;
    }

    /// <summary>A e along one axis (four output-gradient values into five points).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientTransform(Vector256<float> e0, Vector256<float> e1, Vector256<float> e2, Vector256<float> e3,
        out Vector256<float> t0, out Vector256<float> t1, out Vector256<float> t2, out Vector256<float> t3, out Vector256<float> t4)
    {
        Vector256<float> even = e0 + e2, odd = e1 + e3;
        t0 = e0;
        t1 = even + odd;
        t2 = even - odd;
        t3 = Vector256.FusedMultiplyAdd(Vector256.Create(2f), Vector256.FusedMultiplyAdd(Vector256.Create(4f), e3, e1), Vector256.FusedMultiplyAdd(Vector256.Create(4f), e2, e0));
        t4 = e3;
    }

    /// <summary>Gᵀ s along one axis (five points into the kernel's two taps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KernelGradientTransform(Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, Vector256<float> s3, Vector256<float> s4,
        out Vector256<float> d0, out Vector256<float> d1)
    {
        Vector256<float> half = Vector256.Create(0.5f), sixth = Vector256.Create(1f / 6f);
        d0 = Vector256.FusedMultiplyAdd(s0 + s1, half, (s2 + s3) * sixth);
        d1 = Vector256.FusedMultiplyAdd(s1, half, Vector256.FusedMultiplyAdd(Vector256.Create(2f), s3, -s2) * sixth) + s4;
    }
}
