using System.Diagnostics;
using System.Runtime.Intrinsics;
using LatentSharp.Kernels;

namespace LatentSharp.Bench;

/// <summary>
/// GFLOP/s of <see cref="Gemm.Multiply"/> next to OpenBLAS's cblas_sgemm, same operands, same run.
/// FLOPs = 2·M·K·N. Each round times back-to-back calls of LatentSharp then OpenBLAS for about
/// <see cref="RoundSeconds"/> each and keeps each one's median call (a shared 2-core machine preempts a few calls
/// by milliseconds, which would swamp a mean of sub-millisecond calls); the table shows the median GFLOP/s over
/// the rounds and the median of the per-round ratios.
/// Options: --rounds N (default 9), --quick (3 rounds, shorter).
/// </summary>
internal static unsafe class GemmBenchmark
{
    private static double RoundSeconds = 0.05;
    private const int PeerIdleMilliseconds = 300;

    // (M, K, N) and the transposes a training step of the 784-400-20 VAE uses, then the conv VAE's linear layers.
    private static readonly (string Name, int M, int K, int N, bool TransposeA, bool TransposeB)[] Shapes =
    [
        ("forward X·Wᵀ", 128, 784, 400, false, true),
        ("backward dX = dY·W", 128, 400, 784, false, false),
        ("backward dW = dYᵀ·X", 784, 128, 400, true, false),
        ("square", 1024, 1024, 1024, false, false),
        // The conv VAE's linear layers: the encoder's 3136 → 40 (μ and log σ²) and the decoder's 20 → 3136.
        ("conv VAE encoder X·Wᵀ", 128, 3136, 40, false, true),
        ("conv VAE encoder dX = dY·W", 128, 40, 3136, false, false),
        ("conv VAE encoder dW = dYᵀ·X", 40, 128, 3136, true, false),
        ("conv VAE decoder X·Wᵀ", 128, 20, 3136, false, true),
        ("conv VAE decoder dX = dY·W", 128, 3136, 20, false, false),
        ("conv VAE decoder dW = dYᵀ·X", 3136, 128, 20, true, false),
    ];

    public static int Run(string[] args)
    {
        int rounds = 9;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--rounds" && i + 1 < args.Length) rounds = int.Parse(args[++i]);
            else if (args[i] == "--quick") { rounds = 3; RoundSeconds = 0.02; }
            else { Console.Error.WriteLine($"gemm: unknown option '{args[i]}'"); return 2; }
        }

        Console.WriteLine($"GEMM benchmark: {Environment.ProcessorCount} cores, Vector512 accelerated: {Vector512.IsHardwareAccelerated}, Vector256: {Vector256.IsHardwareAccelerated}");
        string peerLine;
        try
        {
            peerLine = $"OpenBLAS: {OpenBlas.Config}; core {OpenBlas.CoreName}; OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(unset)"}";
        }
        catch (DllNotFoundException)
        {
            Console.Error.WriteLine("gemm: the peer, OpenBLAS (libopenblas.so.0), is not installed: run bench/gemm.sh, which installs it, or apt-get install libopenblas0-pthread.");
            return 3;
        }
        Console.WriteLine(peerLine);
        Console.WriteLine($"median of {rounds} rounds, ratio = median over rounds of LatentSharp/OpenBLAS");
        Console.WriteLine();
        Console.WriteLine("| shape (M,K,N) | op | threads | path | LatentSharp GFLOP/s | OpenBLAS GFLOP/s | ratio |");
        Console.WriteLine("|---|---|---:|---|---:|---:|---:|");

        var paths = new List<GemmPath>();
        if (Vector512.IsHardwareAccelerated) paths.Add(GemmPath.Vector512);
        paths.Add(GemmPath.Vector256);

        // Warm-up pass over every row: the JIT's background tier-up would otherwise take a core from the
        // first rows measured, which on two cores halves the 2-thread figures.
        foreach (int threads in new[] { 2, 1 })
            foreach (var shape in Shapes)
                foreach (GemmPath path in paths)
                    Measure(shape.M, shape.K, shape.N, shape.TransposeA, shape.TransposeB, threads, path, rounds: 1);
        Thread.Sleep(1000);

        foreach (int threads in new[] { 2, 1 })
        {
            foreach (var shape in Shapes)
            {
                foreach (GemmPath path in paths)
                {
                    var (ours, peer, ratio) = Measure(shape.M, shape.K, shape.N, shape.TransposeA, shape.TransposeB, threads, path, rounds);
                    string op = (shape.TransposeA ? "T" : "N") + (shape.TransposeB ? "T" : "N");
                    Console.WriteLine($"| ({shape.M},{shape.K},{shape.N}) {shape.Name} | {op} | {threads} | {path} | {ours:F1} | {peer:F1} | {ratio:F2} |");
                }
                if (!Vector512.IsHardwareAccelerated)
                    Console.WriteLine($"| ({shape.M},{shape.K},{shape.N}) {shape.Name} | | {threads} | Vector512 | n/a (not accelerated on this CPU) | | |");
            }
        }
        Gemm.ForcedPath = GemmPath.Auto;
        return 0;
    }

    private static (double Ours, double Peer, double Ratio) Measure(int m, int k, int n, bool transposeA, bool transposeB, int threads, GemmPath path, int rounds)
    {
        var rng = new LatentSharp.Tensors.Rng(42);
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextGaussian();
        for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextGaussian();
        int lda = transposeA ? m : k, ldb = transposeB ? k : n, ldc = n;
        double flops = 2.0 * m * k * n;

        Threading.MaxThreads = threads;
        Gemm.ForcedPath = path;
        OpenBlas.SetNumThreads(threads);

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            float* ra = pa, rb = pb, rc = pc;
            void Ours() => Gemm.Multiply(transposeA, transposeB, m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc);
            void Peer() => OpenBlas.Sgemm(transposeA, transposeB, m, n, k, 1f, ra, lda, rb, ldb, 0f, rc, ldc);

            // Warm-up: JIT tiers, thread pools, caches; also sizes the repetitions per round.
            int reps = Math.Max(1, (int)(RoundSeconds / Math.Max(1e-7, Time(Ours, 3) / 3)));
            for (int i = 0; i < 30; i++) Time(Peer, 1);

            var oursRates = new double[rounds];
            var peerRates = new double[rounds];
            var ratios = new double[rounds];
            for (int r = 0; r < rounds; r++)
            {
                // OpenBLAS's idle threads busy-wait for a while after each call (THREAD_TIMEOUT, ~2^28 cycles)
                // and would steal the second core from us: let them fall asleep first.
                if (threads > 1) Thread.Sleep(PeerIdleMilliseconds);
                oursRates[r] = flops / MedianCall(Ours, reps) / 1e9;
                peerRates[r] = flops / MedianCall(Peer, reps) / 1e9;
                ratios[r] = oursRates[r] / peerRates[r];
            }
            return (Median(oursRates), Median(peerRates), Median(ratios));
        }
    }

    private static double Time(Action action, int reps)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < reps; i++) action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    // The median duration of one call among reps back-to-back calls.
    private static double MedianCall(Action action, int reps)
    {
        var seconds = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return Median(seconds);
    }

    private static double Median(double[] values)
    {
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
