using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentSharp.Kernels;

/// <summary>
/// The products of a convolution whose column matrix has at most <see cref="MaxRows"/> rows (one input channel and a window
/// of up to 16 taps: a first layer on grey images; the same geometry is that of a transposed convolution with one output
/// channel), read straight from the phase planes (<see cref="ImplicitColumns"/>) one output row of up to 16 positions at a
/// time: <see cref="Product"/>, y[b, o, oy, ·] = Σ_r W[o, r] · cols[r, (oy, ·)] into NCHW, and <see cref="Gradient"/>,
/// dW[o, r] += Σ g[b, o, ·] · cols[r, ·] from NCHW. Nothing is gathered, unfolded or packed: for such layers, copying the
/// many-channel map to or from a GEMM's layout costs more than the products.
/// </summary>
/// <remarks>
/// Every output element is one chain of fused multiply-adds in a fixed order; the weight gradient is summed per block of
/// <see cref="BlockImages"/> images, in a fixed order, and the blocks' sums are added in order: results do not depend on
/// the thread count.
/// </remarks>
internal static unsafe class ThinConv
{
    /// <summary>Off in tests, to compare with the GEMM path.</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Most column-matrix rows (C·T) the path takes: the products hold one vector per row.</summary>
    public const int MaxRows = 16;

    /// <summary>Images per block of the weight gradient's sums: the unit the threads share.</summary>
    public const int BlockImages = 8;

    /// <summary>True when this path computes the products of g: at most <see cref="MaxRows"/> rows, every tap used, read from phase planes (AVX-512).</summary>
    public static bool Applies(in Im2ColGeometry g) =>
        Enabled && g.Rows <= MaxRows && g.TapMask == 0 && g.Positions > 0 && ImplicitColumns.Supported;

    /// <summary>
    /// y[b, o, q] = Σ_r w[o, r] · cols[r, b·P + q] (+ bias[o], then max(·, 0) with <paramref name="relu"/>; added to what
    /// y holds with <paramref name="accumulate"/>) for the <paramref name="images"/> images whose phase planes start at
    /// <paramref name="planes"/>. w is [O, Rows], y [images, O, Ho, Wo].
    /// </summary>
    public static void Product(in Im2ColGeometry g, int outputs, int images, float* planes, float* w, float* bias, bool relu, bool accumulate, float* y)
    {
        // The weight with its rows padded to 16 by zeros: the products always take 16 taps, held in registers.
        float[] padded = ArrayPool<float>.Shared.Rent(outputs * MaxRows);
        try
        {
            fixed (float* pw = padded)
            {
                int rows = g.Rows;
                for (int o = 0; o < outputs; o++)
                    for (int r = 0; r < MaxRows; r++) pw[o * MaxRows + r] = r < rows ? w[o * rows + r] : 0f;
                var job = new Job { G = g, Outputs = outputs, Images = images, Planes = planes, W = pw, Bias = bias, Maps = y, Relu = relu, Accumulate = accumulate };
                WorkerPool.RunRanges(images, 1, &ProductImages, &job, alignment: 1);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(padded);
        }
    }

    /// <summary>
    /// dW[o, r] += Σ_{b, q} g'[b, o, q] · cols[r, b·P + q] and, when <paramref name="biasGradient"/> is given, dBias[o] +=
    /// Σ_{b, q} g'[b, o, q], where g' is <paramref name="g"/> [images, O, Ho, Wo], zero where <paramref name="keep"/> (when
    /// given, the same shape: a fused ReLU's output) is not positive.
    /// </summary>
    public static void Gradient(in Im2ColGeometry geometry, int outputs, int images, float* planes, float* g, float* keep, float* weightGradient, float* biasGradient)
    {
        int blocks = (images + BlockImages - 1) / BlockImages, sums = outputs * (geometry.Rows + 1);
        float[] partial = ArrayPool<float>.Shared.Rent(blocks * sums);
        try
        {
            fixed (float* pp = partial)
            {
                var job = new Job { G = geometry, Outputs = outputs, Images = images, Planes = planes, Maps = g, Keep = keep, Partial = pp };
                WorkerPool.RunRanges(blocks, 1, &GradientBlocks, &job, alignment: 1);
                int rows = geometry.Rows;
                for (int b = 0; b < blocks; b++)
                {
                    float* block = pp + (long)b * sums;
                    for (int o = 0; o < outputs; o++)
                    {
                        for (int r = 0; r < rows; r++) weightGradient[o * rows + r] += block[o * (rows + 1) + r];
                        if (biasGradient is not null) biasGradient[o] += block[o * (rows + 1) + rows];
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partial);
        }
    }

    /// <summary>One <see cref="Product"/> or <see cref="Gradient"/> call: raw pointers, because the state lives on the caller's stack while the workers run.</summary>
    private struct Job
    {
        public Im2ColGeometry G;
        public int Outputs, Images;
        public float* Planes, W, Bias, Maps, Keep, Partial;   // Maps: Product's output y, Gradient's g
        public bool Relu, Accumulate;
    }

    /// <summary>The column-matrix row offsets within an image's planes (<see cref="ImplicitColumns.RowOffsetsOf"/>), padded to
    /// <see cref="MaxRows"/> with the first one so that the unrolled sums may read them all.</summary>
    private static void RowOffsets(in Im2ColGeometry g, int* offsets)
    {
        ImplicitColumns.RowOffsetsOf(g, new Span<int>(offsets, MaxRows));
        for (int r = g.Rows; r < MaxRows; r++) offsets[r] = offsets[0];
    }

    /// <summary>The first <paramref name="lanes"/> lanes (1 to 16) set.</summary>
    private static Vector512<float> Lanes(int lanes) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(lanes)).AsSingle();

    private static void ProductImages(void* state, int begin, int end)
    {
        var job = (Job*)state;
        ref readonly Im2ColGeometry g = ref job->G;
        int outputs = job->Outputs, ho = g.OutHeight, wo = g.OutWidth, positions = g.Positions;
        int wp = ImplicitColumns.PlaneWidth(g), imageStride = ImplicitColumns.ImageStrideOf(g);
        int* off = stackalloc int[MaxRows];
        RowOffsets(g, off);
        float* bias = job->Bias;
        bool relu = job->Relu, accumulate = job->Accumulate;
        for (int b = begin; b < end; b++)
        {
            float* planes = job->Planes + (long)b * imageStride;
            float* image = job->Maps + (long)b * outputs * positions;
            for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox += 16)
            {
                Vector512<float> lanes = Lanes(wo - ox);
                float* at = planes + oy * wp + ox;
                Vector512<float> t0 = Load(at + off[0], lanes), t1 = Load(at + off[1], lanes), t2 = Load(at + off[2], lanes), t3 = Load(at + off[3], lanes);
                Vector512<float> t4 = Load(at + off[4], lanes), t5 = Load(at + off[5], lanes), t6 = Load(at + off[6], lanes), t7 = Load(at + off[7], lanes);
                Vector512<float> t8 = Load(at + off[8], lanes), t9 = Load(at + off[9], lanes), t10 = Load(at + off[10], lanes), t11 = Load(at + off[11], lanes);
                Vector512<float> t12 = Load(at + off[12], lanes), t13 = Load(at + off[13], lanes), t14 = Load(at + off[14], lanes), t15 = Load(at + off[15], lanes);
                float* y = image + oy * wo + ox;
                float* w = job->W;
                for (int o = 0; o < outputs; o++, w += MaxRows, y += positions)
                {
                    Vector512<float> a = bias is null ? default : Vector512.Create(bias[o]), c = default;
                    // Two chains of 8, added at the end: a fixed order, half the latency of one chain.
                    a = Avx512F.FusedMultiplyAdd(Vector512.Create(w[0]), t0, a);
                    c = Avx512F.FusedMultiplyAdd(Vector512.Create(w[8]), t8, c);
                    a = Avx512F.FusedMultiplyAdd(Vector512.Create(w[1]), t1, a);
                    c = Avx512F.FusedMultiplyAdd(Vector512.Create(w[9]), t9, c);
                    a = Avx512F.FusedMultiplyAdd(Vector512.Create(w[2]), t2, a);
                    c = Avx512F.FusedMultiplyAdd(Vector512.Create(w[10]), t10, c);
                    a = Avx512F.FusedMultiplyAdd(Vector512.Create(w[3]), t3, a);
                    c = Avx512F.FusedMultiplyAdd(Vector512.Create(w[11]), t11, c);
                    a = Avx512F.FusedMultiplyAdd(Vector512.Create(w[4]), t4, a);
                    c = Avx512F.FusedMultiplyAdd(Vector512.Create(w[12]), t12, c);
                    a = Avx512F.FusedMultiplyAdd(Vector512.Create(w[5]), t5, a);
                    c = Avx512F.FusedMultiplyAdd(Vector512.Create(w[13]), t13, c);
                    a = Avx512F.FusedMultiplyAdd(Vector512.Create(w[6]), t6, a);
                    c = Avx512F.FusedMultiplyAdd(Vector512.Create(w[14]), t14, c);
                    a = Avx512F.FusedMultiplyAdd(Vector512.Create(w[7]), t7, a);
                    c = Avx512F.FusedMultiplyAdd(Vector512.Create(w[15]), t15, c);
                    Store(y, a + c, lanes, relu, accumulate);
                }
            }
        }
    }

    private static Vector512<float> Load(float* p, Vector512<float> lanes) => Avx512F.MaskLoad(p, lanes, Vector512<float>.Zero);

    private static void Store(float* y, Vector512<float> value, Vector512<float> lanes, bool relu, bool accumulate)
    {
        if (relu) value = Vector512.Max(value, Vector512<float>.Zero);
        if (accumulate) value = Avx512F.MaskLoad(y, lanes, Vector512<float>.Zero) + value;
        Avx512F.MaskStore(y, lanes, value);
    }

    /// <summary>
    /// The weight gradient's sums of blocks [begin, end), image by image: the image's 16 column rows first copied, chunk by
    /// chunk of 16 positions, into an aligned buffer (the planes' rows are 15 or so floats apart, so most vectors read from
    /// them straddle two cache lines: each output channel would read them again); then output channels two at a time, 8
    /// rows at a time (<see cref="SumPair"/>; the maps read in order), their vector sums taken from memory, added to in
    /// registers over the image's positions, and put back. At the block's end they are reduced to its partial [O, Rows + 1]
    /// (the last: the bias gradient).
    /// </summary>
    private static void GradientBlocks(void* state, int begin, int end)
    {
        const int Sums = MaxRows + 1;
        var job = (Job*)state;
        ref readonly Im2ColGeometry g = ref job->G;
        int rows = g.Rows, outputs = job->Outputs, ho = g.OutHeight, wo = g.OutWidth, positions = g.Positions;
        int wp = ImplicitColumns.PlaneWidth(g), imageStride = ImplicitColumns.ImageStrideOf(g);
        int* off = stackalloc int[MaxRows];
        RowOffsets(g, off);
        float* keep = job->Keep;
        int chunksPerRow = (wo + 15) / 16, chunks = ho * chunksPerRow;
        float[] buffer = ArrayPool<float>.Shared.Rent(outputs * Sums * 16 + 16);
        float[] columns = ArrayPool<float>.Shared.Rent(chunks * MaxRows * 16 + 16);
        try
        {
            fixed (float* pb = buffer, pc = columns)
            {
                var sums = (Vector512<float>*)(((nint)pb + 63) & ~(nint)63);
                var cols = (Vector512<float>*)(((nint)pc + 63) & ~(nint)63);   // [chunk][row]
                for (int block = begin; block < end; block++)
                {
                    int first = block * BlockImages, last = Math.Min(job->Images, first + BlockImages);
                    new Span<float>(sums, outputs * Sums * 16).Clear();
                    for (int b = first; b < last; b++)
                    {
                        float* planes = job->Planes + (long)b * imageStride;
                        Vector512<float>* to = cols;
                        for (int oy = 0; oy < ho; oy++)
                        for (int ox = 0; ox < wo; ox += 16)
                        {
                            Vector512<float> lanes = Lanes(wo - ox);
                            float* at = planes + oy * wp + ox;
                            for (int r = 0; r < MaxRows; r++) *to++ = Load(at + off[r], lanes);
                        }
                        // Output channels in pairs, 8 rows at a time: each column vector read serves two channels.
                        int o = 0;
                        for (; o + 2 <= outputs; o += 2)
                        {
                            long map = ((long)b * outputs + o) * positions;
                            float* g0 = job->Maps + map, k0 = keep is null ? null : keep + map;
                            for (int r0 = 0; r0 < MaxRows; r0 += 8)
                                SumPair(sums + o * Sums, sums + (o + 1) * Sums, cols + r0, r0, g0, g0 + positions, k0, k0 is null ? null : k0 + positions, ho, wo);
                        }
                        if (o < outputs)
                        {
                            long map = ((long)b * outputs + o) * positions;
                            SumChannel(sums + o * Sums, cols, job->Maps + map, keep is null ? null : keep + map, ho, wo);
                        }
                    }
                    // Rows past the last (the padding of RowOffsets) were summed too, and are dropped here.
                    float* partial = job->Partial + (long)block * outputs * (rows + 1);
                    for (int o = 0; o < outputs; o++)
                    {
                        for (int r = 0; r < rows; r++) partial[o * (rows + 1) + r] = Vector512.Sum(sums[o * Sums + r]);
                        partial[o * (rows + 1) + rows] = Vector512.Sum(sums[o * Sums + MaxRows]);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(columns);
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>The gradient times the keep mask (where it is positive), or the gradient alone.</summary>
    private static Vector512<float> Kept(float* g, float* keep, Vector512<float> lanes)
    {
        Vector512<float> v = Load(g, lanes);
        return keep is null ? v : Vector512.ConditionalSelect(Vector512.GreaterThan(Load(keep, lanes), Vector512<float>.Zero), v, Vector512<float>.Zero);
    }

    /// <summary>
    /// One image's terms added to two output channels' vector sums of column rows [r0, r0 + 8) (sums [16 rows, bias]; the
    /// bias sums with <paramref name="r0"/> = 0): g0, g1 their maps [Ho·Wo] (k0, k1 the keep masks or null), cols the
    /// image's column vectors [chunk][16] from row r0 on.
    /// </summary>
    private static void SumPair(Vector512<float>* s0, Vector512<float>* s1, Vector512<float>* cols, int r0, float* g0, float* g1, float* k0, float* k1, int ho, int wo)
    {
        Vector512<float> a0 = s0[r0], a1 = s0[r0 + 1], a2 = s0[r0 + 2], a3 = s0[r0 + 3], a4 = s0[r0 + 4], a5 = s0[r0 + 5], a6 = s0[r0 + 6], a7 = s0[r0 + 7];
        Vector512<float> b0 = s1[r0], b1 = s1[r0 + 1], b2 = s1[r0 + 2], b3 = s1[r0 + 3], b4 = s1[r0 + 4], b5 = s1[r0 + 5], b6 = s1[r0 + 6], b7 = s1[r0 + 7];
        Vector512<float> sum0 = s0[MaxRows], sum1 = s1[MaxRows];
        Vector512<float>* c = cols;
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox += 16, c += MaxRows)
        {
            Vector512<float> lanes = Lanes(wo - ox);
            int q = oy * wo + ox;
            Vector512<float> v = Kept(g0 + q, k0 is null ? null : k0 + q, lanes), u = Kept(g1 + q, k1 is null ? null : k1 + q, lanes);
            sum0 += v;
            sum1 += u;
            Vector512<float> t = c[0];
            a0 = Avx512F.FusedMultiplyAdd(v, t, a0); b0 = Avx512F.FusedMultiplyAdd(u, t, b0);
            t = c[1];
            a1 = Avx512F.FusedMultiplyAdd(v, t, a1); b1 = Avx512F.FusedMultiplyAdd(u, t, b1);
            t = c[2];
            a2 = Avx512F.FusedMultiplyAdd(v, t, a2); b2 = Avx512F.FusedMultiplyAdd(u, t, b2);
            t = c[3];
            a3 = Avx512F.FusedMultiplyAdd(v, t, a3); b3 = Avx512F.FusedMultiplyAdd(u, t, b3);
            t = c[4];
            a4 = Avx512F.FusedMultiplyAdd(v, t, a4); b4 = Avx512F.FusedMultiplyAdd(u, t, b4);
            t = c[5];
            a5 = Avx512F.FusedMultiplyAdd(v, t, a5); b5 = Avx512F.FusedMultiplyAdd(u, t, b5);
            t = c[6];
            a6 = Avx512F.FusedMultiplyAdd(v, t, a6); b6 = Avx512F.FusedMultiplyAdd(u, t, b6);
            t = c[7];
            a7 = Avx512F.FusedMultiplyAdd(v, t, a7); b7 = Avx512F.FusedMultiplyAdd(u, t, b7);
        }
        s0[r0] = a0; s0[r0 + 1] = a1; s0[r0 + 2] = a2; s0[r0 + 3] = a3; s0[r0 + 4] = a4; s0[r0 + 5] = a5; s0[r0 + 6] = a6; s0[r0 + 7] = a7;
        s1[r0] = b0; s1[r0 + 1] = b1; s1[r0 + 2] = b2; s1[r0 + 3] = b3; s1[r0 + 4] = b4; s1[r0 + 5] = b5; s1[r0 + 6] = b6; s1[r0 + 7] = b7;
        if (r0 == 0)
        {
            s0[MaxRows] = sum0;
            s1[MaxRows] = sum1;
        }
    }

    /// <summary>One image's terms added to one output channel's vector sums of all 16 column rows and its bias sum (as <see cref="SumPair"/>).</summary>
    private static void SumChannel(Vector512<float>* s, Vector512<float>* cols, float* g, float* keep, int ho, int wo)
    {
        Vector512<float> a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3], a4 = s[4], a5 = s[5], a6 = s[6], a7 = s[7];
        Vector512<float> a8 = s[8], a9 = s[9], a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14], a15 = s[15], sum = s[16];
        Vector512<float>* c = cols;
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox += 16, c += MaxRows)
        {
            Vector512<float> lanes = Lanes(wo - ox);
            int q = oy * wo + ox;
            Vector512<float> v = Kept(g + q, keep is null ? null : keep + q, lanes);
            sum += v;
            a0 = Avx512F.FusedMultiplyAdd(v, c[0], a0);
            a1 = Avx512F.FusedMultiplyAdd(v, c[1], a1);
            a2 = Avx512F.FusedMultiplyAdd(v, c[2], a2);
            a3 = Avx512F.FusedMultiplyAdd(v, c[3], a3);
            a4 = Avx512F.FusedMultiplyAdd(v, c[4], a4);
            a5 = Avx512F.FusedMultiplyAdd(v, c[5], a5);
            a6 = Avx512F.FusedMultiplyAdd(v, c[6], a6);
            a7 = Avx512F.FusedMultiplyAdd(v, c[7], a7);
            a8 = Avx512F.FusedMultiplyAdd(v, c[8], a8);
            a9 = Avx512F.FusedMultiplyAdd(v, c[9], a9);
            a10 = Avx512F.FusedMultiplyAdd(v, c[10], a10);
            a11 = Avx512F.FusedMultiplyAdd(v, c[11], a11);
            a12 = Avx512F.FusedMultiplyAdd(v, c[12], a12);
            a13 = Avx512F.FusedMultiplyAdd(v, c[13], a13);
            a14 = Avx512F.FusedMultiplyAdd(v, c[14], a14);
            a15 = Avx512F.FusedMultiplyAdd(v, c[15], a15);
        }
        s[0] = a0; s[1] = a1; s[2] = a2; s[3] = a3; s[4] = a4; s[5] = a5; s[6] = a6; s[7] = a7;
        s[8] = a8; s[9] = a9; s[10] = a10; s[11] = a11; s[12] = a12; s[13] = a13; s[14] = a14; s[15] = a15; s[16] = sum;
    }
}
