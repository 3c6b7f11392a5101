using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using LatentSharp.Cli.Serving;
using LatentSharp.Data;
using LatentSharp.Kernels;
using LatentSharp.Models;
using LatentSharp.Tensors;
using Microsoft.AspNetCore.Builder;

namespace LatentSharp.Bench;

/// <summary>
/// Latency of <c>latent serve</c>'s POST /api/decode on loopback: the explorer server in this process on an ephemeral
/// 127.0.0.1 port, and C concurrent HTTP clients (also in this process) sending a fixed number of random codes between
/// them, each waiting for its PNG before sending the next. Prints p50/p90/p99/max, throughput and the mean decode batch
/// for each client count, as Markdown rows; stops by itself.
/// Usage: serve-latency [--clients 1,4,16] [--requests 3000] [--latent 20] [--hidden 400] [--threads 2]
/// </summary>
public static class ServeLatencyBenchmark
{
    public static int Run(string[] args)
    {
        int[] clientCounts = Arg(args, "--clients", "1,4,16").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        int requests = int.Parse(Arg(args, "--requests", "3000"), CultureInfo.InvariantCulture);
        int latent = int.Parse(Arg(args, "--latent", "20"), CultureInfo.InvariantCulture);
        int hidden = int.Parse(Arg(args, "--hidden", "400"), CultureInfo.InvariantCulture);
        Threading.MaxThreads = int.Parse(Arg(args, "--threads", "2"), CultureInfo.InvariantCulture);

        // Decoding cost does not depend on the weights: an untrained 784-400-20 VAE (the default recipe) will do.
        var spec = new ModelSpec { LatentSize = latent, Hidden = [hidden] };
        using Explorer explorer = Explorer.Create(ModelCatalog.Build(spec, new Rng(1)), new DatasetResolver().Load("sample").Test);
        WebApplication app = ExplorerServer.Build(explorer, "127.0.0.1", port: 0);
        app.StartAsync().GetAwaiter().GetResult();
        try
        {
            string address = ExplorerServer.Address(app);
            Console.WriteLine($"# {spec}; server {address}; engine threads {Threading.MaxThreads}; {Environment.ProcessorCount} cores; load average {LoadAverage()}");
            Console.WriteLine("| clients | requests | p50 ms | p90 ms | p99 ms | max ms | requests/s | mean decode batch |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
            var rng = new Rng(7);
            float[][] codes = Enumerable.Range(0, 256).Select(_ => { var z = new float[latent]; rng.FillGaussian(z); return z; }).ToArray();
            foreach (int clients in clientCounts)
                Console.WriteLine(Measure(address, explorer, codes, clients, requests).GetAwaiter().GetResult());
        }
        finally
        {
            app.StopAsync().GetAwaiter().GetResult();
            ((IDisposable)app).Dispose();
        }
        return 0;
    }

    private static async Task<string> Measure(string address, Explorer explorer, float[][] codes, int clients, int requests)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(address) };
        for (int i = 0; i < 100; i++) await Decode(http, codes[i % codes.Length]);   // warm-up: JIT, connections, buffers

        var latencies = new double[requests];
        int next = -1;
        (long batches0, long decoded0) = explorer.DecodeStatistics;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                long start = Stopwatch.GetTimestamp();
                await Decode(http, codes[i % codes.Length]);
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        wall.Stop();
        (long batches, long decoded) = explorer.DecodeStatistics;
        Array.Sort(latencies);
        double P(double q) => latencies[Math.Min(requests - 1, (int)Math.Ceiling(q * requests) - 1)];
        return string.Create(CultureInfo.InvariantCulture,
            $"| {clients} | {requests} | {P(0.50):F2} | {P(0.90):F2} | {P(0.99):F2} | {latencies[^1]:F2} | {requests / wall.Elapsed.TotalSeconds:F0} | {(double)(decoded - decoded0) / (batches - batches0):F2} |");
    }

    private static async Task Decode(HttpClient http, float[] z)
    {
        using HttpResponseMessage response = await http.PostAsJsonAsync("/api/decode", new { z });
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
