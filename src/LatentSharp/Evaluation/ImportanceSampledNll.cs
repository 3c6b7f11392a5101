using LatentSharp.Distributed;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// The importance-sampled (IWAE) negative log-likelihood −log (1/K) Σ_k p(x, z_k) / q(z_k | x), z_k ~ q(z | x).
/// Shapes: <c>N</c> images, <c>D</c> values per image, <c>B</c> images per call, <c>K</c> samples per image.
/// </summary>
/// <remarks>
/// The K weights of an image arrive in chunks of at most <see cref="ChunkSize"/> samples, so memory is [B, chunk]
/// however large K is. The log-mean-exp runs in double across chunks with a running maximum and a rescaled sum,
/// so weights of −10⁴ nats (common for 784 pixels) neither underflow nor lose the log-sum-exp shift.
/// The estimate is a stochastic upper bound on the true NLL that tightens (in expectation) as K grows, and it is never
/// above −ELBO in expectation.
/// </remarks>
public sealed class ImportanceSampledNll
{
    /// <summary>K used by the tables.</summary>
    public const int DefaultSamples = 5000;

    /// <summary>
    /// Defaults keep a neural model's working set small: 50 images × 100 samples = 5000 decoder rows per call.
    /// </summary>
    public ImportanceSampledNll(int samples = DefaultSamples, int chunkSize = 100, int batchSize = 50)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Samples = samples;
        ChunkSize = chunkSize;
        BatchSize = batchSize;
    }

    /// <summary>K, importance samples per image.</summary>
    public int Samples { get; }

    /// <summary>The most samples asked of the source in one call.</summary>
    public int ChunkSize { get; }

    /// <summary>B, the most images passed to the source in one call.</summary>
    public int BatchSize { get; }

    /// <summary>
    /// The NLL of a discrete likelihood (e.g. Bernoulli on binarized images) on <paramref name="x"/> [n, d] as given.
    /// </summary>
    public NllEstimate Evaluate(LogWeightsSource source, float[] x, int n, int d, Rng rng)
    {
        double[] logMarginals = LogMarginals(source, x, n, d, rng);
        return Summarize(NllConvention.Discrete, logMarginals, d);
    }

    /// <summary>
    /// The NLL of a continuous density on uniformly dequantized 8-bit data, as a bound on the discrete 8-bit NLL.
    /// </summary>
    /// <remarks>
    /// <para><paramref name="x"/> holds 8-bit images scaled to [0, 1] as k / 255 (k ∈ {0..255}); each value is
    /// dequantized once to y = (k + u) / 256, u ~ U(0, 1) (<see cref="Dequantize"/>), so y lies in the bin
    /// [k/256, (k+1)/256) of width 1/256, and the source's density is evaluated on y.</para>
    /// <para>For a density p on [0, 1]^D, the discrete model P(k) = ∫_bin(k) p(y) dy = 256^−D E_u[p(y)] satisfies, by
    /// Jensen, −log P(k) ≤ E_u[−log p(y)] + D ln 256. Each image uses one draw of u (an unbiased estimate of that
    /// expectation), and −log p(y) is itself the importance-sampled estimate. So</para>
    /// <para>NatsPerImage = mean_i [−log p̂(y_i)] + D ln 256, BitsPerDim = NatsPerImage / (D ln 2)
    /// = mean_i[−log p̂(y_i)] / (D ln 2) + 8.</para>
    /// <para>The density was usually fitted on k / 255 rather than (k + u) / 256; the 255/256 scale difference is part of
    /// the model's cost here, as it is in the usual convention.</para>
    /// </remarks>
    public NllEstimate EvaluateDequantized(LogWeightsSource source, float[] x, int n, int d, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        float[] y = Dequantize(x, n, d, rng);
        double[] logMarginals = LogMarginals(source, y, n, d, rng);
        return Summarize(NllConvention.Dequantized8Bit, logMarginals, d);
    }

    /// <summary>
    /// y = (k + u) / 256 with k = round(255 x) and u ~ U(0, 1) per value: [n, d], every value in [k/256, (k+1)/256).
    /// </summary>
    public static float[] Dequantize(float[] x, int n, int d, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        CheckRows(x, n, d);
        var y = new float[n * d];
        for (int i = 0; i < y.Length; i++)
        {
            double k = Math.Round(Math.Clamp(x[i], 0f, 1f) * 255.0);
            // u is in [0, 1), but rounding to float can land exactly on the bin's upper edge (k + 1)/256, which is
            // exactly representable; step back one ulp so every value stays inside its own bin.
            float value = (float)((k + rng.NextDouble()) / 256.0);
            float upper = (float)((k + 1) / 256.0);
            y[i] = value < upper ? value : MathF.BitDecrement(upper);
        }
        return y;
    }

    /// <summary>
    /// The importance-sampled log p̂(x_i) = log (1/K) Σ_k exp(log w_ik) of every row of <paramref name="x"/> [n, d]: [n].
    /// </summary>
    /// <remarks>
    /// With <paramref name="progress"/>, the pass is entry <paramref name="key"/> of that file: it starts after the batches
    /// an earlier run of the same pass finished (same <paramref name="source"/>, told apart by <paramref name="sourceIdentity"/>,
    /// e.g. a hash of the model's weights; same images, K, chunk and batch sizes and stream), and records its own.
    /// </remarks>
    public double[] LogMarginals(LogWeightsSource source, float[] x, int n, int d, Rng rng,
        NllProgress? progress = null, string key = "nll", string sourceIdentity = "")
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(rng);
        CheckRows(x, n, d);
        int batch = Math.Min(BatchSize, Math.Max(n, 1));
        int chunk = Math.Min(ChunkSize, Samples);
        var scratch = new BatchScratch(batch, chunk, d);
        var result = new double[n];
        string fingerprint = "";
        int resumed = 0;
        if (progress is not null)
        {
            fingerprint = $"{sourceIdentity}|images {NllProgress.Hash([x.AsMemory(0, n * d)])} {n}x{d}|K {Samples}, chunk {chunk}, batch {batch}"
                + $"|stream {string.Join(' ', rng.GetState())}";
            resumed = progress.Resume(key, fingerprint, result, rng);
        }

        for (int start = resumed; start < n; start += batch)
        {
            int b = Math.Min(batch, n - start);
            BatchLogMarginals(source, x, start, b, d, rng, scratch, result);
            progress?.Record(key, fingerprint, start + b, result, rng);
        }
        return result;
    }

    /// <summary>
    /// <see cref="LogMarginals"/> shared by the ranks of a job: the images are cut into the batches one process would use,
    /// the ranks take turns at them (batch j on rank j mod N), and each image draws its samples from its own stream, seeded by
    /// one draw of <paramref name="rng"/> and the image's index (<see cref="Rng.ForRows"/>). Every image is thus scored as
    /// in a one-rank job, bit for bit, and every rank returns all n values.
    /// </summary>
    public double[] SharedLogMarginals(LogWeightsSource source, float[] x, int n, int d, Rng rng, ICommunicator ranks)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(ranks);
        CheckRows(x, n, d);
        int batch = Math.Min(BatchSize, Math.Max(n, 1));
        var scratch = new BatchScratch(batch, Math.Min(ChunkSize, Samples), d);
        var result = new double[n];   // zeros where other ranks fill in: the sum over ranks gathers them
        ulong seed = rng.NextUInt64();
        for (long start = (long)ranks.Rank * batch; start < n; start += (long)ranks.Size * batch)
        {
            int b = (int)Math.Min(batch, n - start);
            BatchLogMarginals(source, x, (int)start, b, d, Rng.ForRows(seed, start, b), scratch, result);
        }
        ranks.AllReduceSum(result);
        return result;
    }

    /// <summary>The buffers one batch of images reuses: its pixels, a chunk of log-weights and the running log-sum-exp.</summary>
    private sealed class BatchScratch(int batch, int chunk, int d)
    {
        public float[] Rows { get; } = new float[batch * d];
        public double[] Weights { get; } = new double[batch * chunk];
        public double[] RunningMax { get; } = new double[batch];
        public double[] RunningSum { get; } = new double[batch];
    }

    /// <summary>log p̂ of the <paramref name="b"/> images from <paramref name="start"/>, into result[start..start + b].</summary>
    private void BatchLogMarginals(LogWeightsSource source, float[] x, int start, int b, int d, Rng rng,
        BatchScratch scratch, double[] result)
    {
        int chunk = Math.Min(ChunkSize, Samples);
        var (rows, weights, runningMax, runningSum) = (scratch.Rows, scratch.Weights, scratch.RunningMax, scratch.RunningSum);
        x.AsSpan(start * d, b * d).CopyTo(rows);
        Array.Fill(runningMax, double.NegativeInfinity);
        Array.Clear(runningSum);
        for (int done = 0; done < Samples; done += chunk)
        {
            int k = Math.Min(chunk, Samples - done);
            source(rows, b, k, rng, weights);
            for (int i = 0; i < b; i++)
                Accumulate(weights.AsSpan(i * k, k), ref runningMax[i], ref runningSum[i]);
        }
        for (int i = 0; i < b; i++)
            result[start + i] = runningMax[i] + Math.Log(runningSum[i]) - Math.Log(Samples);
    }

    /// <summary>
    /// Adds a chunk to the running (max, Σ exp(v − max)): when the maximum grows, the old sum is rescaled by
    /// exp(oldMax − newMax) so the sum always stays in [1, K].
    /// </summary>
    private static void Accumulate(ReadOnlySpan<double> chunk, ref double max, ref double sum)
    {
        double chunkMax = double.NegativeInfinity;
        foreach (double v in chunk)
        {
            if (double.IsNaN(v)) throw new InvalidOperationException("A log importance weight is NaN: the model produced an invalid density.");
            if (v > chunkMax) chunkMax = v;
        }
        if (double.IsNegativeInfinity(chunkMax)) return; // every weight is zero: nothing to add
        if (double.IsPositiveInfinity(chunkMax))
        {
            (max, sum) = (double.PositiveInfinity, 1);
            return;
        }
        if (chunkMax > max)
        {
            sum = double.IsNegativeInfinity(max) ? 0 : sum * Math.Exp(max - chunkMax);
            max = chunkMax;
        }
        foreach (double v in chunk) sum += Math.Exp(v - max);
    }

    /// <summary>
    /// The estimate from the log p̂ of every image (<see cref="LogMarginals"/>, e.g. gathered from several calls): for
    /// <see cref="NllConvention.Dequantized8Bit"/> they must be of images dequantized by <see cref="Dequantize"/>, and
    /// D ln 256 is added as in <see cref="EvaluateDequantized"/>.
    /// </summary>
    public NllEstimate Summarize(NllConvention convention, double[] logMarginals, int d)
    {
        ArgumentNullException.ThrowIfNull(logMarginals);
        double offsetNats = convention == NllConvention.Dequantized8Bit ? d * Math.Log(256) : 0;
        int n = logMarginals.Length;
        var perImage = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++)
        {
            perImage[i] = -logMarginals[i] + offsetNats;
            mean += perImage[i];
        }
        mean = n > 0 ? mean / n : double.NaN;
        double variance = 0;
        foreach (double v in perImage) variance += (v - mean) * (v - mean);
        double standardError = n > 1 ? Math.Sqrt(variance / (n - 1) / n) : double.NaN;
        return new NllEstimate(convention, n, d, Samples, mean, standardError, perImage);
    }

    private static void CheckRows(float[] x, int n, int d)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        if (x.Length < (long)n * d) throw new ArgumentException($"{n} rows of {d} need {(long)n * d} values, got {x.Length}.", nameof(x));
    }
}
