using LatentSharp.Kernels;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Transposed 2-D convolution (PyTorch's <c>conv_transpose2d</c>, dilation 1): the adjoint of <see cref="Conv2d(Tensor, Tensor, Tensor?, int, int)"/>
    /// with the same weight, plus bias. Every input pixel x[n, c, h, w] adds weight[c, o, i, j] · x to
    /// y[n, o, h·stride − padding + i, w·stride − padding + j].
    /// Shapes: input [N, C, H, W], weight [C, O, kh, kw] (PyTorch's layout), bias [O] or null → [N, O, Ho, Wo]
    /// with Ho = (H − 1)·stride − 2·padding + kh + outputPadding (likewise Wo), 0 ≤ outputPadding &lt; stride.
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias, int stride = 1, int padding = 0, int outputPadding = 0) =>
        ConvTranspose2d(input, weight, bias, stride, padding, outputPadding, relu: false);

    /// <summary>
    /// <see cref="ConvTranspose2d(Tensor, Tensor, Tensor?, int, int, int)"/>, then max(·, 0) with <paramref name="relu"/>: each
    /// output image cleared, folded, given its bias and ReLU in one visit; the same values and gradients, to the bit, as the
    /// op followed by <see cref="Relu"/>.
    /// </summary>
    internal static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding, int outputPadding, bool relu)
    {
        Tensor x = input, w = weight;
        ConvShapes.CheckConvTranspose2d(x, w, bias, stride, padding, outputPadding);
        int n = x._shape[0], c = x._shape[1], h = x._shape[2], wd = x._shape[3];
        int o = w._shape[1], kh = w._shape[2], kw = w._shape[3];
        int ho = (h - 1) * stride - 2 * padding + kh + outputPadding;
        int wo = (wd - 1) * stride - 2 * padding + kw + outputPadding;
        // The output image [O, Ho, Wo] is what gets unfolded: its columns are [K = O·kh·kw, P = H·W], one per input pixel
        // (a stride-s convolution of Ho×Wo gives back H×W because outputPadding < stride). Weight [C, K] is stored as is.
        var g = new Im2ColGeometry(o, ho, wo, kh, kw, stride, padding, h, wd);
        if (ChannelsLastConv.Applies(g, c)) return ChannelsLastConvTranspose2d(x, w, bias, g, c, relu);
        int chunk = ConvBatch.ImagesPerFold(n, (long)g.Rows * g.Positions);

        Tensor y = Empty([n, o, ho, wo]);   // cleared image by image before col2im accumulates into it
        ForwardOnEachCore(g, x._data, w._data, bias?._data, relu, y._data, n, c, chunk);
        return RecordTransposed(x, w, bias, y, g, n, c, ho, wo, chunk, relu);
    }

    /// <summary>
    /// y = col2im(Wᵀ · x) (+ bias, then max(·, 0) with <paramref name="relu"/>), every core taking whole chunks of images
    /// in turn: gather [C, count·P], cols [K, count·P] = Wᵀ · xt, fold, all on one core, so the fold reads the columns its
    /// own core has just written (from L2) and no chunk waits for the other core at the end of each step. Chunks of about a
    /// quarter of a core's share, within the fold budget; the same values as a chunk's steps spread over the cores, to the bit.
    /// </summary>
    private static unsafe void ForwardOnEachCore(in Im2ColGeometry g, float[] x, float[] w, float[]? bias, bool relu, float[] y, int n, int c, int chunk)
    {
        (int images, int chunks, int cores) = ConvBatch.ChunksOnEachCore(n, chunk);
        fixed (float* px = x, pw = w, pbias = bias, py = y)
        {
            var job = new TransposedForward
            {
                G = g, X = px, W = pw, Bias = pbias, Y = py, Relu = relu, Images = n, InChannels = c, Chunk = images, Chunks = chunks,
            };
            WorkerPool.Run(cores, &ForwardChunks, &job);
        }
    }

    /// <summary>One <see cref="ForwardOnEachCore"/> call: raw pointers, because the state lives on the caller's stack while the workers run.</summary>
    private unsafe struct TransposedForward
    {
        public Im2ColGeometry G;
        public float* X, W, Bias, Y;
        public bool Relu;
        public int Images, InChannels, Chunk, Chunks;
        public int NextChunk;   // the next chunk to take
    }

    private static unsafe void ForwardChunks(void* state, int part)
    {
        var job = (TransposedForward*)state;
        ref readonly Im2ColGeometry g = ref job->G;
        int c = job->InChannels, k = g.Rows, p = g.Positions, n = job->Images, inLength = c * p, outLength = g.ImageLength;
        float[] cols = ConvBatch.Rent((long)k * job->Chunk * p);
        float[] xt = ConvBatch.Rent((long)c * job->Chunk * p);
        try
        {
            var weight = new ReadOnlySpan<float>(job->W, c * k);
            var output = new ConvBatch.FoldOutput(clear: true, job->Bias is null ? default : new ReadOnlySpan<float>(job->Bias, g.Channels), job->Relu);
            var images = new Span<float>(job->Y, n * outLength);
            int chunk;
            while ((chunk = Interlocked.Increment(ref job->NextChunk) - 1) < job->Chunks)
            {
                int first = chunk * job->Chunk, count = Math.Min(job->Chunk, n - first), ld = count * p;
                // The kernels called here find the pool taken and run on this core.
                ReadOnlySpan<float> xtChunk = new ReadOnlySpan<float>(job->X + (long)first * inLength, count * inLength);
                if (count > 1)
                {
                    ConvBatch.Gather(xtChunk, count, c, p, xt);
                    xtChunk = xt;
                }
                Gemm.Multiply(true, false, k, ld, c, 1f, weight, k, xtChunk, ld, 0f, cols, ld);
                ConvBatch.FoldChunk(g, cols, first, count, images, output);
            }
        }
        finally
        {
            ConvBatch.Return(xt);
            ConvBatch.Return(cols);
        }
    }

    /// <summary>y recorded as the transposed convolution's output, with its backward rule.</summary>
    private static Tensor RecordTransposed(Tensor x, Tensor w, Tensor? bias, Tensor y, Im2ColGeometry g, int n, int c, int ho, int wo, int chunk, bool relu)
    {
        int o = g.Channels, k = g.Rows, p = g.Positions, inLength = c * p;
        Tensor[] inputs = bias is null ? [x, w] : [x, w, bias];
        return y.Recorded(() =>
        {
            float[] gy = relu ? ReluInputGradient(y) : y.OutputGrad;   // [N, O, Ho, Wo]
            try
            {
                AccumulateGradients(gy);
            }
            finally
            {
                if (relu) ConvBatch.Return(gy);
            }
        }, inputs);

        void AccumulateGradients(float[] gy)
        {
            if (bias?.GradToAccumulate() is { } gb)
                ConvBatch.AccumulateBiasGrad(gy, n, ho * wo, gb.AsSpan(0, o));   // dBias[o] += Σ_{n,ho,wo} g
            float[]? gw = w.GradToAccumulate();
            float[]? gx = x.GradToAccumulate(out bool overwrite);
            if (gw is null && gx is null) return;
            if (ConvBatch.ReadsPhasePlanes)
            {
                BackwardFromPlanes(g, gy, x._data, w._data, n, c, gw, gx, overwrite);
                return;
            }

            float[] cols = ConvBatch.Rent((long)k * chunk * p);
            float[] xt = ConvBatch.Rent((long)c * chunk * p);
            try
            {
                for (int first = 0; first < n; first += chunk)
                {
                    int count = Math.Min(chunk, n - first), ld = count * p;
                    // forward: y = col2im(Wᵀ · xt)  =>  gcols [K, count·P] = im2col(g)
                    ConvBatch.UnfoldChunk(g, gy, first, count, cols);
                    if (gw is not null)
                    {
                        // dW [C, K] += xt [C, count·P] · gcolsᵀ
                        ReadOnlySpan<float> xChunk = x._data.AsSpan(first * inLength, count * inLength);
                        ReadOnlySpan<float> xtChunk = xChunk;
                        if (count > 1)
                        {
                            ConvBatch.Gather(xChunk, count, c, p, xt);
                            xtChunk = xt;
                        }
                        Gemm.Multiply(false, true, c, k, ld, 1f, xtChunk, ld, cols, ld, 1f, gw, k);
                    }
                    if (gx is not null)
                    {
                        // dxt [C, count·P] = W [C, K] · gcols, added back to [count, C, P] (written, if dx's buffer is new)
                        Span<float> gxChunk = gx.AsSpan(first * inLength, count * inLength);
                        if (count == 1)
                        {
                            Gemm.Multiply(false, false, c, p, k, 1f, w._data, k, cols, ld, overwrite ? 0f : 1f, gxChunk, p);
                        }
                        else
                        {
                            Gemm.Multiply(false, false, c, ld, k, 1f, w._data, k, cols, ld, 0f, xt, ld);
                            ConvBatch.Scatter(xt, count, c, p, gxChunk, accumulate: !overwrite);
                        }
                    }
                }
            }
            finally
            {
                ConvBatch.Return(xt);
                ConvBatch.Return(cols);
            }
        }
    }

    /// <summary>
    /// The backward pass with im2col(g) read from the phase planes of g instead of unfolded, the whole batch at once:
    /// dW [C, K] += xt [C, N·P] · im2col(g)ᵀ and dxt [C, N·P] = W [C, K] · im2col(g), each one GEMM.
    /// </summary>
    private static void BackwardFromPlanes(in Im2ColGeometry g, float[] gy, float[] x, float[] w, int n, int c, float[]? gw, float[]? gx, bool overwrite)
    {
        int k = g.Rows, p = g.Positions, ld = n * p, inLength = c * p;
        var planes = new PhasePlanes(g, gy, n);
        if (ThinConv.Applies(g))
        {
            // One output channel: dW [C, K] += x · colsᵀ and dx = W · cols with x and dx in NCHW, nothing gathered or scattered.
            try
            {
                if (gw is not null) planes.ThinGradient(c, x.AsSpan(0, n * inLength), default, gw, default);
                if (gx is not null) planes.ThinProduct(c, w, default, relu: false, accumulate: !overwrite, gx.AsSpan(0, n * inLength));
            }
            finally
            {
                planes.Return();
            }
            return;
        }
        float[] xt = ConvBatch.Rent((long)c * ld);   // the input gathered channel-major, then dx before it goes back to NCHW
        try
        {
            if (gw is not null)
            {
                ReadOnlySpan<float> xtAll = x.AsSpan(0, n * inLength);
                if (n > 1)
                {
                    ConvBatch.Gather(xtAll, n, c, p, xt);
                    xtAll = xt.AsSpan(0, c * ld);
                }
                planes.Multiply(false, c, k, ld, 1f, xtAll, ld, true, 1f, gw, k);
            }
            if (gx is not null)
            {
                if (n == 1)
                {
                    planes.Multiply(false, c, p, k, 1f, w, k, false, overwrite ? 0f : 1f, gx.AsSpan(0, inLength), p);
                }
                else
                {
                    planes.Multiply(false, c, ld, k, 1f, w, k, false, 0f, xt, ld);
                    ConvBatch.Scatter(xt, n, c, p, gx.AsSpan(0, n * inLength), accumulate: !overwrite);
                }
            }
        }
        finally
        {
            ConvBatch.Return(xt);
            planes.Return();
        }
    }
}
