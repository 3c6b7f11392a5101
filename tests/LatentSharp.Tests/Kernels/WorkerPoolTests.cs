using LatentSharp.Kernels;
using LatentSharp.Optim;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Kernels;

// Threading.MaxThreads is process-wide: these run in the GEMM tests' serial collection.
[Collection(nameof(GemmTests))]
public unsafe class WorkerPoolTests
{
    [Theory]
    [InlineData(1, 10, 1, 64)]
    [InlineData(2, 10, 1, 64)]          // shorter than two aligned blocks: one range
    [InlineData(2, 1000, 100, 64)]
    [InlineData(2, 100_003, 16384, 64)]
    [InlineData(3, 100_003, 1000, 64)]
    [InlineData(2, 100, 32, 64)]        // 64-aligned halves would leave the first empty
    [InlineData(2, 10, 1, 1)]           // a chunk of 10 images
    [InlineData(2, 32, 1, 1)]           // a layer's 32 channels
    [InlineData(3, 7, 2, 1)]
    public void RunRanges_CoversEveryIndexOnce_InNonEmptyRangesOnAlignedBoundaries(int threads, int length, int minimumPerPart, int alignment)
    {
        var counts = new int[length];
        var starts = new int[threads];
        var lengths = new int[threads];
        int parts;
        int saved = Threading.MaxThreads;
        try
        {
            Threading.MaxThreads = threads;
            fixed (int* pCounts = counts, pStarts = starts, pLengths = lengths)
            {
                var state = new CountState { Counts = pCounts, Starts = pStarts, Lengths = pLengths };
                WorkerPool.RunRanges(length, minimumPerPart, &Count, &state, alignment);
                parts = state.Parts;
            }
        }
        finally
        {
            Threading.MaxThreads = saved;
        }
        Assert.All(counts, c => Assert.Equal(1, c));
        Assert.Equal(Math.Clamp(length / minimumPerPart, 1, Math.Min(threads, Math.Max(1, length / alignment))), parts);
        Assert.All(starts[..parts], s => Assert.Equal(0, s % alignment));
        Assert.All(lengths[..parts], l => Assert.True(l > 0, "an empty range: its thread had nothing to do"));
        if (alignment == 1 && length >= 2 * minimumPerPart) Assert.Equal(Math.Min(threads, length / minimumPerPart), parts);
    }

    private struct CountState
    {
        public int* Counts, Starts, Lengths;
        public int Parts;
    }

    private static void Count(void* state, int start, int end)
    {
        var s = (CountState*)state;
        int part = Interlocked.Increment(ref s->Parts) - 1;
        s->Starts[part] = start;
        s->Lengths[part] = end - start;
        for (int i = start; i < end; i++) s->Counts[i]++;
    }

    [Fact]
    public void Run_CalledFromInsideAPart_RunsInlineAndCoversEveryPart()
    {
        // Each of the outer parts (the caller's own part 0 among them) starts an inner call of three parts: the pool is
        // taken, so they must run inline, on the outer part's thread, rather than be posted to a worker that is busy
        // with the outer call (whose own part could then be overwritten before it started).
        int saved = Threading.MaxThreads;
        var threads = new int[2 * 3];
        try
        {
            Threading.MaxThreads = 2;
            fixed (int* pThreads = threads) WorkerPool.Run(2, &Outer, pThreads);
        }
        finally
        {
            Threading.MaxThreads = saved;
        }
        for (int outer = 0; outer < 2; outer++)
        for (int inner = 0; inner < 3; inner++)
            Assert.Equal(threads[outer * 3], threads[outer * 3 + inner]);
    }

    private struct InnerState
    {
        public int* Threads;
        public int Outer;
    }

    private static void Outer(void* threads, int part)
    {
        var inner = new InnerState { Threads = (int*)threads, Outer = part };
        WorkerPool.Run(3, &Inner, &inner);
    }

    private static void Inner(void* state, int part)
    {
        var s = (InnerState*)state;
        s->Threads[s->Outer * 3 + part] = Environment.CurrentManagedThreadId;   // every slot is written exactly once
    }

    [Fact]
    public void PointwiseConv2d_ImagesSplitOverTwoThreads_SameBitsAsOne()
    {
        // 11 images: uneven halves, and two groups (8 + 3) of the weight gradient's partial sums.
        float[] one = PointwiseConv(1), two = PointwiseConv(2);
        Assert.Equal(one, two);
    }

    private static float[] PointwiseConv(int threads)
    {
        int saved = Threading.MaxThreads;
        try
        {
            Threading.MaxThreads = threads;
            Tensor x = GradCheck.Param(47, 11, 24, 9, 10);
            Tensor w = GradCheck.Param(48, 20, 24, 1, 1);
            Tensor b = GradCheck.Param(49, 20);
            Tensor y = Tensor.Conv2d(x, w, b);
            y.Multiply(y).Sum().Backward();
            return [.. y.Data.AsSpan(0, y.Length), .. x.Grad!, .. w.Grad!, .. b.Grad!];
        }
        finally
        {
            Threading.MaxThreads = saved;
        }
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_SplitOverTwoThreads_SameBitsAsOne()
    {
        const int n = 3 * 16384 + 5;   // split in two ranges, each ending off a vector boundary
        float[] one = LossAndGradient(1, n), two = LossAndGradient(2, n);
        Assert.Equal(one, two);
    }

    private static float[] LossAndGradient(int threads, int n)
    {
        int saved = Threading.MaxThreads;
        try
        {
            Threading.MaxThreads = threads;
            Tensor logits = GradCheck.Param(45, -8f, 8f, n);
            Tensor targets = GradCheck.Param(46, 0f, 1f, n);
            Tensor loss = logits.BinaryCrossEntropyWithLogits(targets);
            loss.Sum().Backward();
            logits.BinaryCrossEntropyWithLogits(targets).Sum().Backward();   // accumulates onto the first gradient
            for (int i = 0; i < n; i += 997)
                Reference.Close(2 * (Reference.Sigmoid(logits.Data[i]) - targets.Data[i]), logits.Grad![i], 1e-6, absTol: 1e-7, what: $"gradient at {i}");
            return [.. loss.Data.AsSpan(0, n), .. logits.Grad!.AsSpan(0, n)];
        }
        finally
        {
            Threading.MaxThreads = saved;
        }
    }

    [Fact]
    public void Adam_ParameterSplitOverTwoThreads_SameBitsAsOne_AndTheRule()
    {
        const int n = 2 * 16384 + 77;
        float[] one = AdamSteps(1, n, out float[] reference), two = AdamSteps(2, n, out _);
        Assert.Equal(one, two);
        for (int i = 0; i < n; i++) Reference.Close(reference[i], one[i], 1e-5, absTol: 1e-7, what: $"parameter {i}");
    }

    /// <summary>Three Adam steps on a fixed gradient; <paramref name="reference"/> is the rule in double.</summary>
    private static float[] AdamSteps(int threads, int n, out float[] reference)
    {
        int saved = Threading.MaxThreads;
        try
        {
            Threading.MaxThreads = threads;
            Tensor p = GradCheck.Param(47, -1f, 1f, n);
            float[] gradient = GradCheck.Param(48, -1f, 1f, n).Data[..n];
            double[] start = [.. p.Data.AsSpan(0, n).ToArray().Select(v => (double)v)];
            var adam = new Adam([p], learningRate: 0.01f);
            for (int step = 0; step < 3; step++)
            {
                adam.ZeroGrad();
                (p * Tensor.FromArray(gradient, n)).Sum().Backward();
                adam.Step();
            }
            reference = new float[n];
            for (int i = 0; i < n; i++)
            {
                double m = 0, v = 0, value = start[i], g = gradient[i];
                for (int t = 1; t <= 3; t++)
                {
                    m = 0.9 * m + 0.1 * g;
                    v = 0.999 * v + 0.001 * g * g;
                    value -= 0.01 / (1 - Math.Pow(0.9, t)) * m / (Math.Sqrt(v) / Math.Sqrt(1 - Math.Pow(0.999, t)) + 1e-8);
                }
                reference[i] = (float)value;
            }
            return p.Data[..n];
        }
        finally
        {
            Threading.MaxThreads = saved;
        }
    }
}
