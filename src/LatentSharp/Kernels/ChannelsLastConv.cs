using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentSharp.Kernels;

/// <summary>
/// Strided convolutions, their adjoints and weight gradients computed from channels-last copies of their operands: every
/// image position a row of its channels. Each product term (output position, tap) then reads the C input channels of
/// one row in order, so the products need no column matrix and no packing: the weight, as [T, C, O] or per stride phase
/// [T', O, C], is read from cache as stored, and the inputs by broadcasts along the rows. The ops copy their NCHW
/// operands into these layouts and the results back (<see cref="ToRows"/>, <see cref="ToPlanes"/>), 8 × 8 blocks at a time.
/// </summary>
/// <remarks>
/// The geometry is always a convolution's, <see cref="Im2ColGeometry"/> g with C = g.Channels inputs and O outputs:
/// a transposed convolution is the adjoint of the convolution whose geometry its op describes. Two padded layouts:
/// the source [N, H + 2p, W + 2p, C] (<see cref="Source"/>) and the gradient [N, Hg, Wg, O] (<see cref="Gradient"/>),
/// the output map with a zero border of ⌈k / s⌉ − 1 on the top and left (and enough on the bottom and right) so that
/// the adjoint reads its taps at constant offsets too. Every output element is one chain of fused multiply-adds in a
/// fixed order, computed by one thread: results do not depend on the thread count. The 4 × 4, stride-2, padding-1
/// convolutions take Winograd's form on the same layouts (ChannelsLastConv.Winograd.cs): half the multiply-adds.
/// </remarks>
internal static unsafe partial class ChannelsLastConv
{
    /// <summary>Off in tests, to compare with the other paths.</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>
    /// True when this path computes the convolution g with <paramref name="outChannels"/> outputs: stride above 1 (stride 1
    /// has <see cref="DirectConv"/>), every tap used, both channel counts multiples of 32, on a vector FMA path (the
    /// Vector512 one takes tiles of 64 or 32 outputs in zmm registers, the Vector256 one tiles of 32 in ymm).
    /// </summary>
    public static bool Applies(in Im2ColGeometry g, int outChannels) =>
        Enabled && g.Stride > 1 && g.TapMask == 0 && g.Channels % 32 == 0 && outChannels % 32 == 0 && g.Positions > 0
        && Avx.IsSupported && Gemm.Resolve() is GemmPath.Vector512 or GemmPath.Vector256;

    /// <summary>Whether the products run on zmm registers (the Vector512 path) rather than ymm.</summary>
    private static bool Wide => Gemm.Resolve() == GemmPath.Vector512;

    /// <summary>Rows of the source layout: the input padded on every side.</summary>
    public static (int Height, int Width) Source(in Im2ColGeometry g) => (g.Height + 2 * g.Padding, g.Width + 2 * g.Padding);

    /// <summary>The gradient layout: the output map padded by <c>Border</c> on the top and left, to the size the adjoint reads.</summary>
    public static (int Height, int Width, int Border) Gradient(in Im2ColGeometry g)
    {
        int border = (Math.Max(g.Kh, g.Kw) + g.Stride - 1) / g.Stride - 1;
        int height = Math.Max(g.OutHeight, (g.Height - 1 + g.Padding) / g.Stride + 1) + border;
        int width = Math.Max(g.OutWidth, (g.Width - 1 + g.Padding) / g.Stride + 1) + border;
        return (height, width, border);
    }

    /// <summary>
    /// Runs body(state, start, end) over [0, <paramref name="length"/>) in chunks of <paramref name="chunk"/> items that the
    /// threads take in turn, so that one that runs slower (a core shared with another process) takes fewer. Which thread
    /// computes a chunk does not change its values.
    /// </summary>
    private static void RunChunks(int length, int chunk, delegate*<void*, int, int, void> body, void* state)
    {
        int chunks = (length + chunk - 1) / chunk, parts = Math.Min(Threading.MaxThreads, chunks);
        if (parts <= 1)
        {
            body(state, 0, length);
            return;
        }
        var job = new Chunks { Body = body, State = state, Length = length, Chunk = chunk };
        WorkerPool.Run(parts, &TakeChunks, &job);
    }

    private struct Chunks
    {
        public delegate*<void*, int, int, void> Body;
        public void* State;
        public int Length, Chunk, Next;
    }

    private static void TakeChunks(void* state, int part)
    {
        var job = (Chunks*)state;
        long start;
        while ((start = (long)(Interlocked.Increment(ref job->Next) - 1) * job->Chunk) < job->Length)
            job->Body(job->State, (int)start, (int)Math.Min(job->Length, start + job->Chunk));
    }

    /// <summary>About 8 chunks per thread, whole tiles of 8 positions, at least 64 positions each.</summary>
    private static int PositionsPerChunk(int positions) =>
        Math.Max(64, (positions / (8 * Threading.MaxThreads) + 7) & ~7);

    /// <summary>Floats a buffer holds beyond its contents so that they can start at <see cref="Aligned"/>.</summary>
    public const int Slack = 16;

    /// <summary>
    /// The first float at or after <paramref name="p"/> on a cache line. Rows are multiples of 32 channels, so in a buffer
    /// that starts there every row, and every vector of a row, starts on a cache line: no load or store spans two.
    /// </summary>
    public static float* Aligned(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    /// <summary>A scratch buffer of at least <paramref name="length"/> floats from <see cref="Aligned"/> on (any values), from the shared pool.</summary>
    public static float[] Rent(long length) => ArrayPool<float>.Shared.Rent(checked((int)Math.Max(length + Slack, 1)));

    /// <summary>Gives a <see cref="Rent"/> buffer back.</summary>
    public static void Return(float[] buffer) => ArrayPool<float>.Shared.Return(buffer);

    /// <summary>
    /// dst[b, y, x, c] = x[b, c, y − border, x − border] (· [keep &gt; 0] where <paramref name="keep"/> is given), zero
    /// outside the map: NCHW planes [C, h, w] into rows of C channels in a [hp, wp] grid. With
    /// <paramref name="biasGradient"/> ([C]), adds to it the sum of what it writes per channel (a bias gradient, without
    /// reading the rows again): each image's sums in a fixed order, then those over the images in order, so the result
    /// does not depend on which thread copied which image.
    /// </summary>
    public static void ToRows(float* x, int images, int c, int h, int w, int border, int hp, int wp, float* dst, float* keep = null, float* biasGradient = null)
    {
        float[]? sums = biasGradient is null ? null : Rent((long)images * c);
        try
        {
            fixed (float* ps = sums)
            {
                var job = new Layout { X = x, Keep = keep, Dst = dst, Sums = ps, C = c, H = h, W = w, Border = border, Hp = hp, Wp = wp };
                RunChunks(images, 4, &ToRowsRange, &job);
                if (ps is not null)
                    for (int ch = 0; ch < c; ch++)
                    {
                        float total = 0f;
                        for (int b = 0; b < images; b++) total += ps[(long)b * c + ch];
                        biasGradient[ch] += total;
                    }
            }
        }
        finally
        {
            if (sums is not null) Return(sums);
        }
    }

    private struct Layout
    {
        public float* X, Keep, Dst, Bias, Sums;
        public int C, H, W, Border, Hp, Wp;
        public bool Relu, Accumulate;
    }

    private static void ToRowsRange(void* state, int first, int end)
    {
        var job = (Layout*)state;
        int c = job->C, h = job->H, w = job->W, hp = job->Hp, wp = job->Wp, border = job->Border;
        int plane = h * w;
        long image = (long)hp * wp * c;
        int* at = stackalloc int[8];
        // With sums: 8 lanes per channel (positions mod 8), reduced at the end of each image.
        float[]? partials = job->Sums is null ? null : Rent(8L * c);
        fixed (float* partialsStart = partials)
        for (int b = first; b < end; b++)
        {
            float* to = job->Dst + b * image;
            float* from = job->X + (long)b * c * plane;
            float* keep = job->Keep is null ? null : job->Keep + (long)b * c * plane;
            float* acc = partials is null ? null : Aligned(partialsStart);
            if (acc is not null) new Span<float>(acc, 8 * c).Clear();
            // The border rows and columns only: the interior is written below.
            new Span<float>(to, border * wp * c).Clear();
            for (int y = border; y < hp; y++)
            {
                float* row = to + (long)y * wp * c;
                if (y >= border + h) { new Span<float>(row, wp * c).Clear(); continue; }
                new Span<float>(row, border * c).Clear();
                new Span<float>(row + (border + w) * c, (wp - border - w) * c).Clear();
            }
            // Blocks of 8 channels × 8 consecutive positions of the map, transposed in registers; the last positions one by one.
            int q = 0, py = 0, px = 0;   // map position q = py·w + px
            for (; q + 8 <= plane; q += 8)
            {
                for (int j = 0; j < 8; j++)
                {
                    at[j] = ((py + border) * wp + px + border) * c;
                    if (++px == w) { px = 0; py++; }
                }
                for (int ch = 0; ch < c; ch += 8)
                {
                    float* f = from + (long)ch * plane + q;
                    Vector256<float> v0 = Vector256.Load(f), v1 = Vector256.Load(f + plane), v2 = Vector256.Load(f + 2 * plane), v3 = Vector256.Load(f + 3 * plane);
                    Vector256<float> v4 = Vector256.Load(f + 4 * plane), v5 = Vector256.Load(f + 5 * plane), v6 = Vector256.Load(f + 6 * plane), v7 = Vector256.Load(f + 7 * plane);
                    if (keep is not null)
                    {
                        float* k = keep + (long)ch * plane + q;
                        v0 = Positive(k, v0); v1 = Positive(k + plane, v1); v2 = Positive(k + 2 * plane, v2); v3 = Positive(k + 3 * plane, v3);
                        v4 = Positive(k + 4 * plane, v4); v5 = Positive(k + 5 * plane, v5); v6 = Positive(k + 6 * plane, v6); v7 = Positive(k + 7 * plane, v7);
                    }
                    if (acc is not null)
                    {
                        float* a = acc + 8 * ch;
                        (Vector256.Load(a) + v0).Store(a); (Vector256.Load(a + 8) + v1).Store(a + 8);
                        (Vector256.Load(a + 16) + v2).Store(a + 16); (Vector256.Load(a + 24) + v3).Store(a + 24);
                        (Vector256.Load(a + 32) + v4).Store(a + 32); (Vector256.Load(a + 40) + v5).Store(a + 40);
                        (Vector256.Load(a + 48) + v6).Store(a + 48); (Vector256.Load(a + 56) + v7).Store(a + 56);
                    }
                    Transpose8x8(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
                    float* t = to + ch;
                    v0.Store(t + at[0]); v1.Store(t + at[1]); v2.Store(t + at[2]); v3.Store(t + at[3]);
                    v4.Store(t + at[4]); v5.Store(t + at[5]); v6.Store(t + at[6]); v7.Store(t + at[7]);
                }
            }
            for (; q < plane; q++)
            {
                float* row = to + ((py + border) * wp + px + border) * c;
                if (++px == w) { px = 0; py++; }
                for (int ch = 0; ch < c; ch++)
                {
                    row[ch] = keep is null || keep[(long)ch * plane + q] > 0f ? from[(long)ch * plane + q] : 0f;
                    if (acc is not null) acc[8 * ch + q % 8] += row[ch];
                }
            }
            if (acc is not null)
                for (int ch = 0; ch < c; ch++)
                {
                    float sum = 0f;
                    for (int lane = 0; lane < 8; lane++) sum += acc[8 * ch + lane];
                    job->Sums[(long)b * c + ch] = sum;
                }
        }
        if (partials is not null) Return(partials);

        static Vector256<float> Positive(float* keep, Vector256<float> v) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(keep), Vector256<float>.Zero), v, Vector256<float>.Zero);
    }

    /// <summary>Transposes the 8 × 8 block whose rows are v0 … v7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref Vector256<float> v0, ref Vector256<float> v1, ref Vector256<float> v2, ref Vector256<float> v3,
        ref Vector256<float> v4, ref Vector256<float> v5, ref Vector256<float> v6, ref Vector256<float> v7)
    {
        Vector256<float> t0 = Avx.UnpackLow(v0, v1), t1 = Avx.UnpackHigh(v0, v1), t2 = Avx.UnpackLow(v2, v3), t3 = Avx.UnpackHigh(v2, v3);
        Vector256<float> t4 = Avx.UnpackLow(v4, v5), t5 = Avx.UnpackHigh(v4, v5), t6 = Avx.UnpackLow(v6, v7), t7 = Avx.UnpackHigh(v6, v7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        v0 = Avx.Permute2x128(u0, u4, 0x20); v1 = Avx.Permute2x128(u1, u5, 0x20); v2 = Avx.Permute2x128(u2, u6, 0x20); v3 = Avx.Permute2x128(u3, u7, 0x20);
        v4 = Avx.Permute2x128(u0, u4, 0x31); v5 = Avx.Permute2x128(u1, u5, 0x31); v6 = Avx.Permute2x128(u2, u6, 0x31); v7 = Avx.Permute2x128(u3, u7, 0x31);
    }

    /// <summary>
    /// y[b, c, q] = rows[b·P + q, c] (+ bias[c], then max(·, 0) with <paramref name="relu"/>), or y += rows with
    /// <paramref name="accumulate"/>: rows of C channels back to NCHW planes.
    /// </summary>
    public static void ToPlanes(float* rows, int images, int positions, int c, float* y, float* bias, bool relu, bool accumulate)
    {
        var job = new Layout { X = rows, Dst = y, Bias = bias, C = c, H = positions, Relu = relu, Accumulate = accumulate };
        RunChunks(images, 4, &ToPlanesRange, &job);
    }

    private static void ToPlanesRange(void* state, int first, int end)
    {
        var job = (Layout*)state;
        int c = job->C, positions = job->H;
        for (int b = first; b < end; b++)
        {
            float* src = job->X + (long)b * positions * c;
            float* dst = job->Dst + (long)b * positions * c;
            // Blocks of 8 positions × 8 channels transposed in registers; the last positions one by one.
            int q = 0;
            for (; q + 8 <= positions; q += 8)
                for (int ch = 0; ch < c; ch += 8)
                {
                    float* f = src + (long)q * c + ch;
                    Vector256<float> v0 = Vector256.Load(f), v1 = Vector256.Load(f + c), v2 = Vector256.Load(f + 2 * c), v3 = Vector256.Load(f + 3 * c);
                    Vector256<float> v4 = Vector256.Load(f + 4 * c), v5 = Vector256.Load(f + 5 * c), v6 = Vector256.Load(f + 6 * c), v7 = Vector256.Load(f + 7 * c);
                    Transpose8x8(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
                    float* t = dst + (long)ch * positions + q;
                    Finish(job, t, ch, v0); Finish(job, t + positions, ch + 1, v1); Finish(job, t + 2 * positions, ch + 2, v2); Finish(job, t + 3 * positions, ch + 3, v3);
                    Finish(job, t + 4 * positions, ch + 4, v4); Finish(job, t + 5 * positions, ch + 5, v5); Finish(job, t + 6 * positions, ch + 6, v6); Finish(job, t + 7 * positions, ch + 7, v7);
                }
            for (; q < positions; q++)
                for (int ch = 0; ch < c; ch++)
                {
                    float v = src[(long)q * c + ch];
                    float* to = dst + (long)ch * positions + q;
                    if (job->Accumulate) *to += v;
                    else
                    {
                        if (job->Bias is not null) v += job->Bias[ch];
                        *to = job->Relu ? Math.Max(v, 0f) : v;
                    }
                }
        }

        static void Finish(Layout* job, float* to, int ch, Vector256<float> v)
        {
            if (job->Accumulate) v += Vector256.Load(to);
            else
            {
                if (job->Bias is not null) v += Vector256.Create(job->Bias[ch]);
                if (job->Relu) v = Vector256.Max(v, Vector256<float>.Zero);
            }
            v.Store(to);
        }
    }

    /// <summary>
    /// y [N, O, Ho, Wo] = the convolution of the source layout <paramref name="source"/> by w [O, C, kh, kw] (+ bias, then
    /// max(·, 0) with <paramref name="relu"/>; or y += it with <paramref name="accumulate"/>).
    /// </summary>
    public static void Forward(in Im2ColGeometry g, int o, int images, float* source, float* w, float* bias, bool relu, bool accumulate, float* y)
    {
        if (TakesWinograd(g))
        {
            WinogradFromSource(g, o, images, source, w, bias, relu, accumulate, y, null, null);
            return;
        }
        int c = g.Channels, taps = g.Kh * g.Kw, p = g.Positions;
        (int hp, int wp) = Source(g);
        float[] packed = Rent((long)taps * c * o);
        int* offsets = stackalloc int[taps];
        float[] rows = Rent((long)images * p * o);
        try
        {
            fixed (float* packedStart = packed, rowsStart = rows)
            {
                float* pw = Aligned(packedStart), pr = Aligned(rowsStart);
                Rearrange(WeightLayout.TapChannelOutput, w, pw, o, c, taps, null);
                for (int i = 0; i < g.Kh; i++)
                    for (int j = 0; j < g.Kw; j++)
                        offsets[i * g.Kw + j] = (i * wp + j) * c;
                var phase = new Phase
                {
                    Grid = new Grid(images, g.OutHeight, g.OutWidth,
                        inImage: (long)hp * wp * c, inRow: (long)g.Stride * wp * c, inCol: g.Stride * c, inOrigin: 0,
                        outImage: (long)p * o, outRow: (long)g.OutWidth * o, outCol: o, outOrigin: 0),
                    W = pw, Offsets = offsets, Taps = taps,
                };
                var job = new Products { Input = source, Output = pr, Phases = &phase, PhaseCount = 1, C = c, O = o, Wide = Wide };
                RunChunks(phase.Grid.Count, PositionsPerChunk(phase.Grid.Count), &ProductsRange, &job);
                ToPlanes(pr, images, p, o, y, bias, relu, accumulate);
            }
        }
        finally
        {
            Return(packed);
            Return(rows);
        }
    }

    /// <summary>
    /// dst [N, C, H, W] = the adjoint of the convolution g (weight w [O, C, kh, kw]) applied to the gradient layout
    /// <paramref name="gradient"/> (+ bias, then max(·, 0) with <paramref name="relu"/>; or dst += it with
    /// <paramref name="accumulate"/>): each stride phase of the input map is a stride-1 convolution of the gradient layout
    /// by the taps of that phase.
    /// </summary>
    public static void Adjoint(in Im2ColGeometry g, int o, int images, float* gradient, float* w, float* bias, bool relu, bool accumulate, float* dst)
    {
        if (TakesWinograd(g))
        {
            WinogradAdjoint(g, o, images, gradient, w, bias, relu, accumulate, dst);
            return;
        }
        int c = g.Channels, s = g.Stride, taps = g.Kh * g.Kw, count = images * g.Height * g.Width;
        (int hg, int wg, int border) = Gradient(g);
        float[] packed = Rent((long)taps * c * o);
        int* offsets = stackalloc int[taps];
        Phase* phases = stackalloc Phase[s * s];
        float[] rows = Rent((long)count * c);
        try
        {
            fixed (float* packedStart = packed, rowsStart = rows)
            {
                float* pw = Aligned(packedStart), pr = Aligned(rowsStart);
                // The taps (a + s·m, e + s·n) of each phase (a, e) in turn (w is rearranged to [T', O, C] in that order below).
                int* order = stackalloc int[taps];
                int used = 0, total = 0, tap = 0;
                for (int a = 0; a < s; a++)
                    for (int e = 0; e < s; e++)
                    {
                        // The input positions (y, x) with (y + p) mod s = a, (x + p) mod s = e read gradient row
                        // ((y + p) div s, (x + p) div s) and, for each tap of the phase, the row (m, n) above and left of it.
                        int y0 = ((a - g.Padding) % s + s) % s, x0 = ((e - g.Padding) % s + s) % s;
                        int ny = (g.Height - y0 + s - 1) / s, nx = (g.Width - x0 + s - 1) / s;
                        int first = tap;
                        for (int i = a; i < g.Kh; i += s)
                            for (int j = e; j < g.Kw; j += s)
                            {
                                order[tap] = i * g.Kw + j;
                                offsets[tap++] = -(((i - a) / s) * wg + (j - e) / s) * o;
                            }
                        if (ny <= 0 || nx <= 0) continue;
                        var grid = new Grid(images, ny, nx,
                            inImage: (long)hg * wg * o, inRow: (long)wg * o, inCol: o,
                            inOrigin: (((long)(y0 + g.Padding) / s + border) * wg + (x0 + g.Padding) / s + border) * o,
                            outImage: (long)g.Height * g.Width * c, outRow: (long)s * g.Width * c, outCol: s * c,
                            outOrigin: ((long)y0 * g.Width + x0) * c);
                        phases[used++] = new Phase { Grid = grid, W = pw + (long)first * o * c, Offsets = offsets + first, Taps = tap - first };
                        total += grid.Count;
                    }
                Rearrange(WeightLayout.TapOutputChannel, w, pw, o, c, taps, order);
                // A phase with no taps (kernel smaller than the stride) adds nothing: its rows are zeros.
                var job = new Products { Input = gradient, Output = pr, Phases = phases, PhaseCount = used, C = o, O = c, Wide = Wide };
                RunChunks(total, PositionsPerChunk(total), &ProductsRange, &job);
                ToPlanes(pr, images, g.Height * g.Width, c, dst, bias, relu, accumulate);
            }
        }
        finally
        {
            Return(packed);
            Return(rows);
        }
    }

    /// <summary>
    /// dw [O, C, kh, kw] += Σ over images and output positions of source(position, tap, c) · gradient(position, o): the
    /// weight gradient of the convolution g from its source and gradient layouts.
    /// </summary>
    public static void WeightGradient(in Im2ColGeometry g, int o, int images, float* source, float* gradient, float* dw)
    {
        if (TakesWinograd(g))
        {
            WinogradFromSource(g, o, images, source, null, null, relu: false, accumulate: false, null, gradient, dw);
            return;
        }
        int c = g.Channels, taps = g.Kh * g.Kw, rows = taps * c;
        (int hp, int wp) = Source(g);
        (int hg, int wg, int border) = Gradient(g);
        float[] sums = Rent(PositionParts * (long)rows * o);
        int[] rowOffsets = ArrayPool<int>.Shared.Rent(rows);
        try
        {
            fixed (float* sumsStart = sums)
            fixed (int* pr = rowOffsets)
            {
                float* ps = Aligned(sumsStart);
                for (int i = 0; i < g.Kh; i++)
                    for (int j = 0; j < g.Kw; j++)
                        for (int ch = 0; ch < c; ch++)
                            pr[(i * g.Kw + j) * c + ch] = (i * wp + j) * c + ch;
                // Each output position: its source row (In) and its gradient row (Out).
                var grid = new Grid(images, g.OutHeight, g.OutWidth,
                    inImage: (long)hp * wp * c, inRow: (long)g.Stride * wp * c, inCol: g.Stride * c, inOrigin: 0,
                    outImage: (long)hg * wg * o, outRow: (long)wg * o, outCol: o, outOrigin: ((long)border * wg + border) * o);
                // The positions in PositionParts fixed halves, each summed into its own [T·C, O] (the row groups shared
                // out further when there are more threads): each thread reads half the layouts, and the sums, added in
                // order, do not depend on the thread count.
                int groupRanges = Math.Max(1, Threading.MaxThreads / PositionParts);
                var job = new Gradients
                {
                    Input = source, Positions = grid, RowOffsets = pr, Gradient = gradient, O = o, Dw = ps, PartLength = (long)rows * o,
                    Groups = rows / 4, GroupRanges = groupRanges, Wide = Wide,
                };
                WorkerPool.RunRanges(PositionParts * groupRanges, 1, &GradientsPart, &job, alignment: 1);
                for (int part = 1; part < PositionParts; part++)
                    TensorPrimitives.Add(new ReadOnlySpan<float>(ps, rows * o), new ReadOnlySpan<float>(ps + part * job.PartLength, rows * o), new Span<float>(ps, rows * o));
                Rearrange(WeightLayout.AddToWeight, ps, dw, o, c, taps, null);
            }
        }
        finally
        {
            Return(sums);
            ArrayPool<int>.Shared.Return(rowOffsets);
        }
    }

    /// <summary>
    /// y = <see cref="Forward"/>(source) without bias (y += it with <paramref name="accumulate"/>; none when y is null) and
    /// dw += <see cref="WeightGradient"/>(source, gradient) (none when dw is null): a transposed convolution's input and
    /// weight gradients, from one pass over the source where the Winograd form applies (its transformed blocks serve both).
    /// </summary>
    public static void ForwardAndWeightGradient(in Im2ColGeometry g, int o, int images, float* source, float* w, bool accumulate, float* y, float* gradient, float* dw)
    {
        if (TakesWinograd(g))
        {
            if (y is not null || dw is not null) WinogradFromSource(g, o, images, source, w, null, relu: false, accumulate, y, gradient, dw);
            return;
        }
        if (dw is not null) WeightGradient(g, o, images, source, gradient, dw);
        if (y is not null) Forward(g, o, images, source, w, null, relu: false, accumulate, y);
    }

    private enum WeightLayout
    {
        /// <summary>w [O, C, T] into [T, C, O].</summary>
        TapChannelOutput,
        /// <summary>w [O, C, T] into [T', O, C], the taps in a given order.</summary>
        TapOutputChannel,
        /// <summary>[T, C, O] added to a weight gradient [O, C, T].</summary>
        AddToWeight,
    }

    private struct Weights
    {
        public float* From, To;
        public int* Order;
        public int O, C, Taps;
        public WeightLayout Layout;
    }

    /// <summary>Between the weight's layout [O, C, T] and the products' (<see cref="WeightLayout"/>), output channels shared out.</summary>
    private static void Rearrange(WeightLayout layout, float* from, float* to, int o, int c, int taps, int* order)
    {
        var job = new Weights { From = from, To = to, Order = order, O = o, C = c, Taps = taps, Layout = layout };
        // Chunks of 16 output channels: where they are the innermost index, a thread writes whole cache lines (two
        // threads writing halves of the same lines take three times as long).
        RunChunks(o, 16, &RearrangeRange, &job);
    }

    /// <summary>
    /// Output channels [first, end) (a multiple of 8 of them) of <see cref="Rearrange"/>: the taps in blocks of 8 as 8 × 8
    /// transposes in registers, the taps past the last whole block one by one.
    /// </summary>
    private static void RearrangeRange(void* state, int first, int end)
    {
        var job = (Weights*)state;
        int o = job->O, c = job->C, taps = job->Taps, whole = taps & ~7;
        float** rows = stackalloc float*[8];
        int* destination = stackalloc int[taps];   // TapOutputChannel: where each tap of the weight goes
        if (job->Layout == WeightLayout.TapOutputChannel)
            for (int t = 0; t < taps; t++) destination[job->Order[t]] = t;
        for (int t0 = 0; t0 < whole; t0 += 8)
            switch (job->Layout)
            {
                case WeightLayout.TapChannelOutput:
                    for (int oo = first; oo < end; oo += 8)
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int k = 0; k < 8; k++) rows[k] = job->To + ((long)(t0 + k) * c + ch) * o + oo;
                            Transpose8x8(job->From + ((long)oo * c + ch) * taps + t0, (long)c * taps, rows, add: false);
                        }
                    break;
                case WeightLayout.TapOutputChannel:
                    for (int oo = first; oo < end; oo++)
                        for (int ch = 0; ch < c; ch += 8)
                        {
                            for (int k = 0; k < 8; k++) rows[k] = job->To + ((long)destination[t0 + k] * o + oo) * c + ch;
                            Transpose8x8(job->From + ((long)oo * c + ch) * taps + t0, taps, rows, add: false);
                        }
                    break;
                default:
                    for (int oo = first; oo < end; oo += 8)
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int k = 0; k < 8; k++) rows[k] = job->To + ((long)(oo + k) * c + ch) * taps + t0;
                            Transpose8x8(job->From + ((long)t0 * c + ch) * o + oo, (long)c * o, rows, add: true);
                        }
                    break;
            }
        for (int oo = first; oo < end; oo++)
            for (int ch = 0; ch < c; ch++)
            {
                long weight = ((long)oo * c + ch) * taps;
                switch (job->Layout)
                {
                    case WeightLayout.TapChannelOutput:
                        for (int t = whole; t < taps; t++) job->To[((long)t * c + ch) * o + oo] = job->From[weight + t];
                        break;
                    case WeightLayout.TapOutputChannel:
                        for (int t = 0; t < taps; t++)
                            if (job->Order[t] >= whole) job->To[((long)t * o + oo) * c + ch] = job->From[weight + job->Order[t]];
                        break;
                    default:
                        for (int t = whole; t < taps; t++) job->To[weight + t] += job->From[((long)t * c + ch) * o + oo];
                        break;
                }
            }
    }

    /// <summary>
    /// rows[k][r] = from[r·<paramref name="stride"/> + k] for r, k &lt; 8 (added to what rows[k] holds with <paramref name="add"/>):
    /// 8 rows of 8 read, transposed in registers, written as 8 rows.
    /// </summary>
    private static void Transpose8x8(float* from, long stride, float** rows, bool add)
    {
        Vector256<float> v0 = Vector256.Load(from), v1 = Vector256.Load(from + stride), v2 = Vector256.Load(from + 2 * stride), v3 = Vector256.Load(from + 3 * stride);
        Vector256<float> v4 = Vector256.Load(from + 4 * stride), v5 = Vector256.Load(from + 5 * stride), v6 = Vector256.Load(from + 6 * stride), v7 = Vector256.Load(from + 7 * stride);
        Transpose8x8(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        Put(rows[0], v0, add); Put(rows[1], v1, add); Put(rows[2], v2, add); Put(rows[3], v3, add);
        Put(rows[4], v4, add); Put(rows[5], v5, add); Put(rows[6], v6, add); Put(rows[7], v7, add);

        static void Put(float* to, Vector256<float> v, bool add) => (add ? Vector256.Load(to) + v : v).Store(to);
    }

    /// <summary>
    /// Output positions (b, y, x) of a [images, rows, cols] grid, numbered q = (b·rows + y)·cols + x, where each reads
    /// its input row and writes its output row at offsets affine in (b, y, x).
    /// </summary>
    private readonly struct Grid(int images, int rows, int cols, long inImage, long inRow, long inCol, long inOrigin,
        long outImage, long outRow, long outCol, long outOrigin)
    {
        public int Count => images * rows * cols;

        /// <summary>A walk through the positions from <paramref name="q"/> on, in order.</summary>
        public Cursor At(int q)
        {
            int perImage = rows * cols, b = q / perImage, r = q - b * perImage, y = r / cols, x = r - y * cols;
            return new Cursor
            {
                X = x, Y = y, Cols = cols, Rows = rows,
                In = inOrigin + b * inImage + y * inRow + x * inCol, Out = outOrigin + b * outImage + y * outRow + x * outCol,
                InCol = inCol, OutCol = outCol,
                InWrap = inRow - cols * inCol, OutWrap = outRow - cols * outCol,
                InImageWrap = inImage - rows * inRow, OutImageWrap = outImage - rows * outRow,
            };
        }
    }

    /// <summary>The input and output offsets of one position of a <see cref="Grid"/>; <see cref="Next"/> moves to the next.</summary>
    private struct Cursor
    {
        public long In, Out;
        public int X, Y, Cols, Rows;
        public long InCol, OutCol, InWrap, OutWrap, InImageWrap, OutImageWrap;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Next()
        {
            In += InCol;
            Out += OutCol;
            if (++X < Cols) return;
            X = 0;
            In += InWrap;
            Out += OutWrap;
            if (++Y < Rows) return;
            Y = 0;
            In += InImageWrap;
            Out += OutImageWrap;
        }
    }

    /// <summary>The positions of one stride phase (or all of a convolution's), and the taps and weight [T, C, O] they take.</summary>
    private struct Phase
    {
        public Grid Grid;
        public float* W;
        public int* Offsets;
        public int Taps;
    }

    private struct Products
    {
        public float* Input, Output;
        public Phase* Phases;
        public int PhaseCount, C, O;
        public bool Wide;   // Vector512 tiles, else Vector256 ones
    }

    /// <summary>Positions [first, end) of the phases one after the other, in tiles that stay within a phase.</summary>
    private static void ProductsRange(void* state, int first, int end)
    {
        var job = (Products*)state;
        int start = 0;
        for (int f = 0; f < job->PhaseCount; f++)
        {
            Phase* phase = job->Phases + f;
            int count = phase->Grid.Count;
            int from = Math.Max(first, start) - start, to = Math.Min(end, start + count) - start;
            if (from < to) PhaseRange(job, phase, from, to);
            start += count;
        }
    }

    private static void PhaseRange(Products* job, Phase* phase, int first, int end)
    {
        int o = job->O, c = job->C, taps = phase->Taps;
        float* input = job->Input;
        ref readonly Grid grid = ref phase->Grid;
        long* outRows = stackalloc long[8];
        float** a = stackalloc float*[8];
        int tile = job->Wide && o % 64 != 0 ? 8 : 4;
        Cursor cursor = grid.At(first);
        for (int q = first; q < end; q += tile)
        {
            int rows = Math.Min(tile, end - q);
            for (int r = 0; r < tile; r++)
            {
                // A short last tile repeats its last position (computed, not stored).
                a[r] = input + cursor.In;
                outRows[r] = cursor.Out;
                if (r < rows - 1) cursor.Next();
            }
            cursor.Next();
            if (!job->Wide)
                for (int ob = 0; ob < o; ob += 32)
                    Tile4x4<Ymm, Vector256<float>>(a[0], a[1], a[2], a[3], phase->Offsets, taps, c, phase->W + ob, o, new Tile(job->Output + ob, outRows, rows));
            else if (tile == 4)
                for (int ob = 0; ob < o; ob += 64)
                    Tile4x4<Zmm, Vector512<float>>(a[0], a[1], a[2], a[3], phase->Offsets, taps, c, phase->W + ob, o, new Tile(job->Output + ob, outRows, rows));
            else
                for (int ob = 0; ob < o; ob += 32)
                    Tile8x32(a, phase->Offsets, taps, c, phase->W + ob, o, new Tile(job->Output + ob, outRows, rows));
        }
    }

    /// <summary>Where a tile's rows go: row r of the tile to output + rows[r].</summary>
    private readonly struct Tile(float* output, long* rows, int count)
    {
        public readonly int Rows = count;

        public float* Row(int r) => output + rows[r];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x32(float** a, int* offsets, int taps, int c, float* w, int ldw, in Tile output)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        float* wt = w;
        for (int t = 0; t < taps; t++)
        {
            int off = offsets[t];
            float* p0 = a[0] + off, p1 = a[1] + off, p2 = a[2] + off, p3 = a[3] + off;
            float* p4 = a[4] + off, p5 = a[5] + off, p6 = a[6] + off, p7 = a[7] + off;
            for (int ch = 0; ch < c; ch++, wt += ldw)
            {
                var b0 = Vector512.Load(wt);
                var b1 = Vector512.Load(wt + 16);
                var x = Vector512.Create(p0[ch]);
                c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
                c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
                x = Vector512.Create(p1[ch]);
                c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
                c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
                x = Vector512.Create(p2[ch]);
                c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
                c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
                x = Vector512.Create(p3[ch]);
                c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
                c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
                x = Vector512.Create(p4[ch]);
                c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
                c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
                x = Vector512.Create(p5[ch]);
                c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
                c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
                x = Vector512.Create(p6[ch]);
                c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
                c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
                x = Vector512.Create(p7[ch]);
                c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
                c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            }
        }
        Store2(output, 0, c00, c01);
        Store2(output, 1, c10, c11);
        Store2(output, 2, c20, c21);
        Store2(output, 3, c30, c31);
        Store2(output, 4, c40, c41);
        Store2(output, 5, c50, c51);
        Store2(output, 6, c60, c61);
        Store2(output, 7, c70, c71);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(in Tile output, int r, Vector512<float> lo, Vector512<float> hi)
    {
        if (r >= output.Rows) return;
        float* d = output.Row(r);
        lo.Store(d);
        hi.Store(d + 16);
    }

    /// <summary>Fixed parts of the weight gradient's positions, each summed on its own: see <see cref="WeightGradient"/>.</summary>
    private const int PositionParts = 2;

    private struct Gradients
    {
        public float* Input, Gradient, Dw;   // Dw: PositionParts sums [T·C, O], PartLength apart
        public long PartLength;
        public Grid Positions;
        public int* RowOffsets;
        public int O, Groups, GroupRanges;
        public bool Wide;   // Vector512 tiles, else Vector256 ones
        public bool Accumulate;   // add to the sums rather than start them at zero
    }

    /// <summary>Items [first, end) of PositionParts × GroupRanges: a part of the positions and a range of the row groups of 4.</summary>
    private static void GradientsPart(void* state, int first, int end)
    {
        var job = (Gradients*)state;
        int count = job->Positions.Count;
        for (int item = first; item < end; item++)
        {
            int part = item / job->GroupRanges, range = item % job->GroupRanges;
            GradientsRange(job, job->Dw + part * job->PartLength, count * part / PositionParts, count * (part + 1) / PositionParts,
                job->Groups * range / job->GroupRanges, job->Groups * (range + 1) / job->GroupRanges);
        }
    }

    /// <summary>Weight-gradient rows [4·first, 4·end) into <paramref name="dw"/>, over positions [from, to) in blocks that stay in cache, in ascending order.</summary>
    private static void GradientsRange(Gradients* job, float* dw, int from, int to, int first, int end)
    {
        const int Block = 96;
        int o = job->O;
        int* bases = stackalloc int[Block];
        int* gradientBases = stackalloc int[Block];
        if (!job->Accumulate) new Span<float>(dw + 4L * first * o, 4 * (end - first) * o).Clear();
        Cursor cursor = job->Positions.At(from);
        for (int q0 = from; q0 < to; q0 += Block)
        {
            int length = Math.Min(Block, to - q0);
            for (int q = 0; q < length; q++, cursor.Next())
            {
                bases[q] = (int)cursor.In;
                gradientBases[q] = (int)cursor.Out;
            }
            for (int r = 4 * first; r < 4 * end; r += 4)
                for (int ob = 0; ob < o; ob += 32)
                    if (!job->Wide)
                        GradientTile4x4<Ymm, Vector256<float>>(job->Input, bases, gradientBases, 0, length, job->RowOffsets + r, job->Gradient + ob, dw + (long)r * o + ob, o);
                    else if (o - ob >= 64)
                    {
                        GradientTile4x4<Zmm, Vector512<float>>(job->Input, bases, gradientBases, 0, length, job->RowOffsets + r, job->Gradient + ob, dw + (long)r * o + ob, o);
                        ob += 32;
                    }
                    else GradientTile4x32(job->Input, bases, gradientBases, 0, length, job->RowOffsets + r, job->Gradient + ob, dw + (long)r * o + ob, o);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientTile4x32(float* input, int* bases, int* gradientBases, int q0, int q1, int* rows, float* gradient, float* dw, int ldd)
    {
        int r0 = rows[0], r1 = rows[1], r2 = rows[2], r3 = rows[3];
        float* d0 = dw, d1 = dw + ldd, d2 = dw + 2 * ldd, d3 = dw + 3 * ldd;
        Vector512<float> c00 = Vector512.Load(d0), c01 = Vector512.Load(d0 + 16), c10 = Vector512.Load(d1), c11 = Vector512.Load(d1 + 16);
        Vector512<float> c20 = Vector512.Load(d2), c21 = Vector512.Load(d2 + 16), c30 = Vector512.Load(d3), c31 = Vector512.Load(d3 + 16);
        for (int q = q0; q < q1; q++)
        {
            float* a = input + bases[q];
            float* g = gradient + gradientBases[q];
            var b0 = Vector512.Load(g);
            var b1 = Vector512.Load(g + 16);
            var x = Vector512.Create(a[r0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[r1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[r2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[r3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
        }
        c00.Store(d0); c01.Store(d0 + 16); c10.Store(d1); c11.Store(d1 + 16);
        c20.Store(d2); c21.Store(d2 + 16); c30.Store(d3); c31.Store(d3 + 16);
    }

    /// <summary>A vector width for the 4-row tiles: its loads, broadcasts, fused multiply-adds and stores.</summary>
    private interface IWidth<TVector> where TVector : struct
    {
        static abstract int Lanes { get; }
        static abstract TVector Load(float* p);
        static abstract TVector Broadcast(float x);
        static abstract TVector Fma(TVector a, TVector b, TVector c);
        static abstract void Store(TVector v, float* p);
    }

    /// <summary>zmm registers: tiles of 64 outputs.</summary>
    private readonly struct Zmm : IWidth<Vector512<float>>
    {
        public static int Lanes => 16;
        public static Vector512<float> Load(float* p) => Vector512.Load(p);
        public static Vector512<float> Broadcast(float x) => Vector512.Create(x);
        public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
        public static void Store(Vector512<float> v, float* p) => v.Store(p);
    }

    /// <summary>ymm registers: tiles of 32 outputs.</summary>
    private readonly struct Ymm : IWidth<Vector256<float>>
    {
        public static int Lanes => 8;
        public static Vector256<float> Load(float* p) => Vector256.Load(p);
        public static Vector256<float> Broadcast(float x) => Vector256.Create(x);
        public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
        public static void Store(Vector256<float> v, float* p) => v.Store(p);
    }

    /// <summary>
    /// The products of 4 positions × 4 vectors of outputs (16 accumulators): per input channel of each tap, 4 weight loads
    /// and 4 broadcasts for 16 fused multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x4<TWidth, TVector>(float* a0, float* a1, float* a2, float* a3, int* offsets, int taps, int c, float* w, int ldw, in Tile output)
        where TWidth : struct, IWidth<TVector> where TVector : struct
    {
        int l = TWidth.Lanes;
        TVector c00 = default, c01 = default, c02 = default, c03 = default;
        TVector c10 = default, c11 = default, c12 = default, c13 = default;
        TVector c20 = default, c21 = default, c22 = default, c23 = default;
        TVector c30 = default, c31 = default, c32 = default, c33 = default;
        float* wt = w;
        for (int t = 0; t < taps; t++)
        {
            int off = offsets[t];
            float* p0 = a0 + off, p1 = a1 + off, p2 = a2 + off, p3 = a3 + off;
            for (int ch = 0; ch < c; ch++, wt += ldw)
            {
                TVector b0 = TWidth.Load(wt), b1 = TWidth.Load(wt + l), b2 = TWidth.Load(wt + 2 * l), b3 = TWidth.Load(wt + 3 * l);
                TVector x = TWidth.Broadcast(p0[ch]);
                c00 = TWidth.Fma(x, b0, c00); c01 = TWidth.Fma(x, b1, c01); c02 = TWidth.Fma(x, b2, c02); c03 = TWidth.Fma(x, b3, c03);
                x = TWidth.Broadcast(p1[ch]);
                c10 = TWidth.Fma(x, b0, c10); c11 = TWidth.Fma(x, b1, c11); c12 = TWidth.Fma(x, b2, c12); c13 = TWidth.Fma(x, b3, c13);
                x = TWidth.Broadcast(p2[ch]);
                c20 = TWidth.Fma(x, b0, c20); c21 = TWidth.Fma(x, b1, c21); c22 = TWidth.Fma(x, b2, c22); c23 = TWidth.Fma(x, b3, c23);
                x = TWidth.Broadcast(p3[ch]);
                c30 = TWidth.Fma(x, b0, c30); c31 = TWidth.Fma(x, b1, c31); c32 = TWidth.Fma(x, b2, c32); c33 = TWidth.Fma(x, b3, c33);
            }
        }
        StoreRow<TWidth, TVector>(output, 0, c00, c01, c02, c03);
        StoreRow<TWidth, TVector>(output, 1, c10, c11, c12, c13);
        StoreRow<TWidth, TVector>(output, 2, c20, c21, c22, c23);
        StoreRow<TWidth, TVector>(output, 3, c30, c31, c32, c33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TWidth, TVector>(in Tile output, int r, TVector v0, TVector v1, TVector v2, TVector v3)
        where TWidth : struct, IWidth<TVector> where TVector : struct
    {
        if (r >= output.Rows) return;
        float* d = output.Row(r);
        int l = TWidth.Lanes;
        TWidth.Store(v0, d);
        TWidth.Store(v1, d + l);
        TWidth.Store(v2, d + 2 * l);
        TWidth.Store(v3, d + 3 * l);
    }

    /// <summary>
    /// The weight gradient of 4 rows × 4 vectors of outputs, added to dw over positions [q0, q1): per position, 4 gradient
    /// loads and 4 broadcasts of the rows' inputs for 16 fused multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientTile4x4<TWidth, TVector>(float* input, int* bases, int* gradientBases, int q0, int q1, int* rows, float* gradient, float* dw, int ldd)
        where TWidth : struct, IWidth<TVector> where TVector : struct
    {
        int l = TWidth.Lanes, r0 = rows[0], r1 = rows[1], r2 = rows[2], r3 = rows[3];
        float* d0 = dw, d1 = dw + ldd, d2 = dw + 2 * ldd, d3 = dw + 3 * ldd;
        TVector c00 = TWidth.Load(d0), c01 = TWidth.Load(d0 + l), c02 = TWidth.Load(d0 + 2 * l), c03 = TWidth.Load(d0 + 3 * l);
        TVector c10 = TWidth.Load(d1), c11 = TWidth.Load(d1 + l), c12 = TWidth.Load(d1 + 2 * l), c13 = TWidth.Load(d1 + 3 * l);
        TVector c20 = TWidth.Load(d2), c21 = TWidth.Load(d2 + l), c22 = TWidth.Load(d2 + 2 * l), c23 = TWidth.Load(d2 + 3 * l);
        TVector c30 = TWidth.Load(d3), c31 = TWidth.Load(d3 + l), c32 = TWidth.Load(d3 + 2 * l), c33 = TWidth.Load(d3 + 3 * l);
        for (int q = q0; q < q1; q++)
        {
            float* a = input + bases[q];
            float* g = gradient + gradientBases[q];
            TVector b0 = TWidth.Load(g), b1 = TWidth.Load(g + l), b2 = TWidth.Load(g + 2 * l), b3 = TWidth.Load(g + 3 * l);
            TVector x = TWidth.Broadcast(a[r0]);
            c00 = TWidth.Fma(x, b0, c00); c01 = TWidth.Fma(x, b1, c01); c02 = TWidth.Fma(x, b2, c02); c03 = TWidth.Fma(x, b3, c03);
            x = TWidth.Broadcast(a[r1]);
            c10 = TWidth.Fma(x, b0, c10); c11 = TWidth.Fma(x, b1, c11); c12 = TWidth.Fma(x, b2, c12); c13 = TWidth.Fma(x, b3, c13);
            x = TWidth.Broadcast(a[r2]);
            c20 = TWidth.Fma(x, b0, c20); c21 = TWidth.Fma(x, b1, c21); c22 = TWidth.Fma(x, b2, c22); c23 = TWidth.Fma(x, b3, c23);
            x = TWidth.Broadcast(a[r3]);
            c30 = TWidth.Fma(x, b0, c30); c31 = TWidth.Fma(x, b1, c31); c32 = TWidth.Fma(x, b2, c32); c33 = TWidth.Fma(x, b3, c33);
        }
        TWidth.Store(c00, d0); TWidth.Store(c01, d0 + l); TWidth.Store(c02, d0 + 2 * l); TWidth.Store(c03, d0 + 3 * l);
        TWidth.Store(c10, d1); TWidth.Store(c11, d1 + l); TWidth.Store(c12, d1 + 2 * l); TWidth.Store(c13, d1 + 3 * l);
        TWidth.Store(c20, d2); TWidth.Store(c21, d2 + l); TWidth.Store(c22, d2 + 2 * l); TWidth.Store(c23, d2 + 3 * l);
        TWidth.Store(c30, d3); TWidth.Store(c31, d3 + l); TWidth.Store(c32, d3 + 2 * l); TWidth.Store(c33, d3 + 3 * l);
    }
}
