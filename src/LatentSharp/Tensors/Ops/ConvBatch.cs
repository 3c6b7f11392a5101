using System.Buffers;
using System.Numerics.Tensors;
using LatentSharp.Kernels;

namespace LatentSharp.Tensors;

/// <summary>
/// What Conv2d and ConvTranspose2d share: images are processed in chunks of <c>count</c> images whose columns sit side
/// by side in one [rows, count·P] matrix, so that one large GEMM serves the whole chunk. Activations [count, R, P]
/// (NCHW with P = H·W) are moved to and from that channel-major layout [R, count·P] by <see cref="Gather"/> and
/// <see cref="Scatter"/>. Buffers come from the shared pool, so a warm training loop allocates none.
/// </summary>
internal static class ConvBatch
{
    /// <summary>
    /// Most floats one chunk's column matrix may take (8 MB by default); a single image larger than this is still one chunk.
    /// With the packed GEMM, 1 MB and 256 KB chunks (cache-resident im2col, but narrower GEMMs) were no faster on a conv VAE's layers.
    /// </summary>
    internal static long ColumnBudget { get; set; } = 1 << 21;

    /// <summary>
    /// Most floats of column matrices one Conv2d keeps from its forward for its weight gradient (4M floats, 16 MB), whole
    /// chunks only: a conv VAE's 32→64 layer at batch 128 keeps all of its 12.8 MB; a layer whose columns are larger keeps
    /// its first chunks and unfolds the others again in the backward pass.
    /// </summary>
    internal static long KeptColumnBudget { get; set; } = 1 << 22;

    /// <summary>
    /// How many of <paramref name="images"/> images, in whole chunks of <paramref name="chunk"/> from the first, fit in
    /// <see cref="KeptColumnBudget"/> at <paramref name="columnsPerImage"/> floats each (0 when not even one chunk does).
    /// </summary>
    public static int KeptImages(int images, int chunk, long columnsPerImage)
    {
        if (columnsPerImage <= 0) return 0;
        long chunks = KeptColumnBudget / ((long)chunk * columnsPerImage);
        return (int)Math.Min(images, chunks * chunk);
    }

    /// <summary>
    /// Most floats of a column matrix made only to be folded (col2im) right after its GEMM (1 MB): the fold reads it back
    /// while it is still in the core's L2 cache, rather than from memory.
    /// </summary>
    internal const long FoldBudget = 1 << 18;

    /// <summary>Images per chunk for a column matrix of <paramref name="columnsPerImage"/> floats per image that is folded straight after its GEMM.</summary>
    public static int ImagesPerFold(int images, long columnsPerImage) => ImagesWithin(FoldBudget, images, columnsPerImage);

    /// <summary>
    /// Chunks for cores that each take whole chunks of images in turn (a chunk's steps all on one core): about a quarter of a
    /// core's share of the <paramref name="images"/>, at most <paramref name="chunkImages"/>; the images per chunk, the chunks,
    /// and the cores to engage.
    /// </summary>
    public static (int Images, int Chunks, int Cores) ChunksOnEachCore(int images, int chunkImages)
    {
        int threads = Threading.MaxThreads;
        int perChunk = Math.Max(1, Math.Min(chunkImages, (images + 4 * threads - 1) / (4 * threads)));
        int chunks = (images + perChunk - 1) / perChunk;
        return (perChunk, chunks, Math.Min(threads, chunks));
    }

    /// <summary>Images per chunk for a column matrix of <paramref name="columnsPerImage"/> floats per image.</summary>
    public static int ImagesPerChunk(int images, long columnsPerImage) => ImagesWithin(ColumnBudget, images, columnsPerImage);

    // As many of the images as fit in budget floats at columnsPerImage each: at least one, at most all.
    private static int ImagesWithin(long budget, int images, long columnsPerImage)
    {
        if (images <= 1 || columnsPerImage <= 0) return Math.Max(images, 1);
        return (int)Math.Clamp(budget / columnsPerImage, 1, images);
    }

    /// <summary>A pooled buffer of at least <paramref name="length"/> floats (contents undefined); give it back with <see cref="Return"/>.</summary>
    public static float[] Rent(long length) => ArrayPool<float>.Shared.Rent(checked((int)Math.Max(length, 1)));

    public static void Return(float[] buffer) => ArrayPool<float>.Shared.Return(buffer);

    // Below this many floats a copy runs on the calling thread: waking a worker costs more.
    private const int ParallelCopyFloats = 1 << 16;

    /// <summary>
    /// dst[r, b·P + p] = src[b, r, p] for b &lt; count: [count, R, P] → [R, count·P], the images shared out over the cores. With
    /// <paramref name="keepWherePositive"/> ([count, R, P] like src), 0 wherever it is not &gt; 0: the gradient through a fused ReLU
    /// whose output that is, masked as it is gathered.
    /// </summary>
    public static unsafe void Gather(ReadOnlySpan<float> src, int count, int rows, int positions, Span<float> dst, ReadOnlySpan<float> keepWherePositive = default)
    {
        long length = (long)count * rows * positions;
        if (src.Length < length || dst.Length < length || (!keepWherePositive.IsEmpty && keepWherePositive.Length < length))
            throw new ArgumentException($"Operands too short for [{count}, {rows}, {positions}].");
        fixed (float* pSrc = src, pDst = dst, pKeep = keepWherePositive)
        {
            var job = new CopyJob(pSrc, pDst, null, count, rows, positions, CopyKind.Gather) { Keep = pKeep };
            WorkerPool.RunRanges(count, MinimumImages(rows, positions), &CopyImages, &job, alignment: 1);
        }
    }

    /// <summary>
    /// dst[b, r, p] (+)= src[r, b·P + p] (+ bias[r]): [R, count·P] → [count, R, P], overwriting unless <paramref name="accumulate"/>,
    /// then max(·, 0) with <paramref name="relu"/> (overwriting only); the images shared out over the cores.
    /// </summary>
    public static unsafe void Scatter(ReadOnlySpan<float> src, int count, int rows, int positions, Span<float> dst, bool accumulate, ReadOnlySpan<float> bias = default, bool relu = false)
    {
        if (accumulate && relu) throw new ArgumentException("A ReLU applies to an overwritten output only.", nameof(relu));
        long length = (long)count * rows * positions;
        if (src.Length < length || dst.Length < length || (!bias.IsEmpty && bias.Length < rows))
            throw new ArgumentException($"Operands too short for [{count}, {rows}, {positions}].");
        fixed (float* pSrc = src, pDst = dst, pBias = bias)
        {
            CopyKind kind = accumulate ? CopyKind.ScatterAdd : bias.IsEmpty ? CopyKind.Scatter : CopyKind.ScatterBias;
            var job = new CopyJob(pSrc, pDst, pBias, count, rows, positions, kind, relu);
            WorkerPool.RunRanges(count, MinimumImages(rows, positions), &CopyImages, &job, alignment: 1);
        }
    }

    private static int MinimumImages(int rows, int positions) => (int)Math.Max(1, ParallelCopyFloats / Math.Max(1L, (long)rows * positions));

    private enum CopyKind { Gather, Scatter, ScatterAdd, ScatterBias, AddBias, BiasGrad }

    /// <summary>One Gather, Scatter, AddBias or AccumulateBiasGrad call: raw pointers, because the state lives on the caller's stack while the workers run.</summary>
    private readonly unsafe struct CopyJob(float* src, float* dst, float* bias, int count, int rows, int positions, CopyKind kind, bool relu = false)
    {
        public readonly float* Src = src, Dst = dst, Bias = bias;
        public readonly int Count = count, Rows = rows, Positions = positions;
        public readonly CopyKind Kind = kind;
        public readonly bool Relu = relu;   // max(·, 0) on each written row (Scatter, ScatterBias, AddBias)
        public float* Keep { get; init; }   // Gather: 0 where this [count, R, P] array is not > 0 (null: copy all)
        public bool ChannelMajor { get; init; }   // BiasGrad: g is [R, count·P] rather than [count, R, P]
    }

    private static unsafe void CopyImages(void* state, int begin, int end)
    {
        ref readonly CopyJob job = ref *(CopyJob*)state;
        int rows = job.Rows, positions = job.Positions;
        long ld = (long)job.Count * positions;
        for (int b = begin; b < end; b++)
        for (int r = 0; r < rows; r++)
        {
            // image: [b, r, :] of the NCHW side; channel: [r, b·P :] of the channel-major side (AddBias has none)
            long imageOffset = ((long)b * rows + r) * positions, channelOffset = r * ld + (long)b * positions;
            if (job.Kind == CopyKind.Gather)
            {
                var from = new ReadOnlySpan<float>(job.Src + imageOffset, positions);
                var to = new Span<float>(job.Dst + channelOffset, positions);
                if (job.Keep is null) from.CopyTo(to);
                else Masked.PassWherePositive(new ReadOnlySpan<float>(job.Keep + imageOffset, positions), from, to, overwrite: true);
                continue;
            }
            var image = new Span<float>(job.Dst + imageOffset, positions);
            if (job.Kind == CopyKind.AddBias) TensorPrimitives.Add(image, job.Bias[r], image);
            else
            {
                var channel = new ReadOnlySpan<float>(job.Src + channelOffset, positions);
                if (job.Kind == CopyKind.Scatter) channel.CopyTo(image);
                else if (job.Kind == CopyKind.ScatterAdd) TensorPrimitives.Add(image, channel, image);
                else TensorPrimitives.Add(channel, job.Bias[r], image);   // ScatterBias
            }
            if (job.Relu) TensorPrimitives.Max(image, 0f, image);     // while the row is in L1
        }
    }

    /// <summary>data[b, r, p] += bias[r] for every image b of [images, R, P], then max(·, 0) with <paramref name="relu"/>; the
    /// images shared out over the cores.</summary>
    public static unsafe void AddBias(Span<float> data, int images, ReadOnlySpan<float> bias, int positions, bool relu = false)
    {
        int rows = bias.Length;
        if (data.Length < (long)images * rows * positions) throw new ArgumentException($"Operand too short for [{images}, {rows}, {positions}].");
        fixed (float* pData = data, pBias = bias)
        {
            var job = new CopyJob(pData, pData, pBias, images, rows, positions, CopyKind.AddBias, relu);
            WorkerPool.RunRanges(images, MinimumImages(rows, positions), &CopyImages, &job, alignment: 1);
        }
    }

    /// <summary>
    /// dBias[r] += Σ_b Σ_p g[b, r, p] for g [images, R, P], or g[r, b·P + p] for g [R, images·P] when
    /// <paramref name="channelMajor"/> (a plane sum per row and image, accumulated in double across images in image order, so
    /// either layout gives the same bits; the rows shared out over the cores, so the sums do not depend on their number).
    /// </summary>
    public static unsafe void AccumulateBiasGrad(ReadOnlySpan<float> g, int images, int positions, Span<float> gradBias, bool channelMajor = false)
    {
        int rows = gradBias.Length;
        if (g.Length < (long)images * rows * positions) throw new ArgumentException($"Operand too short for [{images}, {rows}, {positions}].");
        fixed (float* pG = g, pGrad = gradBias)
        {
            var job = new CopyJob(pG, pGrad, null, images, rows, positions, CopyKind.BiasGrad) { ChannelMajor = channelMajor };
            int minimumRows = (int)Math.Max(1, ParallelCopyFloats / Math.Max(1L, (long)images * positions));
            WorkerPool.RunRanges(rows, minimumRows, &BiasGradRows, &job, alignment: 1);
        }
    }

    private static unsafe void BiasGradRows(void* state, int begin, int end)
    {
        ref readonly CopyJob job = ref *(CopyJob*)state;
        int rows = job.Rows, positions = job.Positions;
        for (int r = begin; r < end; r++)
        {
            double total = 0;
            for (int b = 0; b < job.Count; b++)
            {
                long offset = job.ChannelMajor ? ((long)r * job.Count + b) * positions : ((long)b * rows + r) * positions;
                total += TensorPrimitives.Sum(new ReadOnlySpan<float>(job.Src + offset, positions));
            }
            job.Dst[r] += (float)total;
        }
    }

    /// <summary>
    /// Whether the convolutions read their column matrices straight from phase planes (<see cref="PhasePlanes"/>) instead
    /// of unfolding them: on the AVX-512 GEMM path, for every geometry the direct path does not take.
    /// </summary>
    public static bool ReadsPhasePlanes => PhasePlanesEnabled && ImplicitColumns.Supported;

    /// <summary>Off in tests, to compare the phase-plane GEMMs with the unfolded columns they replace.</summary>
    internal static bool PhasePlanesEnabled { get; set; } = true;

    /// <summary>Unfolds images [first, first + count) of <paramref name="images"/> into the chunk's column matrix [Rows, count·P].</summary>
    /// <remarks>
    /// The images are shared out over the kernel worker pool (each image's columns are disjoint, so every part writes its own
    /// block and the result does not depend on the thread count). Without it im2col ran on one core while the other waited
    /// for the next GEMM.
    /// </remarks>
    public static unsafe void UnfoldChunk(in Im2ColGeometry g, float[] images, int first, int count, Span<float> cols)
    {
        fixed (float* pImages = images)
        fixed (float* pCols = cols)
        {
            var job = new ChunkJob(g, pImages, images.Length, pCols, cols.Length, first, count, Parts(count));
            WorkerPool.Run(job.Parts, &UnfoldPart, &job);
        }
    }

    /// <summary>Adds the chunk's column matrix [Rows, count·P] into images [first, first + count) (col2im, accumulating).</summary>
    public static void FoldChunk(in Im2ColGeometry g, ReadOnlySpan<float> cols, int first, int count, Span<float> images) =>
        FoldChunk(g, cols, first, count, images, new FoldOutput());

    /// <summary>
    /// As <see cref="FoldChunk(in Im2ColGeometry, ReadOnlySpan{float}, int, int, Span{float})"/>, each image first cleared when
    /// <paramref name="output"/> says so and finished after (+ bias[channel], then max(·, 0)): a transposed convolution's whole
    /// output pass, image by image while each is in cache, instead of a clear, a fold, a bias pass and a ReLU pass.
    /// </summary>
    public static unsafe void FoldChunk(in Im2ColGeometry g, ReadOnlySpan<float> cols, int first, int count, Span<float> images, FoldOutput output)
    {
        fixed (float* pImages = images)
        fixed (float* pCols = cols)
        fixed (float* pBias = output.Bias)
        {
            var job = new ChunkJob(g, pImages, images.Length, pCols, cols.Length, first, count, Parts(count)) { Clear = output.Clear, Bias = pBias, Relu = output.Relu };
            WorkerPool.Run(job.Parts, &FoldPart, &job);
        }
    }

    /// <summary>What <see cref="FoldChunk(in Im2ColGeometry, ReadOnlySpan{float}, int, int, Span{float}, FoldOutput)"/> does around each image's fold:
    /// clear it first; then add bias[channel] (empty: none) and apply max(·, 0).</summary>
    public readonly ref struct FoldOutput(bool clear, ReadOnlySpan<float> bias, bool relu)
    {
        public readonly bool Clear = clear;
        public readonly ReadOnlySpan<float> Bias = bias;
        public readonly bool Relu = relu;
    }

    private static int Parts(int count) => Math.Max(1, Math.Min(Threading.MaxThreads, count));

    /// <summary>One parallel im2col/col2im call: raw pointers, because the state lives on the caller's stack while the workers run.</summary>
    private readonly unsafe struct ChunkJob(Im2ColGeometry g, float* images, int imagesLength, float* cols, int colsLength, int first, int count, int parts)
    {
        public readonly Im2ColGeometry G = g;
        public readonly float* Images = images;
        public readonly int ImagesLength = imagesLength;
        public readonly float* Cols = cols;
        public readonly int ColsLength = colsLength;
        public readonly int First = first;
        public readonly int Count = count;
        public readonly int Parts = parts;
        public bool Clear { get; init; }     // folds only: each image cleared before its fold
        public float* Bias { get; init; }    // and finished after: + bias[channel] (null: none)
        public bool Relu { get; init; }      // then max(·, 0)

        /// <summary>The images [begin, end) of the chunk that part <paramref name="part"/> handles.</summary>
        public (int Begin, int End) Range(int part) => (Count * part / Parts, Count * (part + 1) / Parts);
    }

    private static unsafe void UnfoldPart(void* state, int part)
    {
        ref readonly ChunkJob job = ref *(ChunkJob*)state;
        var images = new ReadOnlySpan<float>(job.Images, job.ImagesLength);
        var cols = new Span<float>(job.Cols, job.ColsLength);
        int ld = job.Count * job.G.Positions, imageLength = job.G.ImageLength;
        (int begin, int end) = job.Range(part);
        for (int b = begin; b < end; b++)
            Im2Col.Unfold(job.G, images.Slice((job.First + b) * imageLength, imageLength), cols.Slice(b * job.G.Positions), ld);
    }

    private static unsafe void FoldPart(void* state, int part)
    {
        ref readonly ChunkJob job = ref *(ChunkJob*)state;
        var images = new Span<float>(job.Images, job.ImagesLength);
        var cols = new ReadOnlySpan<float>(job.Cols, job.ColsLength);
        int ld = job.Count * job.G.Positions, imageLength = job.G.ImageLength;
        (int begin, int end) = job.Range(part);
        int planeLength = job.G.Height * job.G.Width;
        for (int b = begin; b < end; b++)
        {
            Span<float> image = images.Slice((job.First + b) * imageLength, imageLength);
            if (job.Clear) image.Clear();
            Im2Col.FoldAdd(job.G, cols.Slice(b * job.G.Positions), ld, image);
            if (job.Bias is null && !job.Relu) continue;
            for (int channel = 0; channel < job.G.Channels; channel++)
            {
                Span<float> plane = image.Slice(channel * planeLength, planeLength);
                if (job.Bias is not null) TensorPrimitives.Add(plane, job.Bias[channel], plane);
                if (job.Relu) TensorPrimitives.Max(plane, 0f, plane);
            }
        }
    }
}

/// <summary>
/// The column matrix [Rows, count·P] of a batch of images, as phase planes (<see cref="ImplicitColumns"/>): the GEMMs that
/// multiply by it, or by its transpose, pack their panels from the planes, so it is never unfolded. The planes take about
/// the images' own size (a quarter of the columns of a 4×4 stride-2 window); the offsets are pooled until <see cref="Return"/>.
/// </summary>
internal sealed class PhasePlanes
{
    private readonly Im2ColGeometry _geometry;
    private readonly int _count;
    private readonly float[] _planes;
    private readonly bool _rented;
    private int[]? _rowOffsets, _positionOffsets;

    /// <summary>
    /// The planes of images [0, count) of <paramref name="images"/>, written into <paramref name="buffer"/> when given (at least
    /// <see cref="ImplicitColumns.PlanesLength"/> floats, e.g. of the step's arena, to keep them for the backward pass), else
    /// into a pooled one.
    /// </summary>
    public PhasePlanes(in Im2ColGeometry g, ReadOnlySpan<float> images, int count, float[]? buffer = null)
    {
        _geometry = g;
        _count = count;
        _rented = buffer is null;
        _planes = buffer ?? ConvBatch.Rent(ImplicitColumns.PlanesLength(g, count));
        FillOverCores(g, images, count, _planes);
        _rowOffsets = ArrayPool<int>.Shared.Rent(g.Rows);
        _positionOffsets = ArrayPool<int>.Shared.Rent(g.Positions);
        ImplicitColumns.Offsets(g, _rowOffsets, _positionOffsets);
    }

    /// <summary>C = alpha · op(A) · cols + beta · C, or · colsᵀ when <paramref name="transposeB"/> (see <see cref="Gemm"/>).</summary>
    public void Multiply(bool transposeA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, bool transposeB, float beta, Span<float> c, int ldc) =>
        Multiply(0, _count, transposeA, m, n, k, alpha, a, lda, transposeB, beta, c, ldc);

    /// <summary>As <see cref="Multiply(bool, int, int, int, float, ReadOnlySpan{float}, int, bool, float, Span{float}, int)"/> with the columns of images [first, first + count) only.</summary>
    public unsafe void Multiply(int first, int count, bool transposeA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, bool transposeB, float beta, Span<float> c, int ldc)
    {
        if (_rowOffsets is null || _positionOffsets is null) throw new ObjectDisposedException(nameof(PhasePlanes));
        if (first < 0 || count < 0 || first + count > _count) throw new ArgumentOutOfRangeException(nameof(first), $"Images [{first}, {first + count}) of {_count}.");
        long imageStride = ImplicitColumns.ImageStrideOf(_geometry);
        fixed (float* planes = _planes)
        fixed (int* rows = _rowOffsets, positions = _positionOffsets)
        {
            var columns = new ImplicitColumns(_geometry, count, planes + first * imageStride, rows, positions);
            Gemm.Multiply(transposeA, m, n, k, alpha, a, lda, columns, transposeB, beta, c, ldc);
        }
    }

    /// <summary>
    /// y [count, O, Ho, Wo] = W [O, Rows] · each image's columns (+ bias [O] unless empty, then max(·, 0) with
    /// <paramref name="relu"/>; added to y with <paramref name="accumulate"/>), where <see cref="ThinConv.Applies"/>.
    /// </summary>
    public unsafe void ThinProduct(int outputs, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, bool relu, bool accumulate, Span<float> y)
    {
        CheckThin(outputs, w.Length, y.Length, bias.Length, nameof(ThinProduct));
        fixed (float* planes = _planes, pw = w, pb = bias, py = y)
            ThinConv.Product(_geometry, outputs, _count, planes, pw, pb, relu, accumulate, py);
    }

    /// <summary>
    /// dW [O, Rows] += g' · colsᵀ and dBias [O] += the sums of g' (unless empty), g' being g [count, O, Ho, Wo] where
    /// <paramref name="keep"/> (unless empty; a fused ReLU's output) is positive, where <see cref="ThinConv.Applies"/>.
    /// </summary>
    public unsafe void ThinGradient(int outputs, ReadOnlySpan<float> g, ReadOnlySpan<float> keep, Span<float> weightGradient, Span<float> biasGradient)
    {
        CheckThin(outputs, weightGradient.Length, g.Length, biasGradient.Length, nameof(ThinGradient));
        if (!keep.IsEmpty && keep.Length < g.Length) throw new ArgumentException("The ReLU output is shorter than the gradient.", nameof(keep));
        fixed (float* planes = _planes, pg = g, pk = keep, pgw = weightGradient, pgb = biasGradient)
            ThinConv.Gradient(_geometry, outputs, _count, planes, pg, pk, pgw, pgb);
    }

    private void CheckThin(int outputs, int weightLength, int mapsLength, int biasLength, string caller)
    {
        if (_rowOffsets is null) throw new ObjectDisposedException(nameof(PhasePlanes));
        if (!ThinConv.Applies(_geometry)) throw new InvalidOperationException($"{caller}: the thin-convolution path does not take {_geometry}.");
        if (weightLength < outputs * _geometry.Rows || mapsLength < (long)_count * outputs * _geometry.Positions || (biasLength != 0 && biasLength < outputs))
            throw new ArgumentException($"{caller}: operands too short for {_count} images of {outputs} maps of {_geometry}.");
    }

    /// <summary>The images' planes, the images shared out over the kernel worker pool (each image's planes are its own).</summary>
    private static unsafe void FillOverCores(in Im2ColGeometry g, ReadOnlySpan<float> images, int count, float[] planes)
    {
        int parts = Math.Max(1, Math.Min(Threading.MaxThreads, count));
        fixed (float* pImages = images, pPlanes = planes)
        {
            var job = new FillJob(g, pImages, pPlanes, count, parts);
            WorkerPool.Run(parts, &FillPart, &job);
        }
    }

    private readonly unsafe struct FillJob(Im2ColGeometry g, float* images, float* planes, int count, int parts)
    {
        public readonly Im2ColGeometry G = g;
        public readonly float* Images = images, Planes = planes;
        public readonly int Count = count, Parts = parts;
    }

    private static unsafe void FillPart(void* state, int part)
    {
        ref readonly FillJob job = ref *(FillJob*)state;
        int begin = job.Count * part / job.Parts, end = job.Count * (part + 1) / job.Parts;
        if (begin == end) return;
        long imageStride = ImplicitColumns.ImageStrideOf(job.G);
        int count = end - begin;
        ImplicitColumns.Fill(job.G, new ReadOnlySpan<float>(job.Images + (long)begin * job.G.ImageLength, count * job.G.ImageLength), count,
            new Span<float>(job.Planes + begin * imageStride, checked((int)ImplicitColumns.PlanesLength(job.G, count))));
    }

    /// <summary>Gives the pooled buffers back; the planes may not be multiplied by afterwards.</summary>
    public void Return()
    {
        if (_rowOffsets is not null) ArrayPool<int>.Shared.Return(_rowOffsets);
        if (_positionOffsets is not null) ArrayPool<int>.Shared.Return(_positionOffsets);
        _rowOffsets = _positionOffsets = null;
        if (_rented) ConvBatch.Return(_planes);
    }
}
