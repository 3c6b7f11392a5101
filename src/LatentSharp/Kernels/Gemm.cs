using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentSharp.Kernels;

/// <summary>Which micro-kernel <see cref="Gemm"/> runs.</summary>
internal enum GemmPath
{
    /// <summary>The widest path the hardware accelerates (chosen once, in <see cref="Gemm.Resolve"/>).</summary>
    Auto,
    /// <summary>8x32 tiles of Vector512 FMAs.</summary>
    Vector512,
    /// <summary>6x16 tiles of Vector256 FMAs.</summary>
    Vector256,
    /// <summary>4x4 tiles of scalar multiply-adds.</summary>
    Scalar,
}

/// <summary>
/// Single-precision matrix product on row-major data, BLAS-style:
/// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C[m,n], where op(X) is X or its transpose.
/// A is [m,k] (or [k,m] when transposeA) with row stride lda; B is [k,n] (or [n,k] when transposeB) with row stride ldb.
/// </summary>
/// <remarks>
/// GotoBLAS/BLIS layout: for each KC-deep slice of K, a KC x NC block of op(B) and an MC x KC block of op(A)
/// are packed (transposes are resolved there, edges padded with zeros) into per-thread buffers, and a
/// register-blocked MR x NR micro-kernel sweeps them. Threads split M or N, never K, so every element of C
/// is summed in the same order whatever <see cref="Threading.MaxThreads"/> is: results are bitwise
/// identical for any thread count. When beta is 0, C is never read (it may hold NaN).
/// </remarks>
internal static unsafe partial class Gemm
{
    /// <summary>Forces a path for tests and benchmarks; <see cref="GemmPath.Auto"/> picks by hardware.
    /// A forced wide path that the hardware does not accelerate still runs correctly, emulated and slowly.</summary>
    internal static GemmPath ForcedPath { get; set; } = GemmPath.Auto;

    // Below this many multiply-adds a second thread costs more than it saves.
    private const long ParallelThreshold = 1L << 18;

    public static void Multiply(
        bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc) =>
        Multiply(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, default, relu: false);

    /// <summary>
    /// As the first overload, with the threads sharing out C's rows whatever its shape (if there are rows enough for each):
    /// for a weight's gradient gᵀ·x, so that each core writes the rows that its part of the optimizer's update (by halves
    /// of the weight) then reads.
    /// </summary>
    public static void MultiplyByRows(
        bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc) =>
        Product(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, default, relu: false, packedB: null, splitRows: true);

    /// <summary>
    /// C = act(alpha·op(A)·op(B) + beta·C + bias), bias[j] added to column j of every row (none when
    /// <paramref name="columnBias"/> is empty) and act max(·, 0) with <paramref name="relu"/>, else the identity: a linear
    /// layer's bias and ReLU applied to each tile of C while it is in L1, instead of passes over C before and after. With
    /// beta 0 the result equals, to the bit, C filled with the bias rows, multiplied with beta 1, then max(·, 0).
    /// </summary>
    public static void Multiply(
        bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, ReadOnlySpan<float> columnBias, bool relu) =>
        Multiply(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, columnBias, relu, packedB: null);

    /// <summary>
    /// As above, with op(B) read from <paramref name="packedB"/> (which must hold op(B) of <paramref name="b"/>: a fixed
    /// layer's weight packed once) when it fits the path and sizes, instead of packed for this product; the same bits.
    /// </summary>
    public static void Multiply(
        bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, ReadOnlySpan<float> columnBias, bool relu, PackedB? packedB) =>
        Product(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, columnBias, relu, packedB, splitRows: false);

    private static void Product(
        bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, ReadOnlySpan<float> columnBias, bool relu, PackedB? packedB, bool splitRows)
    {
        if (m < 0 || n < 0 || k < 0) ThrowNegativeSize(m, n, k);
        if (m == 0 || n == 0) return;
        CheckOperand(a.Length, transposeA ? k : m, transposeA ? m : k, lda, "a");
        CheckOperand(b.Length, transposeB ? n : k, transposeB ? k : n, ldb, "b");
        CheckOperand(c.Length, m, n, ldc, "c");
        if (!columnBias.IsEmpty && columnBias.Length < n) ThrowBias(columnBias.Length, n);

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pbias = columnBias)
        fixed (float* ppacked = packedB is not null && packedB.Fits(Resolve(), k, n) ? packedB.Data : null)
        {
            if (k == 0 || alpha == 0f)
            {
                ScaleC(pc, m, n, ldc, beta);
                if (pbias is not null || relu) Finish(pc, ldc, m, n, pbias, relu);
                return;
            }
            var job = new Job
            {
                A = pa, B = pb, C = pc, Lda = lda, Ldb = ldb, Ldc = ldc,
                M = m, N = n, K = k, TransposeA = transposeA, TransposeB = transposeB,
                Alpha = alpha, Beta = beta, Path = Resolve(), ColumnBias = pbias, Relu = relu,
                PackedB = ppacked, PackedSliceStride = ppacked is null ? 0 : packedB!.SliceStride, SplitRows = splitRows,
            };
            switch (job.Path)
            {
                case GemmPath.Vector512: Run<Kernel8x32>(&job); break;
                case GemmPath.Vector256: Run<Kernel6x16>(&job); break;
                default: Run<Kernel4x4>(&job); break;
            }
        }
    }

    /// <summary>The single dispatch point: the forced path, else the widest accelerated one.</summary>
    internal static GemmPath Resolve()
    {
        if (ForcedPath != GemmPath.Auto) return ForcedPath;
        if (Avx512F.IsSupported && Vector512.IsHardwareAccelerated) return GemmPath.Vector512;
        if (Fma.IsSupported && Vector256.IsHardwareAccelerated) return GemmPath.Vector256;
        return GemmPath.Scalar;
    }

    private struct Job
    {
        public float* A, B, C;
        public ImplicitColumns* Implicit; // op(B) packed from phase planes instead of B (then null)
        public LanePlan* Plans;           // and the lane plans of its packers
        public int PlansPerSlice;
        public int Lda, Ldb, Ldc, M, N, K;
        public bool TransposeA, TransposeB;
        public float Alpha, Beta;
        public float* ColumnBias;         // added to each row of C by the first K slice's store (null: none)
        public bool Relu;                 // max(·, 0) by the last K slice's store
        public float* PackedB;            // op(B) packed whole beforehand (null: packed as the product goes)
        public long PackedSliceStride;    // its floats per K slice
        public GemmPath Path;
        public int KcStep, KSlices;       // K is cut into KSlices equal slices of at most KcStep
        public bool SplitRows;            // the caller asks for C's rows to be shared out
        public bool SplitN;               // threads share out columns (else rows)
        public int Chunk;                 // columns or rows per chunk (a multiple of NR or MR)
        public int Tiles;                 // panels of NR columns or MR rows along the shared-out side
        public int NextChunk;             // K slices apart: the next slice to take
        public int Parts;
        public float* Partials;           // K slices apart: slice s's product goes to Partials + s·M·N (else null)
        public float* Shared;             // the operand every thread reads, packed once: op(A) when SplitN, else op(B)
        public int SharedPanels;          // its micro-panels (of MR rows or NR columns) per K slice
        public long SharedSliceStride;    // floats per K slice
    }

    // Column panels per block packed from phase planes (8 × 32 columns × KC 256 = 256 KB).
    private const int ImplicitChunkTiles = 8;

    // Largest operand packed once and shared by the threads (64 MB); beyond it each thread packs its own.
    private const long MaxSharedFloats = 16L << 20;

    // Largest shared operand of fewer panels than threads (1 MB).
    private const long NarrowSharedFloats = 1L << 18;

    private static void Run<TKernel>(Job* job) where TKernel : struct, IMicroKernel
    {
        int m = job->M, n = job->N, k = job->K;
        // Equal K slices no deeper than KC: the slicing depends on k only, never on the thread split,
        // and threads split M or N, or take whole K slices added in slice order (RunSlicesApart), so every C element sums
        // its terms in the same order.
        (job->KSlices, job->KcStep) = SliceK(k, TKernel.KC);

        int threads = (long)m * n * k < ParallelThreshold ? 1 : Threading.MaxThreads;
        // Share out the longer of M and N (the rows when the caller asks and they make a tile per thread); the other operand
        // is packed once, by all threads, then read by all.
        bool splitN = n > m && !(job->SplitRows && (m + TKernel.MR - 1) / TKernel.MR >= threads);
        int unit = splitN ? TKernel.NR : TKernel.MR;
        int splitLength = splitN ? n : m;
        int tiles = (splitLength + unit - 1) / unit;
        int parts = Math.Min(threads, tiles);
        // Columns packed from phase planes go through the shared path even on one thread: A packed once, and B a few
        // panels at a time, so that each packed block is still in L2 when the kernels read it.
        bool smallBlocks = job->Implicit is not null && splitN;
        if (parts <= 1 && !smallBlocks)
        {
            Compute<TKernel>(job, 0, m, 0, n);
            return;
        }
        // A small result over a deep K (a thin layer's weight gradient: 32 × 16 over a batch's 25,088 positions) split by
        // rows or columns would have every thread pack all of the deep operand for its share: the threads take K slices
        // instead, each product apart, and they are added to C in slice order after: the additions of one thread's pass.
        if (threads > 1 && (long)m * n <= SlicesApartArea && job->KSlices >= 2 * threads && job->ColumnBias is null && !job->Relu && job->PackedB is null)
        {
            RunSlicesApart<TKernel>(job, threads);
            return;
        }
        int sharedUnit = splitN ? TKernel.MR : TKernel.NR;
        int sharedPanels = ((splitN ? m : n) + sharedUnit - 1) / sharedUnit;
        long sharedSliceStride = (long)sharedPanels * sharedUnit * job->KcStep;
        job->SplitN = splitN;
        job->Parts = parts;
        job->Tiles = tiles;
        // A shared operand of fewer panels than threads but larger than L2 (a weight gradient with a handful of kernel
        // rows and a batch-long K) would be packed by one thread while the other waits, then streamed from memory chunk
        // after chunk: each thread packs its own K slices as it goes instead.
        long sharedFloats = sharedSliceStride * job->KSlices;
        bool prepacked = job->PackedB is not null && !splitN;   // the shared operand is op(B), packed already
        if (!prepacked && (sharedFloats > MaxSharedFloats || (sharedPanels < parts && sharedFloats > NarrowSharedFloats)))
        {
            // Each thread packs both operands for its own range.
            job->Shared = null;
            WorkerPool.Run(parts, &ComputePart<TKernel>, job);
            return;
        }
        job->Shared = prepacked ? job->PackedB : SharedBuffer.Get(sharedFloats);
        job->SharedPanels = sharedPanels;
        job->SharedSliceStride = sharedSliceStride;
        if (!prepacked) WorkerPool.Run(parts, &PackSharedPart<TKernel>, job);

        // Each thread takes one contiguous range of the tiles, the same one in every call of the same shapes, so the rows or
        // columns of C it wrote and the panels it packed are still in its own core's caches next time (taken in turn, they
        // changed cores from call to call: where the two cores share no cache, each such line costs 150–200 ns). Its range
        // goes in chunks of about a quarter of it, within a block.
        int chunkTiles = Math.Max(1, tiles / (4 * parts));
        chunkTiles = Math.Min(chunkTiles, (splitN ? TKernel.NC : TKernel.MC) / unit);
        // A weight gradient (transposed columns: N = the few kernel rows, K = every position of the batch) packs each of its
        // chunks from all the planes: one chunk per thread, up to 512 KB a block, reads them once rather than four times.
        if (smallBlocks)
            chunkTiles = job->TransposeB ? Math.Min((tiles + parts - 1) / parts, 2 * ImplicitChunkTiles) : Math.Min(chunkTiles, ImplicitChunkTiles);
        job->Chunk = chunkTiles * unit;
        WorkerPool.Run(parts, &ComputeChunks<TKernel>, job);
    }

    // Largest result whose K slices the threads share out (64 × 64).
    private const long SlicesApartArea = 1L << 12;

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C with the threads taking K slices in turn, each slice's product stored apart (beta 0),
    /// then C = p₀ + beta·C, C = p₁ + C, … in slice order: the same roundings as the kernels' stores on one thread.
    /// </summary>
    private static void RunSlicesApart<TKernel>(Job* job, int threads) where TKernel : struct, IMicroKernel
    {
        int m = job->M, n = job->N;
        long area = (long)m * n;
        float[] partials = System.Buffers.ArrayPool<float>.Shared.Rent(checked((int)(area * job->KSlices)));
        try
        {
            fixed (float* p = partials)
            {
                job->Partials = p;
                job->NextChunk = 0;
                WorkerPool.Run(Math.Min(threads, job->KSlices), &ComputeSlicesApart<TKernel>, job);
                WorkerPool.RunRanges(m, 1, &AddSlices, job, alignment: 1);
            }
        }
        finally
        {
            job->Partials = null;
            System.Buffers.ArrayPool<float>.Shared.Return(partials);
        }
    }

    /// <summary>Rows [first, end) of C: the slices' products added in slice order, the first with beta · C.</summary>
    private static void AddSlices(void* state, int first, int end)
    {
        var job = (Job*)state;
        int n = job->N;
        long area = (long)job->M * n;
        for (int i = first; i < end; i++)
        {
            float* c = job->C + (nint)i * job->Ldc;
            for (int s = 0; s < job->KSlices; s++)
            {
                float* slice = job->Partials + s * area + (nint)i * n;
                float beta = s == 0 ? job->Beta : 1f;
                if (beta == 0f) for (int j = 0; j < n; j++) c[j] = slice[j];
                else for (int j = 0; j < n; j++) c[j] = slice[j] + beta * c[j];
            }
        }
    }

    /// <summary>Takes K slices until none is left: each slice's whole product, into its own partial result.</summary>
    private static void ComputeSlicesApart<TKernel>(void* state, int part) where TKernel : struct, IMicroKernel
    {
        var job = (Job*)state;
        float* packA = PackBuffers.Get(out float* packB);
        float* edge = stackalloc float[8 * 32];
        Job slice = *job;   // writes its product to the slice's partial result
        slice.Ldc = job->N;
        slice.Beta = 0f;
        int s;
        while ((s = Interlocked.Increment(ref job->NextChunk) - 1) < job->KSlices)
        {
            int pc = s * job->KcStep, kc = Math.Min(job->KcStep, job->K - pc);
            slice.C = job->Partials + (long)s * job->M * job->N;
            for (int jc = 0; jc < job->N; jc += TKernel.NC)
            {
                int nc = Math.Min(TKernel.NC, job->N - jc);
                float* bp = BPanels(&slice, pc, kc, jc, nc, TKernel.NR, packB);
                for (int ic = 0; ic < job->M; ic += TKernel.MC)
                {
                    int mc = Math.Min(TKernel.MC, job->M - ic);
                    PackA(job->TransposeA, job->A, job->Lda, ic, mc, pc, kc, TKernel.MR, packA);
                    Macro<TKernel>(&slice, packA, bp, ic, mc, jc, nc, pc, kc, edge);
                }
            }
        }
    }

    /// <summary>Part of the shared operand, all K slices: a contiguous range of its micro-panels.</summary>
    private static void PackSharedPart<TKernel>(void* state, int part) where TKernel : struct, IMicroKernel
    {
        var job = (Job*)state;
        int first = (int)((long)job->SharedPanels * part / job->Parts);
        int last = (int)((long)job->SharedPanels * (part + 1) / job->Parts);
        if (first == last) return;
        for (int s = 0; s < job->KSlices; s++)
        {
            int pc = s * job->KcStep;
            int kc = Math.Min(job->KcStep, job->K - pc);
            float* slice = job->Shared + s * job->SharedSliceStride;
            if (job->SplitN)
            {
                int i0 = first * TKernel.MR;
                int rows = Math.Min(job->M, last * TKernel.MR) - i0;
                PackA(job->TransposeA, job->A, job->Lda, i0, rows, pc, kc, TKernel.MR, slice + (nint)i0 * kc);
            }
            else
            {
                int j0 = first * TKernel.NR;
                int cols = Math.Min(job->N, last * TKernel.NR) - j0;
                PackBOf(job, pc, kc, j0, cols, TKernel.NR, slice + (nint)j0 * kc);
            }
        }
    }

    /// <summary>Part <paramref name="part"/>'s contiguous range of the shared-out side's tiles, chunk after chunk.</summary>
    private static void ComputeChunks<TKernel>(void* state, int part) where TKernel : struct, IMicroKernel
    {
        var job = (Job*)state;
        float* packA = PackBuffers.Get(out float* packB);
        float* edge = stackalloc float[8 * 32];
        (int first, int end) = PartRange<TKernel>(job, part);
        for (int start = first; start < end; start += job->Chunk)
        {
            int size = Math.Min(job->Chunk, end - start);
            for (int s = 0; s < job->KSlices; s++)
            {
                int pc = s * job->KcStep;
                int kc = Math.Min(job->KcStep, job->K - pc);
                float* slice = job->Shared + s * job->SharedSliceStride;
                if (job->SplitN)
                {
                    float* bp = BPanels(job, pc, kc, start, size, TKernel.NR, packB);
                    Macro<TKernel>(job, slice, bp, 0, job->M, start, size, pc, kc, edge);
                }
                else
                {
                    PackA(job->TransposeA, job->A, job->Lda, start, size, pc, kc, TKernel.MR, packA);
                    Macro<TKernel>(job, packA, slice, start, size, 0, job->N, pc, kc, edge);
                }
            }
        }
    }

    /// <summary>Part <paramref name="part"/>'s range of the shared-out side, both operands packed by this thread.</summary>
    private static void ComputePart<TKernel>(void* state, int part) where TKernel : struct, IMicroKernel
    {
        var job = (Job*)state;
        (int first, int end) = PartRange<TKernel>(job, part);
        if (job->SplitN) Compute<TKernel>(job, 0, job->M, first, end);
        else Compute<TKernel>(job, first, end, 0, job->N);
    }

    /// <summary>The columns (or rows) of part <paramref name="part"/>'s contiguous share of the tiles: the same for every call of the same shapes.</summary>
    private static (int First, int End) PartRange<TKernel>(Job* job, int part) where TKernel : struct, IMicroKernel
    {
        int unit = job->SplitN ? TKernel.NR : TKernel.MR, length = job->SplitN ? job->N : job->M;
        int first = (int)((long)job->Tiles * part / job->Parts) * unit;
        return (first, Math.Min(length, (int)((long)job->Tiles * (part + 1) / job->Parts) * unit));
    }

    /// <summary>C[i0:i1, j0:j1] on the calling thread, with its own pack buffers.</summary>
    private static void Compute<TKernel>(Job* job, int i0, int i1, int j0, int j1) where TKernel : struct, IMicroKernel
    {
        int k = job->K, kcStep = job->KcStep;
        int mcStep = BalancedStep(i1 - i0, TKernel.MC, TKernel.MR);
        int ncStep = BalancedStep(j1 - j0, TKernel.NC, TKernel.NR);
        float* packA = PackBuffers.Get(out float* packB);
        float* edge = stackalloc float[8 * 32];

        for (int jc = j0; jc < j1; jc += ncStep)
        {
            int nc = Math.Min(ncStep, j1 - jc);
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                float* bp = BPanels(job, pc, kc, jc, nc, TKernel.NR, packB);
                for (int ic = i0; ic < i1; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, i1 - ic);
                    PackA(job->TransposeA, job->A, job->Lda, ic, mc, pc, kc, TKernel.MR, packA);
                    Macro<TKernel>(job, packA, bp, ic, mc, jc, nc, pc, kc, edge);
                }
            }
        }
    }

    /// <summary>
    /// The K slice [pc, pc+kc) of C[i0:i0+mc, j0:j0+nc]: packA holds the rows' micro-panels (row i0+r at panel r/MR),
    /// packB the columns' (column j0+j at panel j/NR). Rows go in blocks of MC so that A stays in L2.
    /// </summary>
    private static void Macro<TKernel>(Job* job, float* packA, float* packB, int i0, int mc, int j0, int nc, int pc, int kc, float* edge)
        where TKernel : struct, IMicroKernel
    {
        int mr = TKernel.MR, nr = TKernel.NR, ldc = job->Ldc;
        float alpha = job->Alpha;
        float beta = pc == 0 || job->Partials is not null ? job->Beta : 1f;   // a slice apart starts from zero
        float* bias = pc == 0 ? job->ColumnBias : null;
        bool relu = job->Relu && pc + kc == job->K;
        for (int ib = 0; ib < mc; ib += TKernel.MC)
        {
            int iEnd = Math.Min(mc, ib + TKernel.MC);
            for (int jr = 0; jr < nc; jr += nr)
            {
                int cols = Math.Min(nr, nc - jr);
                float* bp = packB + (nint)jr * kc;
                for (int ir = ib; ir < iEnd; ir += mr)
                {
                    int rows = Math.Min(mr, mc - ir);
                    float* ap = packA + (nint)ir * kc;
                    float* cp = job->C + (nint)(i0 + ir) * ldc + j0 + jr;
                    float* tileBias = bias is null ? null : bias + j0 + jr;
                    if (rows == mr && cols == nr)
                    {
                        TKernel.Run(kc, ap, bp, cp, ldc, alpha, beta, tileBias, relu);
                    }
                    else
                    {
                        // The exact sums (alpha 1, beta 0); the update below rounds like the kernel's store.
                        TKernel.RunEdge(rows, cols, kc, ap, bp, edge, nr);
                        StoreEdge(edge, nr, cp, ldc, rows, cols, alpha, beta);
                        if (tileBias is not null || relu) Finish(cp, ldc, rows, cols, tileBias, relu);
                    }
                }
            }
        }
    }

    /// <summary>K cut into equal slices no deeper than <paramref name="kc"/>: their count and their depth (the last may be shallower).</summary>
    private static (int Slices, int Step) SliceK(int k, int kc)
    {
        int slices = (k + kc - 1) / kc;
        return (slices, (k + slices - 1) / slices);
    }

    /// <summary>Splits length into equal blocks of at most max, rounded up to a multiple of unit.</summary>
    private static int BalancedStep(int length, int max, int unit)
    {
        int blocks = (length + max - 1) / max;
        int step = (length + blocks - 1) / blocks;
        return Math.Min(max, (step + unit - 1) / unit * unit);
    }

    // Same arithmetic as the kernels' vector store: alpha*sum, then + beta*c unless beta is 0.
    private static void StoreEdge(float* tile, int tileStride, float* c, int ldc, int rows, int cols, float alpha, float beta)
    {
        for (int r = 0; r < rows; r++)
        {
            float* t = tile + r * tileStride;
            float* cr = c + (nint)r * ldc;
            if (beta == 0f) for (int j = 0; j < cols; j++) cr[j] = alpha * t[j];
            else for (int j = 0; j < cols; j++) cr[j] = alpha * t[j] + beta * cr[j];
        }
    }

    /// <summary>
    /// c[r, j] = act(c[r, j] + bias[j]) on an edge tile just stored (bias null: none; act max(·, 0) when relu), as the
    /// kernels' store does in registers. Adding the bias after the store rounds as the store's own "+ 1·c" would from C
    /// filled with the bias; max is TensorPrimitives.Max's (NaN stays NaN, −0 becomes +0).
    /// </summary>
    private static void Finish(float* c, int ldc, int rows, int cols, float* bias, bool relu)
    {
        for (int r = 0; r < rows; r++)
        {
            float* row = c + (nint)r * ldc;
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + 16 <= cols; j += 16)
                {
                    Vector512<float> v = Vector512.Load(row + j);
                    if (bias is not null) v += Vector512.Load(bias + j);
                    if (relu) v = Vector512.Max(v, Vector512<float>.Zero);
                    v.Store(row + j);
                }
            }
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 8 <= cols; j += 8)
                {
                    Vector256<float> v = Vector256.Load(row + j);
                    if (bias is not null) v += Vector256.Load(bias + j);
                    if (relu) v = Vector256.Max(v, Vector256<float>.Zero);
                    v.Store(row + j);
                }
            }
            for (; j < cols; j++)
            {
                float v = row[j];
                if (bias is not null) v += bias[j];
                row[j] = relu ? MathF.Max(v, 0f) : v;
            }
        }
    }

    private static void ScaleC(float* c, int m, int n, int ldc, float beta)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (nint)i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f) for (int j = 0; j < n; j++) row[j] *= beta;
        }
    }

    private static void CheckOperand(int length, int rows, int cols, int stride, string name)
    {
        if (stride < cols || (rows > 0 && cols > 0 && length < (long)(rows - 1) * stride + cols))
            ThrowOperand(length, rows, cols, stride, name);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOperand(int length, int rows, int cols, int stride, string name) =>
        throw new ArgumentException(
            $"Operand {name} is stored as [{rows},{cols}] with row stride {stride}: the stride must be at least {cols} and the span must hold at least {(long)Math.Max(0, rows - 1) * stride + cols} floats, but it holds {length}.",
            name);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBias(int length, int n) =>
        throw new ArgumentException($"The column bias holds {length} floats; C has {n} columns.", "columnBias");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNegativeSize(int m, int n, int k) =>
        throw new ArgumentOutOfRangeException(nameof(m), $"Matrix sizes must be non-negative, got m={m}, n={n}, k={k}.");
}
