using System.Numerics.Tensors;
using LatentSharp.Kernels;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as PyTorch's <c>conv2d</c>) with symmetric zero padding and dilation 1:
    /// y[n, o, ho, wo] = bias[o] + Σ_{c,i,j} weight[o, c, i, j] · x[n, c, ho·stride − padding + i, wo·stride − padding + j].
    /// Shapes: input [N, C, H, W], weight [O, C, kh, kw], bias [O] or null → [N, O, Ho, Wo]
    /// with Ho = floor((H + 2·padding − kh) / stride) + 1 (likewise Wo).
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, int stride = 1, int padding = 0) =>
        Conv2d(input, weight, bias, stride, padding, tapMask: 0);

    /// <summary>
    /// <see cref="Conv2d(Tensor, Tensor, Tensor?, int, int)"/> that uses only the kernel positions (taps) whose bit
    /// i·kw + j is set in <paramref name="tapMask"/> (0: all), for masked convolutions: the result and every gradient are
    /// those of the convolution with the other taps' weights set to zero, and those weights get no gradient, but the
    /// unfolding and the products skip them instead of multiplying by zero.
    /// </summary>
    internal static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding, ulong tapMask) =>
        Conv2d(input, weight, bias, stride, padding, tapMask, relu: false);

    /// <summary>
    /// The convolution, then max(·, 0) with <paramref name="relu"/>, applied as each output row is written back to NCHW
    /// (where the path writes rows; else one pass after): the same values and gradients, to the bit, as the convolution
    /// followed by <see cref="Relu"/>.
    /// </summary>
    internal static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding, ulong tapMask, bool relu)
    {
        Tensor x = input, w = weight;
        ConvShapes.CheckConv2d(x, w, bias, stride, padding);
        int n = x._shape[0], c = x._shape[1], o = w._shape[0], kh = w._shape[2], kw = w._shape[3];
        ConvShapes.CheckTapMask(tapMask, kh, kw);
        if (kh == 1 && kw == 1 && stride == 1 && padding == 0) return relu ? Pointwise(x, w, bias).Relu() : Pointwise(x, w, bias);
        int ho = Im2ColGeometry.OutputSize(x._shape[2], kh, stride, padding);
        int wo = Im2ColGeometry.OutputSize(x._shape[3], kw, stride, padding);
        // Columns of each input image: [K = C·T, P = Ho·Wo] for the T taps used; the weight is the GEMM's [O, K]
        // operand: as stored when every tap is used, else its used taps gathered (CompactWeight).
        var g = new Im2ColGeometry(c, x._shape[2], x._shape[3], kh, kw, stride, padding, ho, wo, tapMask);
        if (ChannelsLastConv.Applies(g, o)) return ChannelsLastConv2d(x, w, bias, g, o, relu);
        int k = g.Rows, p = g.Positions, outLength = o * p;
        int chunk = ConvBatch.ImagesPerChunk(n, (long)k * p);

        Tensor y = Empty([n, o, ho, wo]);
        bool direct = DirectConv.Applies(g);
        bool fromPlanes = !direct && ConvBatch.ReadsPhasePlanes;
        bool keep = !direct && IsGradEnabled && w.RequiresGrad;
        // The weight gradient multiplies by the same columns as the forward: when it will be needed, the forward keeps
        // them for the backward in a buffer that lives as long as the graph: as phase planes (about the input's size), or
        // else its first unfolded chunks (those within ConvBatch.KeptColumnBudget). The direct path unfolds nothing, so it
        // keeps nothing.
        int keptImages = keep && !fromPlanes ? ConvBatch.KeptImages(n, chunk, (long)k * p) : 0;
        float[]? kept = keptImages == 0 ? null : Empty([keptImages * k * p])._data;   // chunk after chunk, each [K, count·P]
        PhasePlanes? planes = null;
        float[]? compact = tapMask == 0 ? null : CompactWeight(g, w._data, o);
        try
        {
            float[] wk = compact ?? w._data;
            if (direct)
            {
                DirectConv.Forward(new DirectConvLayer(g, o, wk, bias is null ? default : bias._data), x._data, y._data, n);
                if (relu) ReluInPlace(y._data.AsSpan(0, y.Length));
            }
            else if (fromPlanes && keep)
            {
                planes = new PhasePlanes(g, x._data, n, Empty([checked((int)ImplicitColumns.PlanesLength(g, n))])._data);
                ForwardFromPlanes(planes, n, o, wk, bias?._data, y._data, g, relu);
            }
            else if (fromPlanes)
            {
                // Nothing kept: the planes too are made chunk by chunk (an evaluation's batch of 1,000 images would
                // otherwise take them whole).
                int images = ConvBatch.ImagesPerChunk(n, Math.Max((long)o * p, ImplicitColumns.PlanesLength(g, 1)));
                for (int first = 0; first < n; first += images)
                {
                    int count = Math.Min(images, n - first);
                    var part = new PhasePlanes(g, x._data.AsSpan(first * g.ImageLength, count * g.ImageLength), count);
                    try
                    {
                        ForwardFromPlanes(part, count, o, wk, bias?._data, y._data.AsSpan(first * o * p, count * o * p), g, relu);
                    }
                    finally
                    {
                        part.Return();
                    }
                }
            }
            else ForwardByColumns(g, n, o, chunk, x._data, wk, bias?._data, y._data, kept, keptImages, relu);
        }
        finally
        {
            if (compact is not null) ConvBatch.Return(compact);
        }

        Tensor[] inputs = bias is null ? [x, w] : [x, w, bias];
        return y.Recorded(() =>
        {
            // From phase planes the output gradient is gathered once for the whole batch: a fused ReLU's mask (y > 0) is
            // applied there, and the bias gradient summed from the gathered copy; otherwise the masked gradient is made first.
            bool maskOnGather = relu && planes is not null && n > 1;
            float[] gy = relu && !maskOnGather ? ReluInputGradient(y) : y.OutputGrad;   // [N, O, P]
            try
            {
                AccumulateGradients(gy, maskOnGather ? y._data : null);
            }
            finally
            {
                if (relu && !maskOnGather) ConvBatch.Return(gy);
            }
        }, inputs);

        void AccumulateGradients(float[] gy, float[]? keepWherePositive)
        {
            float[]? gb = bias?.GradToAccumulate();
            if (gb is not null && keepWherePositive is null)
                ConvBatch.AccumulateBiasGrad(gy, n, p, gb.AsSpan(0, o));   // dBias[o] += Σ_{n,p} g[n, o, p]
            float[]? gw = w.GradToAccumulate();
            // A fresh input-gradient buffer (overwrite) is cleared image by image as the fold reaches it, not all at once first.
            float[]? gx = x.GradToAccumulate(out bool overwrite);
            if (gw is null && gx is null && (gb is null || keepWherePositive is null))
            {
                planes?.Return();
                return;
            }
            if (planes is not null && gx is null && gw is not null && ThinConv.Applies(g))
            {
                // Nothing to fold back: the weight gradient (and the bias gradient, if a fused ReLU's mask left it to here)
                // straight from gy in NCHW, nothing gathered, no scratch.
                try
                {
                    planes.ThinGradient(o, gy.AsSpan(0, n * outLength), keepWherePositive, gw, keepWherePositive is null ? default : gb);
                }
                finally
                {
                    planes.Return();
                }
                return;
            }

            // Scratch columns: for the chunks not kept, and for dcols. From phase planes the output gradient is gathered
            // once for the whole batch: the weight gradient is one product.
            float[]? cols = planes is not null || (gx is null && keptImages == n) ? null : ConvBatch.Rent((long)k * chunk * p);
            float[] gt = ConvBatch.Rent((long)o * (planes is null ? chunk : n) * p);
            // With a tap mask the products run on the compact weight [O, K]; its gradient is gathered there, then added
            // to the used taps of gw.
            float[]? compact = tapMask == 0 ? null : CompactWeight(g, w._data, o);
            float[] wk = compact ?? w._data;
            float[]? gwk = gw is null ? null : tapMask == 0 ? gw : ConvBatch.Rent((long)o * k);
            if (gwk is not null && tapMask != 0) Array.Clear(gwk, 0, o * k);
            try
            {
                if (planes is not null) BackwardFromPlanes(g, planes, n, o, chunk, gy, keepWherePositive, gb, wk, gt, gwk, gx, overwrite);
                else
                for (int first = 0; first < n; first += chunk)
                {
                    int count = Math.Min(chunk, n - first), ld = count * p;
                    // gt [O, count·P]: the chunk's output gradient, channel-major like the forward GEMM's result
                    ReadOnlySpan<float> gyChunk = gy.AsSpan(first * outLength, count * outLength);
                    ReadOnlySpan<float> gtChunk = gyChunk;
                    if (count > 1)
                    {
                        ConvBatch.Gather(gyChunk, count, o, p, gt);
                        gtChunk = gt;
                    }
                    if (gw is not null)
                    {
                        // forward: y = W · cols  =>  dW [O, K] += gt [O, count·P] · colsᵀ (the forward's columns if kept)
                        ReadOnlySpan<float> colsChunk = first < keptImages ? kept.AsSpan(first * k * p, k * ld) : cols;
                        if (first >= keptImages) ConvBatch.UnfoldChunk(g, x._data, first, count, cols);
                        Gemm.Multiply(false, true, o, k, ld, 1f, gtChunk, ld, colsChunk, ld, 1f, gwk!, k);
                    }
                    if (gx is not null)
                    {
                        // dcols [K, count·P] = Wᵀ · gt, then col2im adds each window back to the input pixels it read
                        Gemm.Multiply(true, false, k, ld, o, 1f, wk, k, gtChunk, ld, 0f, cols!, ld);
                        ConvBatch.FoldChunk(g, cols!, first, count, gx, new ConvBatch.FoldOutput(clear: overwrite, default, relu: false));
                    }
                }
                if (gw is not null && tapMask != 0) AddCompactWeightGrad(g, gwk!, o, gw);
            }
            finally
            {
                if (gwk is not null && tapMask != 0) ConvBatch.Return(gwk);
                if (compact is not null) ConvBatch.Return(compact);
                ConvBatch.Return(gt);
                if (cols is not null) ConvBatch.Return(cols);
                planes?.Return();
            }
        }
    }

    /// <summary>One image's output [O, P] (+ bias[o]), then max(·, 0) with <paramref name="relu"/>.</summary>
    private static void FinishImage(Span<float> y, float[]? bias, int positions, bool relu)
    {
        if (bias is not null) ConvBatch.AddBias(y, 1, bias, positions, relu);
        else if (relu) ReluInPlace(y);
    }

    /// <summary>
    /// y [N, O, P] (+ bias) = W [O, K] · cols, packed from the phase planes: one GEMM per chunk of images (the product
    /// [O, count·P] within <see cref="ConvBatch.ColumnBudget"/>), then back to NCHW.
    /// </summary>
    private static void ForwardFromPlanes(PhasePlanes planes, int n, int o, float[] wk, float[]? bias, Span<float> y, in Im2ColGeometry g, bool relu)
    {
        int k = g.Rows, p = g.Positions;
        if (ThinConv.Applies(g))
        {
            planes.ThinProduct(o, wk, bias, relu, accumulate: false, y[..(n * o * p)]);
            return;
        }
        if (n == 1)
        {
            planes.Multiply(false, o, p, k, 1f, wk, k, false, 0f, y[..(o * p)], p);
            FinishImage(y[..(o * p)], bias, p, relu);
            return;
        }
        int chunk = ConvBatch.ImagesPerChunk(n, (long)o * p);
        float[] tmp = ConvBatch.Rent((long)o * chunk * p);
        try
        {
            for (int first = 0; first < n; first += chunk)
            {
                int count = Math.Min(chunk, n - first), ld = count * p;
                planes.Multiply(first, count, false, o, ld, k, 1f, wk, k, false, 0f, tmp, ld);
                ConvBatch.Scatter(tmp, count, o, p, y.Slice(first * o * p, count * o * p), false, bias is null ? default : bias, relu);
            }
        }
        finally
        {
            ConvBatch.Return(tmp);
        }
    }

    /// <summary>
    /// The backward of <see cref="ForwardFromPlanes"/>: gt [O, N·P] gathered once, dW [O, K] += gt · colsᵀ as one GEMM packing
    /// colsᵀ from the planes, and dx chunk by chunk on each core: dcols = Wᵀ · gt, folded back. With
    /// <paramref name="keepWherePositive"/> (a fused ReLU's output; N &gt; 1), gt is gy masked by it, and the bias gradient
    /// <paramref name="gb"/> is summed from gt.
    /// </summary>
    private static void BackwardFromPlanes(in Im2ColGeometry g, PhasePlanes planes, int n, int o, int chunk, float[] gy, float[]? keepWherePositive,
        float[]? gb, float[] wk, float[] gt, float[]? gwk, float[]? gx, bool overwrite)
    {
        int k = g.Rows, p = g.Positions, ld = n * p;
        ReadOnlySpan<float> gtAll = gy.AsSpan(0, o * ld);
        if (n > 1)
        {
            ConvBatch.Gather(gtAll, n, o, p, gt, keepWherePositive is null ? default : keepWherePositive.AsSpan(0, o * ld));
            gtAll = gt.AsSpan(0, o * ld);
            if (keepWherePositive is not null && gb is not null) ConvBatch.AccumulateBiasGrad(gtAll, n, p, gb.AsSpan(0, o), channelMajor: true);
        }
        else if (keepWherePositive is not null) throw new ArgumentException("The ReLU mask is applied when gathering more than one image.", nameof(keepWherePositive));
        if (gwk is not null) planes.Multiply(false, o, k, ld, 1f, gtAll, ld, true, 1f, gwk, k);
        if (gx is null) return;
        InputGradientOnEachCore(g, n, o, Math.Min(chunk, ConvBatch.ImagesPerFold(n, (long)k * p)), wk, gtAll, gx, overwrite);
    }

    /// <summary>
    /// dx += col2im(Wᵀ · gt) (written, when <paramref name="overwrite"/>), gt [O, N·P] channel-major: every core taking whole
    /// chunks of images in turn, dcols [K, count·P] = Wᵀ · gt's columns, then the fold, on one core, so the fold reads the
    /// columns its own core has just written and no chunk waits for the other core between the two. Chunks of about a
    /// quarter of a core's share, within <paramref name="chunk"/>; the same values as both steps spread over the cores.
    /// </summary>
    private static unsafe void InputGradientOnEachCore(in Im2ColGeometry g, int n, int o, int chunk, float[] wk, ReadOnlySpan<float> gt, float[] gx, bool overwrite)
    {
        (int images, int chunks, int cores) = ConvBatch.ChunksOnEachCore(n, chunk);
        fixed (float* pw = wk, pgt = gt, pgx = gx)
        {
            var job = new InputGradient { G = g, W = pw, Gt = pgt, Gx = pgx, Images = n, OutChannels = o, Chunk = images, Chunks = chunks, Overwrite = overwrite };
            WorkerPool.Run(cores, &InputGradientChunks, &job);
        }
    }

    /// <summary>One <see cref="InputGradientOnEachCore"/> call: raw pointers, because the state lives on the caller's stack while the workers run.</summary>
    private unsafe struct InputGradient
    {
        public Im2ColGeometry G;
        public float* W, Gt, Gx;
        public int Images, OutChannels, Chunk, Chunks;
        public bool Overwrite;
        public int NextChunk;   // the next chunk to take
    }

    private static unsafe void InputGradientChunks(void* state, int part)
    {
        var job = (InputGradient*)state;
        ref readonly Im2ColGeometry g = ref job->G;
        int o = job->OutChannels, k = g.Rows, p = g.Positions, n = job->Images, ld = n * p;
        float[] cols = ConvBatch.Rent((long)k * job->Chunk * p);
        try
        {
            var weight = new ReadOnlySpan<float>(job->W, o * k);
            var gt = new ReadOnlySpan<float>(job->Gt, o * ld);
            var gx = new Span<float>(job->Gx, n * g.ImageLength);
            var output = new ConvBatch.FoldOutput(clear: job->Overwrite, default, relu: false);
            int chunk;
            while ((chunk = Interlocked.Increment(ref job->NextChunk) - 1) < job->Chunks)
            {
                int first = chunk * job->Chunk, count = Math.Min(job->Chunk, n - first);
                // The kernels called here find the pool taken and run on this core.
                Gemm.Multiply(true, false, k, count * p, o, 1f, weight, k, gt[(first * p)..], ld, 0f, cols, count * p);
                ConvBatch.FoldChunk(g, cols, first, count, gx, output);
            }
        }
        finally
        {
            ConvBatch.Return(cols);
        }
    }

    /// <summary>
    /// y [N, O, P] (+ bias) = W [O, K] · columns of each image, chunk by chunk: unfold, one GEMM, scatter back. The first
    /// <paramref name="keptImages"/> images' chunks are unfolded into <paramref name="kept"/>, one after the other, and left there.
    /// </summary>
    private static void ForwardByColumns(in Im2ColGeometry g, int n, int o, int chunk, float[] x, float[] wk, float[]? bias, float[] y, float[]? kept, int keptImages, bool relu)
    {
        int k = g.Rows, p = g.Positions, outLength = o * p;
        float[]? scratch = keptImages == n ? null : ConvBatch.Rent((long)k * chunk * p);
        float[] tmp = ConvBatch.Rent((long)o * chunk * p);
        try
        {
            for (int first = 0; first < n; first += chunk)
            {
                int count = Math.Min(chunk, n - first), ld = count * p;
                Span<float> cols = first < keptImages ? kept.AsSpan(first * k * p, k * ld) : scratch;
                ConvBatch.UnfoldChunk(g, x, first, count, cols);                   // cols [K, count·P]
                if (count == 1)
                {
                    // y[first] [O, P] = W [O, K] · cols [K, P]
                    Span<float> yi = y.AsSpan(first * outLength, outLength);
                    Gemm.Multiply(false, false, o, p, k, 1f, wk, k, cols, ld, 0f, yi, p);
                    FinishImage(yi, bias, p, relu);
                }
                else
                {
                    // tmp [O, count·P] = W [O, K] · cols [K, count·P], then back to [count, O, P] (+ bias)
                    Gemm.Multiply(false, false, o, ld, k, 1f, wk, k, cols, ld, 0f, tmp, ld);
                    ConvBatch.Scatter(tmp, count, o, p, y.AsSpan(first * outLength, count * outLength), false, bias is null ? default : bias, relu);
                }
            }
        }
        finally
        {
            ConvBatch.Return(tmp);
            if (scratch is not null) ConvBatch.Return(scratch);
        }
    }

    /// <summary>
    /// A 1×1 convolution with stride 1 and no padding, y[n] = W · x[n] (+ bias) on each image's [C, P] plane: that plane is
    /// already the image's column matrix, so the products run on the NCHW data with no unfolding, gathering or scattering
    /// (those copies cost about as much as the products at the PixelCNN layers' 32–64 channels). The images are shared out
    /// over the cores, one single-threaded product each (splitting each of these small products over the cores instead was
    /// measured slower: docs/benchmarks.md). The forward is <see cref="DirectConv"/>'s where it applies (the same bits, no
    /// packing); the backward's products are GEMMs.
    /// </summary>
    private static unsafe Tensor Pointwise(Tensor x, Tensor w, Tensor? bias)
    {
        int n = x._shape[0], c = x._shape[1], o = w._shape[0], p = x._shape[2] * x._shape[3];
        Tensor y = Empty([n, o, x._shape[2], x._shape[3]]);
        var g = new Im2ColGeometry(c, x._shape[2], x._shape[3], 1, 1, 1, 0, x._shape[2], x._shape[3]);
        if (DirectConv.Applies(g))
        {
            DirectConv.Forward(new DirectConvLayer(g, o, w._data, bias is null ? default : bias._data), x._data, y._data, n);
        }
        else
        {
            fixed (float* px = x._data, pw = w._data, py = y._data)
            {
                var job = new PointwiseJob { X = px, W = pw, Y = py, Images = n, C = c, O = o, P = p };
                RunOverImages(&job, n, &PointwiseForwardPart);
            }
            if (bias is not null) ConvBatch.AddBias(y._data, n, bias._data, p);
        }

        Tensor[] inputs = bias is null ? [x, w] : [x, w, bias];
        return y.Recorded(() =>
        {
            float[] gy = y.OutputGrad;   // [N, O, P]
            if (bias?.GradToAccumulate() is { } gb) ConvBatch.AccumulateBiasGrad(gy, n, p, gb.AsSpan(0, o));
            float[]? gx = x.GradToAccumulate(out bool overwrite);
            float[]? gw = w.GradToAccumulate();
            int groups = (n + PointwiseGroup - 1) / PointwiseGroup;
            float[]? partials = gw is null ? null : ConvBatch.Rent((long)groups * o * c);
            try
            {
                fixed (float* px = x._data, pw = w._data, pgy = gy, pgx = gx, ppart = partials)
                {
                    var job = new PointwiseJob
                    {
                        X = px, W = pw, Gy = pgy, Gx = pgx, Partials = ppart, Images = n, C = c, O = o, P = p, GxBeta = overwrite ? 0f : 1f,
                    };
                    if (gx is not null) RunOverImages(&job, n, &PointwiseInputGradPart);
                    if (gw is not null) RunOverImages(&job, groups, &PointwiseWeightGradPart);
                }
                // dW adds the groups' sums in group order: the same bits for any number of threads.
                if (gw is not null)
                    for (int group = 0; group < groups; group++)
                        TensorPrimitives.Add(gw.AsSpan(0, o * c), partials.AsSpan(group * o * c, o * c), gw.AsSpan(0, o * c));
            }
            finally
            {
                if (partials is not null) ConvBatch.Return(partials);
            }
        }, inputs);
    }

    // Images per partial weight gradient: a fixed grouping, so the sum's order does not depend on the thread count.
    private const int PointwiseGroup = 8;

    /// <summary>One pointwise convolution call: raw pointers, because the state lives on the caller's stack while the workers run.</summary>
    private unsafe struct PointwiseJob
    {
        public float* X, W, Y, Gy, Gx, Partials;
        public int Images, C, O, P, Parts, Count;
        public float GxBeta;   // 0 when dx's buffer is new (written, not added to)

        public readonly (int Begin, int End) Range(int part) => (Count * part / Parts, Count * (part + 1) / Parts);
    }

    /// <summary>Runs body over [0, count) (images or groups of them) cut into one contiguous range per core.</summary>
    private static unsafe void RunOverImages(PointwiseJob* job, int count, delegate*<void*, int, void> body)
    {
        job->Count = count;
        job->Parts = Math.Max(1, Math.Min(Threading.MaxThreads, count));
        WorkerPool.Run(job->Parts, body, job);
    }

    private static unsafe void PointwiseForwardPart(void* state, int part)
    {
        var job = (PointwiseJob*)state;
        int c = job->C, o = job->O, p = job->P;
        (int begin, int end) = job->Range(part);
        for (int i = begin; i < end; i++)   // y[i] [O, P] = W [O, C] · x[i] [C, P]
            Gemm.Multiply(false, false, o, p, c, 1f, new ReadOnlySpan<float>(job->W, o * c), c,
                new ReadOnlySpan<float>(job->X + (long)i * c * p, c * p), p, 0f, new Span<float>(job->Y + (long)i * o * p, o * p), p);
    }

    private static unsafe void PointwiseInputGradPart(void* state, int part)
    {
        var job = (PointwiseJob*)state;
        int c = job->C, o = job->O, p = job->P;
        (int begin, int end) = job->Range(part);
        for (int i = begin; i < end; i++)   // dx[i] [C, P] += Wᵀ · gy[i] [O, P]
            Gemm.Multiply(true, false, c, p, o, 1f, new ReadOnlySpan<float>(job->W, o * c), c,
                new ReadOnlySpan<float>(job->Gy + (long)i * o * p, o * p), p, job->GxBeta, new Span<float>(job->Gx + (long)i * c * p, c * p), p);
    }

    private static unsafe void PointwiseWeightGradPart(void* state, int part)
    {
        var job = (PointwiseJob*)state;
        int c = job->C, o = job->O, p = job->P;
        (int begin, int end) = job->Range(part);
        for (int group = begin; group < end; group++)
        {
            // partial[group] [O, C] = Σ over the group's images of gy[i] [O, P] · x[i]ᵀ
            var partial = new Span<float>(job->Partials + (long)group * o * c, o * c);
            int first = group * PointwiseGroup, last = Math.Min(job->Images, first + PointwiseGroup);
            for (int i = first; i < last; i++)
                Gemm.Multiply(false, true, o, c, p, 1f, new ReadOnlySpan<float>(job->Gy + (long)i * o * p, o * p), p,
                    new ReadOnlySpan<float>(job->X + (long)i * c * p, c * p), p, i == first ? 0f : 1f, partial, c);
        }
    }

    /// <summary>The used taps of a [O, C, kh, kw] weight as a [O, C·T] matrix in the column matrix's row order (pooled).</summary>
    private static float[] CompactWeight(in Im2ColGeometry g, float[] weight, int o)
    {
        int taps = g.TapCount, window = g.Kh * g.Kw, k = g.Rows;
        float[] compact = ConvBatch.Rent((long)o * k);
        for (int t = 0; t < taps; t++)
        {
            int tap = g.Tap(t);
            for (int oc = 0; oc < o * g.Channels; oc++) compact[oc * taps + t] = weight[oc * window + tap];
        }
        return compact;
    }

    /// <summary>gw[o, c, tap] += compactGrad[o, c·T + t]: the adjoint of <see cref="CompactWeight"/>; unused taps get nothing.</summary>
    private static void AddCompactWeightGrad(in Im2ColGeometry g, float[] compactGrad, int o, float[] gw)
    {
        int taps = g.TapCount, window = g.Kh * g.Kw;
        for (int t = 0; t < taps; t++)
        {
            int tap = g.Tap(t);
            for (int oc = 0; oc < o * g.Channels; oc++) gw[oc * window + tap] += compactGrad[oc * taps + t];
        }
    }
}
