using System.Diagnostics;
using System.Globalization;
using LatentSharp.Data;
using LatentSharp.Kernels;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Bench;

/// <summary>
/// Process CPU time (user + system) of the conv VAE's training, made to be read on a loaded machine where wall-clock
/// times are not: "steps" trains the conv-vae of <see cref="VaeEpochBenchmark"/> (channels [32, 64], batch 128) with the
/// Trainer and reports the CPU milliseconds per step after a warm-up; "ops" times each of its four convolutions alone
/// on batch 128 of random data: the forward with no gradient, then as training runs it (ReLU fused where the model fuses
/// it, the first layer with no input gradient) and its backward (with a Sum's gradient of ones).
/// "im2col" times the stride-2 unfold and fold of those layers, one image at a time (the unfold with its vector path on and off).
/// "gemms" times the 32→64 layer's products alone (GFLOP/s, from phase planes and from unfolded columns) and its fold of a
/// whole batch, in the chunks the layers use and in one piece.
/// "channels-last" times the parts of the channels-last path (<see cref="ChannelsLastConv"/>) on the 32→64 layer; "thin"
/// those of the one-channel layers' path (<see cref="ThinConv"/>) next to the phase-plane GEMMs it replaces.
/// "shapes" times plain GEMMs at the products' shapes and larger ones (--shape M,N,K: that one only).
/// Usage: conv-profile [steps|ops|im2col|gemms|channels-last|shapes] [--steps 60] [--warmup 10] [--threads 1] [--repeats 5] [--clock cpu|wall] [--data fashion-mnist] [--layer 1..4 (ops: that layer only)] [--path auto|256|512 (the vector path)] [--no-channels-last] [--product NAME (gemms: the products whose name starts so)]
/// </summary>
public static class ConvProfileBenchmark
{
    private const int BatchSize = 128;

    /// <summary>Runs the benchmark with command-line <paramref name="args"/>; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        string mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "steps";
        Threading.MaxThreads = Int(args, "--threads", 1);
        WallClock = Arg(args, "--clock", "cpu") == "wall";
        string path = Arg(args, "--path", "auto");
        if (path is not ("auto" or "256" or "512"))
        {
            Console.Error.WriteLine($"conv-profile: --path is auto, 256 or 512, not \"{path}\".");
            return 2;
        }
        Gemm.ForcedPath = path switch { "256" => GemmPath.Vector256, "512" => GemmPath.Vector512, _ => GemmPath.Auto };
        ChannelsLastConv.Enabled = !args.Contains("--no-channels-last");
        int repeats = Int(args, "--repeats", 5);
        if (mode == "shapes") return Shapes(repeats, Arg(args, "--shape", ""));
        if (mode == "ops") return Ops(repeats, Int(args, "--layer", 0));
        if (mode == "im2col") return Im2ColKernels(repeats);
        if (mode == "gemms") return LayerProducts(repeats, Arg(args, "--product", ""));
        if (mode == "channels-last") return ChannelsLastParts(repeats);
        if (mode == "thin") return ThinParts(repeats);
        if (mode != "steps")
        {
            Console.Error.WriteLine($"conv-profile: the mode is \"steps\", \"ops\", \"im2col\", \"gemms\", \"channels-last\", \"thin\" or \"shapes\", not \"{mode}\".");
            return 2;
        }
        return Steps(Arg(args, "--data", "fashion-mnist"), Int(args, "--steps", 60), Int(args, "--warmup", 10), repeats);
    }

    private static int Steps(string data, int steps, int warmup, int repeats)
    {
        DataSplits all = new DatasetResolver().Load(data);
        int images = Math.Min(all.Train.Count / BatchSize, warmup + steps) * BatchSize;
        var train = new Dataset(all.Train.Name, images, all.Train.Rows, all.Train.Cols, all.Train.Pixels.AsSpan(0, images * all.Train.Dimensions).ToArray());
        var test = new Dataset(all.Test.Name, BatchSize, all.Test.Rows, all.Test.Cols, all.Test.Pixels.AsSpan(0, BatchSize * all.Test.Dimensions).ToArray());
        var splits = new DataSplits(train, test);
        var spec = new ModelSpec { Kind = "conv-vae", LatentSize = 20, ConvChannels = [32, 64], Activation = "relu", Likelihood = "bernoulli" };
        var timed = new List<double>();
        for (int repeat = 0; repeat < repeats; repeat++)
        {
            LatentModel model = ModelCatalog.Build(spec, new Rng(1));
            var options = new TrainingOptions
            {
                Epochs = 1, BatchSize = BatchSize, Optimizer = "adam", LearningRate = 1e-3f, Seed = 1, ValidationImages = 0,
            };
            var clock = new StepClock(warmup);
            TrainingState state = new Trainer(model, options).Fit(splits, observer: clock);
            double ms = clock.CpuMilliseconds / clock.TimedSteps;
            timed.Add(ms);
            Console.WriteLine($"repeat {repeat + 1}: {clock.TimedSteps} steps, {ms:F2} CPU ms/step, {clock.WallMilliseconds / clock.TimedSteps:F2} wall ms/step, " +
                $"{clock.AllocatedBytes / clock.TimedSteps / 1024.0:F0} KB allocated/step, GCs gen0/1/2 {clock.Collections}, " +
                $"train loss {state.History[^1].Train[TermSums.Elbo].ToString("R", CultureInfo.InvariantCulture)}");
        }
        timed.Sort();
        Console.WriteLine($"median {timed[timed.Count / 2]:F2} CPU ms/step over {repeats} repeats ({Threading.MaxThreads} thread(s), path {Gemm.Resolve()})");
        return 0;
    }

    /// <summary>Process CPU time between the end of step <c>warmup</c> and the end of the epoch's last step.</summary>
    private sealed class StepClock(int warmup) : ITrainingObserver
    {
        private TimeSpan _cpuStart;
        private long _allocatedStart;
        private (int, int, int) _collectionsStart;
        private readonly Stopwatch _wall = new();
        private int _last;

        public int TimedSteps => _last - warmup;
        public double CpuMilliseconds { get; private set; }
        public double WallMilliseconds => _wall.Elapsed.TotalMilliseconds;
        /// <summary>Managed bytes allocated over the timed steps (all threads).</summary>
        public long AllocatedBytes { get; private set; }
        /// <summary>Garbage collections of generations 0, 1 and 2 over the timed steps.</summary>
        public string Collections { get; private set; } = "";

        public void EpochStarted(int epoch, int epochs, int steps) { }

        public void StepCompleted(int epoch, int step, int steps, double loss, double examplesPerSecond)
        {
            if (step == warmup)
            {
                _cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
                _allocatedStart = GC.GetTotalAllocatedBytes(precise: true);
                _collectionsStart = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                _wall.Restart();
            }
            if (step == steps)
            {
                CpuMilliseconds = (Process.GetCurrentProcess().TotalProcessorTime - _cpuStart).TotalMilliseconds;
                AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - _allocatedStart;
                Collections = $"{GC.CollectionCount(0) - _collectionsStart.Item1}/{GC.CollectionCount(1) - _collectionsStart.Item2}/{GC.CollectionCount(2) - _collectionsStart.Item3}";
                _wall.Stop();
                _last = step;
            }
        }

        public void EpochCompleted(EpochReport report) { }
    }

    private static int Ops(int repeats, int only)
    {
        // (name, transposed, in channels, out channels, input size, fused ReLU, input gradient) of the conv VAE's
        // convolutions, all k4 s2 p1, as training runs them: the first takes the images (no input gradient), the last
        // is the likelihood's logits (no ReLU).
        (string Name, bool Transposed, int In, int Out, int Size, bool Relu, bool InputGrad)[] layers =
        [
            ("conv 1→32, 28→14", false, 1, 32, 28, true, false),
            ("conv 32→64, 14→7", false, 32, 64, 14, true, true),
            ("convT 64→32, 7→14", true, 64, 32, 7, true, true),
            ("convT 32→1, 14→28", true, 32, 1, 14, false, true),
        ];
        if (only < 0 || only > layers.Length)
        {
            Console.Error.WriteLine($"conv-profile ops: --layer is 1 to {layers.Length} (0: all), not {only}.");
            return 2;
        }
        Console.WriteLine($"{(WallClock ? "Wall-clock" : "CPU")} ms per call, batch {BatchSize}, {Threading.MaxThreads} thread(s), path {Gemm.Resolve()}, median of {repeats} x 20 calls");
        Console.WriteLine("| layer | forward, no grad | forward, training | backward |");
        Console.WriteLine("|---|---:|---:|---:|");
        var rng = new Rng(1);
        double total = 0;
        foreach (var layer in only == 0 ? layers : [layers[only - 1]])
        {
            Tensor x = Random(rng, BatchSize, layer.In, layer.Size, layer.Size);
            Tensor w = layer.Transposed ? Random(rng, layer.In, layer.Out, 4, 4) : Random(rng, layer.Out, layer.In, 4, 4);
            Tensor b = Random(rng, layer.Out);
            w.AsParameter();
            b.AsParameter();
            if (layer.InputGrad) x.AsParameter();
            Tensor Forward() => layer.Transposed
                ? Tensor.ConvTranspose2d(x, w, b, 2, 1, 0, layer.Relu)
                : Tensor.Conv2d(x, w, b, 2, 1, 0, layer.Relu);
            double inference = Median(repeats, () =>
            {
                using (Tensor.NoGrad()) Forward();
            });
            double forward = Median(repeats, () => Forward());
            double both = Median(repeats, () => Forward().Sum().Backward());
            total += both;
            Console.WriteLine($"| {layer.Name} | {inference:F2} | {forward:F2} | {both - forward:F2} |");
        }
        Console.WriteLine($"training total of the layers above (forward + backward, with one Sum): {total:F2} ms");
        return 0;
    }

    /// <summary>
    /// GFLOP/s of plain GEMMs (operands in memory, no phase planes) at the conv VAE's product shapes next to larger ones,
    /// so that a shape's own cost (M = 64 rows reuse each packed column only 64 times) can be told from the convolution's.
    /// </summary>
    private static int Shapes(int repeats, string only)
    {
        (int M, int N, int K, bool TransposeA, bool TransposeB)[] shapes =
        [
            (64, 512, 512, false, false), (64, 2048, 512, false, false), (64, 6272, 512, false, false), (128, 6272, 512, false, false),
            (512, 512, 512, false, false), (1024, 1024, 1024, false, false), (64, 512, 6272, false, true), (512, 6272, 64, true, false),
        ];
        if (only.Length > 0 && !shapes.Any(shape => only == $"{shape.M},{shape.N},{shape.K}"))
        {
            Console.Error.WriteLine($"conv-profile shapes: --shape is one of {string.Join(", ", shapes.Select(shape => $"{shape.M},{shape.N},{shape.K}"))}, not \"{only}\".");
            return 2;
        }
        Console.WriteLine($"Plain GEMMs, {Threading.MaxThreads} thread(s), path {Gemm.Resolve()}, {(WallClock ? "wall" : "CPU")} ms per call (median of {repeats} x 20)");
        Console.WriteLine("| M, N, K | op | ms | GFLOP/s |");
        Console.WriteLine("|---|---|---:|---:|");
        var rng = new Rng(1);
        foreach (var (m, n, k, ta, tb) in shapes)
        {
            if (only.Length > 0 && only != $"{m},{n},{k}") continue;
            var a = new float[m * k];
            var b = new float[k * n];
            var c = new float[m * n];
            rng.FillUniform(a, -1f, 1f);
            rng.FillUniform(b, -1f, 1f);
            double ms = Median(repeats, () => Gemm.Multiply(ta, tb, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c, n));
            Console.WriteLine($"| {m}, {n}, {k} | {(ta ? "T" : "N")}{(tb ? "T" : "N")} | {ms:F3} | {2.0 * m * n * k / ms / 1e6:F0} |");
        }
        return 0;
    }

    private static int Im2ColKernels(int repeats)
    {
        // (name, channels, input size) of the unfolded (or folded-into) maps, all k4 s2 p1
        (string Name, int Channels, int Size)[] maps = [("1×28×28 → 14×14", 1, 28), ("32×14×14 → 7×7", 32, 14)];
        Console.WriteLine($"µs per image (median of {repeats} x 200 calls over 128 images), unfold: scalar loop → vector stride-2 path");
        Console.WriteLine("| map | unfold | fold |");
        Console.WriteLine("|---|---|---|");
        foreach (var map in maps)
        {
            int o = Im2ColGeometry.OutputSize(map.Size, 4, 2, 1);
            var g = new Im2ColGeometry(map.Channels, map.Size, map.Size, 4, 4, 2, 1, o, o);
            var images = new float[BatchSize * g.ImageLength];
            new Rng(1).FillUniform(images, -1f, 1f);
            var cols = new float[g.Rows * BatchSize * g.Positions];
            new Rng(2).FillUniform(cols, -1f, 1f);
            int ld = BatchSize * g.Positions;
            double Time(bool vectorized, bool fold)
            {
                Im2Col.Stride2Vectorized = vectorized;
                var times = new List<double>();
                for (int r = 0; r < repeats * 200; r++)
                {
                    int b = r % BatchSize;
                    long start = Stopwatch.GetTimestamp();
                    if (fold) Im2Col.FoldAdd(g, cols.AsSpan(b * g.Positions), ld, images.AsSpan(b * g.ImageLength, g.ImageLength));
                    else Im2Col.Unfold(g, images.AsSpan(b * g.ImageLength, g.ImageLength), cols.AsSpan(b * g.Positions), ld);
                    times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }
                Im2Col.Stride2Vectorized = true;
                times.Sort();
                return times[times.Count / 2];
            }
            for (int warm = 0; warm < 3; warm++) { Time(false, false); Time(true, false); Time(true, true); }
            Console.WriteLine($"| {map.Name} | {Time(false, false):F2} → {Time(true, false):F2} | {Time(true, true):F2} |");
        }
        return 0;
    }

    /// <summary>
    /// The conv 32→64 layer's products at batch 128 (its transposed twin's are the same shapes): forward W [64, 512] · cols,
    /// weight gradient dY [64, 6272] · colsᵀ (M = 64 both), the input gradient's Wᵀ [512, 64] · dY, and the fold of its result.
    /// </summary>
    private static unsafe int LayerProducts(int repeats, string only)
    {
        var g = new Im2ColGeometry(32, 14, 14, 4, 4, 2, 1, 7, 7);
        int n = BatchSize, o = 64, k = g.Rows, p = g.Positions, ld = n * p;
        var rng = new Rng(1);
        var x = new float[n * g.ImageLength];
        var dy = new float[o * ld];
        var w = new float[o * k];
        rng.FillUniform(x, -1f, 1f);
        rng.FillUniform(dy, -1f, 1f);
        rng.FillUniform(w, -1f, 1f);
        var cols = new float[k * ld];
        for (int b = 0; b < n; b++) Im2Col.Unfold(g, x.AsSpan(b * g.ImageLength, g.ImageLength), cols.AsSpan(b * p), ld);
        var y = new float[o * ld];
        var gw = new float[o * k];
        var image = new float[n * g.ImageLength];
        double flops = 2.0 * o * k * ld;
        Console.WriteLine($"Conv 32→64 (14→7, 4×4 stride 2) at batch {n}: {flops / 1e6:F0} MFLOP per product (the last row: 26), {Threading.MaxThreads} thread(s), path {Gemm.Resolve()}, wall ms per call (median of {repeats} x 20, after 40 calls of each), GFLOP/s");
        WallClock = true;
        var planeBuffer = new float[ImplicitColumns.PlanesLength(g, n)];
        ImplicitColumns.Fill(g, x, n, planeBuffer);
        var rowOffsets = new int[g.Rows];
        var positionOffsets = new int[p];
        ImplicitColumns.Offsets(g, rowOffsets, positionOffsets);
        int chunk = ConvBatch.ImagesPerFold(n, (long)k * p);
        var chunkCols = new float[(long)k * chunk * p];
        fixed (float* pPlanes = planeBuffer)
        fixed (int* pRows = rowOffsets, pPositions = positionOffsets)
        {
            var implicitColumns = new ImplicitColumns(g, n, pPlanes, pRows, pPositions);
            var products = new List<(string Name, string Shape, double Flops, Action Call)>();
            if (ImplicitColumns.Supported)
            {
                products.Add(("forward, from planes", $"{o}, {ld}, {k}", flops, () => Gemm.Multiply(false, o, ld, k, 1f, w, k, implicitColumns, false, 0f, y, ld)));
                products.Add(("weight gradient, from planes", $"{o}, {k}, {ld}", flops, () => Gemm.Multiply(false, o, k, ld, 1f, dy, ld, implicitColumns, true, 0f, gw, k)));
            }
            products.Add(("forward, unfolded columns", $"{o}, {ld}, {k}", flops, () => Gemm.Multiply(false, false, o, ld, k, 1f, w, k, cols, ld, 0f, y, ld)));
            products.Add(("weight gradient, unfolded columns", $"{o}, {k}, {ld}", flops, () => Gemm.Multiply(false, true, o, k, ld, 1f, dy, ld, cols, ld, 0f, gw, k)));
            products.Add(("input gradient's columns Wᵀ · dY", $"{k}, {ld}, {o}", flops, () => Gemm.Multiply(true, false, k, ld, o, 1f, w, k, dy, ld, 0f, cols, ld)));
            // The 1→32 layer's weight gradient (and the 32→1 transposed layer's): 16 kernel rows, K the batch's 25,088 positions.
            int ld1 = n * 196;
            var dy1 = new float[32 * ld1];
            var cols1 = new float[16 * ld1];
            rng.FillUniform(dy1, -1f, 1f);
            rng.FillUniform(cols1, -1f, 1f);
            products.Add(("1→32 weight gradient, unfolded columns", $"32, 16, {ld1}", 2.0 * 32 * 16 * ld1,
                () => Gemm.Multiply(false, true, 32, 16, ld1, 1f, dy1, ld1, cols1, ld1, 0f, gw, 16)));
            products.RemoveAll(product => !product.Name.StartsWith(only, StringComparison.Ordinal));
            if (products.Count == 0)
            {
                Console.Error.WriteLine($"conv-profile gemms: no product's name starts with \"{only}\".");
                return 2;
            }
            // Tiered compilation: the packers' loops run unoptimized for their first calls.
            foreach (var product in products)
                for (int i = 0; i < 40; i++) product.Call();
            Console.WriteLine("| product | M, N, K | ms | GFLOP/s |");
            Console.WriteLine("|---|---|---:|---:|");
            foreach (var product in products)
            {
                double ms = Median(repeats, product.Call);
                Console.WriteLine($"| {product.Name} | {product.Shape} | {ms:F2} | {product.Flops / ms / 1e6:F0} |");
            }
        }

        // The fold on the calling thread, of columns made by the input gradient's GEMM just before, in the layers' chunks
        // and as one matrix: only the fold is timed.
        Console.WriteLine();
        Console.WriteLine($"Fold (col2im) of the batch's input-gradient columns on one thread: ms per batch, median of {repeats} x 20 batches");
        Console.WriteLine("| columns | row by row | tap by tap |");
        Console.WriteLine("|---|---:|---:|");
        foreach ((string name, int images) in new[] { ($"{(n + chunk - 1) / chunk} chunks of {chunk} images", chunk), ($"one matrix of all {n} images", n) })
        {
            float[] matrix = images == n ? cols : chunkCols;
            double Fold(bool byTaps)
            {
                var times = new List<double>();
                for (int r = 0; r < repeats + 1; r++)
                {
                    long folding = 0;
                    for (int batch = 0; batch < 20; batch++)
                        for (int first = 0; first < n; first += images)
                        {
                            int count = Math.Min(images, n - first), cld = count * p;
                            Gemm.Multiply(true, false, k, cld, o, 1f, w, k, dy.AsSpan(first * p), ld, 0f, matrix, cld);
                            long start = Stopwatch.GetTimestamp();
                            for (int b = 0; b < count; b++)
                            {
                                Span<float> to = image.AsSpan((first + b) * g.ImageLength, g.ImageLength);
                                if (byTaps) Im2Col.FoldAddByTaps(g, matrix.AsSpan(b * p), cld, to);
                                else Im2Col.FoldAdd(g, matrix.AsSpan(b * p), cld, to);
                            }
                            folding += Stopwatch.GetTimestamp() - start;
                        }
                    if (r > 0) times.Add(folding * 1000.0 / Stopwatch.Frequency / 20);   // the first is the warm-up
                }
                times.Sort();
                return times[times.Count / 2];
            }
            string rows = FoldPlan.For(g, images * p) is null ? "–" : $"{Fold(false):F2}";
            Console.WriteLine($"| {name} | {rows} | {Fold(true):F2} |");
        }
        return 0;
    }

    /// <summary>
    /// The channels-last path's parts for the conv 32→64 layer at batch 128 (its transposed twin runs the same ones):
    /// the layout copies, the forward, the adjoint (input gradient) and the weight gradient, wall ms and GFLOP/s (nominal:
    /// the direct products' count, also where the layer takes Winograd's form with half the multiply-adds).
    /// </summary>
    private static unsafe int ChannelsLastParts(int repeats)
    {
        var g = new Im2ColGeometry(32, 14, 14, 4, 4, 2, 1, 7, 7);
        int n = BatchSize, o = 64, c = g.Channels;
        if (!ChannelsLastConv.Applies(g, o))
        {
            Console.Error.WriteLine($"conv-profile channels-last: the channels-last path does not run here (path {Gemm.Resolve()}).");
            return 2;
        }
        (int hp, int wp) = ChannelsLastConv.Source(g);
        (int hg, int wg, int border) = ChannelsLastConv.Gradient(g);
        var rng = new Rng(1);
        float[] x = new float[n * g.ImageLength], w = new float[o * g.Rows], bias = new float[o], y = new float[n * o * g.Positions];
        float[] dy = new float[y.Length], dx = new float[x.Length], dw = new float[w.Length];
        float[] source = new float[n * hp * wp * c + ChannelsLastConv.Slack], gradient = new float[n * hg * wg * o + ChannelsLastConv.Slack];
        foreach (float[] a in new[] { x, w, bias, dy }) rng.FillUniform(a, -1f, 1f);
        double flops = 2.0 * o * g.Rows * n * g.Positions;
        WallClock = true;
        fixed (float* px = x, pw = w, pb = bias, py = y, pdy = dy, pdx = dx, pdw = dw, ps = source, pg = gradient)
        {
            float* cx = px, cw = pw, cb = pb, cy = py, cdy = pdy, cdx = pdx, cdw = pdw, cs = ChannelsLastConv.Aligned(ps), cg = ChannelsLastConv.Aligned(pg);
            var parts = new (string Name, double Flops, Action Call)[]
            {
                ("input to rows", 0, () => ChannelsLastConv.ToRows(cx, n, c, g.Height, g.Width, g.Padding, hp, wp, cs)),
                ("output gradient to rows, masked", 0, () => ChannelsLastConv.ToRows(cdy, n, o, g.OutHeight, g.OutWidth, border, hg, wg, cg, cy)),
                ("forward (products and back to planes)", flops, () => ChannelsLastConv.Forward(g, o, n, cs, cw, cb, true, false, cy)),
                ("adjoint (products and back to planes)", flops, () => ChannelsLastConv.Adjoint(g, o, n, cg, cw, null, false, false, cdx)),
                ("weight gradient", flops, () => ChannelsLastConv.WeightGradient(g, o, n, cs, cg, cdw)),
                ("forward, direct products", flops, () => Direct(() => ChannelsLastConv.Forward(g, o, n, cs, cw, cb, true, false, cy))),
                ("adjoint, direct products", flops, () => Direct(() => ChannelsLastConv.Adjoint(g, o, n, cg, cw, null, false, false, cdx))),
                ("weight gradient, direct products", flops, () => Direct(() => ChannelsLastConv.WeightGradient(g, o, n, cs, cg, cdw))),
            };
            Console.WriteLine($"(the first three in Winograd's form: {ChannelsLastConv.TakesWinograd(g)}; GFLOP/s nominal, of the direct products)");
            PrintParts($"Conv 32→64 (14→7, 4×4 stride 2) on the channels-last path at batch {n}", parts, repeats);
        }
        return 0;
    }

    /// <summary>Runs <paramref name="call"/> with the Winograd form off.</summary>
    private static void Direct(Action call)
    {
        ChannelsLastConv.WinogradEnabled = false;
        try
        {
            call();
        }
        finally
        {
            ChannelsLastConv.WinogradEnabled = true;
        }
    }

    /// <summary>Each part called 40 times first, then a table of its wall ms per call (median of <paramref name="repeats"/> x 20) and GFLOP/s.</summary>
    private static void PrintParts(string title, (string Name, double Flops, Action Call)[] parts, int repeats)
    {
        foreach (var part in parts)
            for (int i = 0; i < 40; i++) part.Call();
        Console.WriteLine($"{title}, {Threading.MaxThreads} thread(s): wall ms per call (median of {repeats} x 20), GFLOP/s");
        Console.WriteLine("| part | ms | GFLOP/s |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var part in parts)
        {
            double ms = Median(repeats, part.Call);
            Console.WriteLine($"| {part.Name} | {ms:F3} | {(part.Flops > 0 ? (part.Flops / ms / 1e6).ToString("F0", CultureInfo.InvariantCulture) : "")} |");
        }
    }

    /// <summary>
    /// The conv 1→32 layer's products at batch 128 (the convT 32→1 layer's backward runs the same two, without the bias and
    /// the ReLU): on the thin path (<see cref="ThinConv"/>) and as the phase-plane GEMMs with their copies to and from the
    /// channel-major layout, wall ms and GFLOP/s.
    /// </summary>
    private static int ThinParts(int repeats)
    {
        var g = new Im2ColGeometry(1, 28, 28, 4, 4, 2, 1, 14, 14);
        int n = BatchSize, o = 32, k = g.Rows, p = g.Positions, ld = n * p;
        if (!ThinConv.Applies(g))
        {
            Console.Error.WriteLine($"conv-profile thin: the thin path does not run here (path {Gemm.Resolve()}).");
            return 2;
        }
        var rng = new Rng(1);
        float[] x = new float[n * g.ImageLength], w = new float[o * k], bias = new float[o], y = new float[n * o * p];
        float[] dy = new float[y.Length], dw = new float[w.Length], db = new float[o], channelMajor = new float[y.Length];
        foreach (float[] a in new[] { x, w, bias, dy }) rng.FillUniform(a, -1f, 1f);
        var planes = new PhasePlanes(g, x, n);
        double flops = 2.0 * o * k * ld;
        WallClock = true;
        var parts = new (string Name, double Flops, Action Call)[]
        {
            ("phase planes of the images", 0, () => new PhasePlanes(g, x, n).Return()),
            ("thin: forward (+ bias, ReLU)", flops, () => planes.ThinProduct(o, w, bias, relu: true, accumulate: false, y)),
            ("thin: weight and bias gradient (ReLU mask)", flops, () => planes.ThinGradient(o, dy, y, dw, db)),
            ("GEMM: forward, then scatter (+ bias, ReLU)", flops, () =>
            {
                planes.Multiply(false, o, ld, k, 1f, w, k, false, 0f, channelMajor, ld);
                ConvBatch.Scatter(channelMajor, n, o, p, y, false, bias, relu: true);
            }),
            ("GEMM: gather (ReLU mask), bias sums, weight gradient", flops, () =>
            {
                ConvBatch.Gather(dy, n, o, p, channelMajor, y);
                ConvBatch.AccumulateBiasGrad(channelMajor, n, p, db, channelMajor: true);
                planes.Multiply(false, o, k, ld, 1f, channelMajor, ld, true, 1f, dw, k);
            }),
        };
        PrintParts($"Conv 1→32 (28→14, 4×4 stride 2) at batch {n}", parts, repeats);
        planes.Return();
        return 0;
    }

    private static Tensor Random(Rng rng, params int[] shape)
    {
        Tensor t = Tensor.Zeros(shape);
        for (int i = 0; i < t.Length; i++) t.Data[i] = rng.NextFloat() - 0.5f;
        return t;
    }

    // --clock wall: the ops table in wall-clock ms (on several threads CPU time counts the workers' waiting too).
    private static bool WallClock;

    /// <summary>Median over <paramref name="repeats"/> of the milliseconds per call of 20 calls (after 3 warm-up calls): process CPU time, or wall-clock time with --clock wall.</summary>
    private static double Median(int repeats, Action call)
    {
        var arena = new Arena();
        void Scoped()
        {
            using (arena.Scope()) call();
        }
        // Calls for a second first: the JIT recompiles hot methods at tier 1 only after some 30 calls and a delay, and
        // code timed before that (as a table's first rows were) runs several times slower.
        long warmStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < 3 || Stopwatch.GetElapsedTime(warmStart).TotalSeconds < 1; i++) Scoped();
        var times = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            TimeSpan start = Process.GetCurrentProcess().TotalProcessorTime;
            long wallStart = Stopwatch.GetTimestamp();
            for (int i = 0; i < 20; i++) Scoped();
            times.Add(WallClock
                ? Stopwatch.GetElapsedTime(wallStart).TotalMilliseconds / 20
                : (Process.GetCurrentProcess().TotalProcessorTime - start).TotalMilliseconds / 20);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static int Int(string[] args, string name, int fallback) => int.Parse(Arg(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
