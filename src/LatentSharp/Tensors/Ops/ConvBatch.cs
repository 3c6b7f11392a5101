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

    /// <summary>Images per chunk for a column matrix of <paramref name="columnsPerImage"/> floats per image.</summary>
    public static int ImagesPerChunk(int images, long columnsPerImage)
    {
        if (images <= 1 || columnsPerImage <= 0) return Math.Max(images, 1);
        return (int)Math.Clamp(ColumnBudget / columnsPerImage, 1, images);
    }

    /// <summary>A pooled buffer of at least <paramref name="length"/> floats (contents undefined); give it back with <see cref="Return"/>.</summary>
    public static float[] Rent(long length) => ArrayPool<float>.Shared.Rent(checked((int)Math.Max(length, 1)));

    public static void Return(float[] buffer) => ArrayPool<float>.Shared.Return(buffer);

    /// <summary>dst[r, b·P + p] = src[b, r, p] for b &lt; count: [count, R, P] → [R, count·P].</summary>
    public static void Gather(ReadOnlySpan<float> src, int count, int rows, int positions, Span<float> dst)
    {
        int ld = count * positions;
        for (int b = 0; b < count; b++)
        for (int r = 0; r < rows; r++)
            src.Slice((b * rows + r) * positions, positions).CopyTo(dst.Slice(r * ld + b * positions, positions));
    }

    /// <summary>
    /// dst[b, r, p] (+)= src[r, b·P + p] (+ bias[r]): [R, count·P] → [count, R, P], overwriting unless <paramref name="accumulate"/>.
    /// </summary>
    public static void Scatter(ReadOnlySpan<float> src, int count, int rows, int positions, Span<float> dst, bool accumulate, ReadOnlySpan<float> bias = default)
    {
        int ld = count * positions;
        for (int b = 0; b < count; b++)
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> from = src.Slice(r * ld + b * positions, positions);
            Span<float> to = dst.Slice((b * rows + r) * positions, positions);
            if (accumulate) TensorPrimitives.Add(to, from, to);
            else if (!bias.IsEmpty) TensorPrimitives.Add(from, bias[r], to);
            else from.CopyTo(to);
        }
    }

    /// <summary>data[b, r, p] += bias[r] for every image b of [images, R, P].</summary>
    public static void AddBias(Span<float> data, int images, ReadOnlySpan<float> bias, int positions)
    {
        int rows = bias.Length;
        for (int b = 0; b < images; b++)
        for (int r = 0; r < rows; r++)
        {
            Span<float> plane = data.Slice((b * rows + r) * positions, positions);
            TensorPrimitives.Add(plane, bias[r], plane);
        }
    }

    /// <summary>dBias[r] += Σ_b Σ_p g[b, r, p] for g [images, R, P] (a plane sum per row, accumulated in double across images).</summary>
    public static void AccumulateBiasGrad(ReadOnlySpan<float> g, int images, int positions, Span<float> gradBias)
    {
        int rows = gradBias.Length;
        for (int r = 0; r < rows; r++)
        {
            double total = 0;
            for (int b = 0; b < images; b++) total += TensorPrimitives.Sum(g.Slice((b * rows + r) * positions, positions));
            gradBias[r] += (float)total;
        }
    }

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
    public static unsafe void FoldChunk(in Im2ColGeometry g, float[] cols, int first, int count, float[] images)
    {
        fixed (float* pImages = images)
        fixed (float* pCols = cols)
        {
            var job = new ChunkJob(g, pImages, images.Length, pCols, cols.Length, first, count, Parts(count));
            WorkerPool.Run(job.Parts, &FoldPart, &job);
        }
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
        for (int b = begin; b < end; b++)
            Im2Col.FoldAdd(job.G, cols.Slice(b * job.G.Positions), ld, images.Slice((job.First + b) * imageLength, imageLength));
    }
}
