using LatentSharp.Bench;

// Usage: dotnet run -c Release --project bench/LatentSharp.Bench -- <benchmark> [options]
var benchmarks = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["gemm"] = GemmBenchmark.Run,
    ["vae-epoch"] = VaeEpochBenchmark.Run,
    ["serve-latency"] = ServeLatencyBenchmark.Run,
    ["autoregressive-speed"] = AutoregressiveSpeedBenchmark.Run,
    ["data-parallel"] = DataParallelBenchmark.Run,
    ["conv-profile"] = ConvProfileBenchmark.Run,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: LatentSharp.Bench <{string.Join('|', benchmarks.Keys)}> [options]");
    return 2;
}
return run(args[1..]);
