using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LatentSharp.Data;
using LatentSharp.Distributed;
using LatentSharp.Kernels;
using LatentSharp.Models;
using LatentSharp.Optim;
using LatentSharp.Tensors;

namespace LatentSharp.Bench;

/// <summary>
/// The two inputs of the data-parallel scaling model (docs/cluster.md), one JSON line per measurement:
/// <c>step</c>: milliseconds of one training step (forward, backward, Adam) of the MLP VAE (784-300-300-40), the conv VAE
/// (channels 32-64) and the conv-hvae (catalog defaults) at per-rank batches 128, 64, … 2, in this process (median and
/// fastest step: on a shared machine the fastest is the closest to the cost on a quiet core);
/// <c>allreduce</c> (under mpirun): microseconds of one all-reduce of 1 KB … 64 MB of floats, through <see cref="ICommunicator"/>.
/// </summary>
public static class DataParallelBenchmark
{
    public static int Run(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "step";
        Threading.MaxThreads = int.Parse(Arg(args, "--threads", "1"), CultureInfo.InvariantCulture);
        return mode switch
        {
            "step" => Steps(int.Parse(Arg(args, "--steps", "5"), CultureInfo.InvariantCulture)),
            "allreduce" => AllReduce(int.Parse(Arg(args, "--repeats", "20"), CultureInfo.InvariantCulture)),
            _ => Usage(),
        };
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: data-parallel step [--threads T] [--steps S] | mpirun -np N … data-parallel allreduce [--repeats R]");
        return 2;
    }

    private static int Steps(int steps)
    {
        Dataset train = new DatasetResolver().Load(DatasetResolver.Sample).Train;
        (string Name, ModelSpec Spec)[] models =
        [
            ("vae 784-300-300-40", ModelCatalog.Configure("vae", []) with { Hidden = [300, 300], LatentSize = 40 }),
            ("conv-vae 32-64", ModelCatalog.Configure("conv-vae", []) with { ConvChannels = [32, 64] }),
            ("conv-hvae (defaults)", ModelCatalog.Configure("conv-hvae", [])),
        ];
        foreach (var (name, configured) in models)
        {
            ModelSpec spec = ModelCatalog.ForData(configured, train.Channels, train.Rows, train.Cols, train.ClassCount);
            LatentModel model = ModelCatalog.Build(spec, new Rng(1));
            Tensor[] parameters = [.. model.Parameters()];
            var adam = new Adam(parameters);
            var arena = new Arena();
            var noise = new Rng(2);
            for (int batch = 128; batch >= 2; batch /= 2)
            {
                float[] pixels = train.Pixels.AsSpan(0, batch * train.Dimensions).ToArray();
                var times = new List<double>();
                for (int s = 0; s <= steps; s++)   // step 0 warms up
                {
                    var clock = Stopwatch.StartNew();
                    using (arena.Scope())
                    {
                        ModelTerms terms = model.Terms(Tensor.FromArray(pixels, batch, train.Dimensions), noise);
                        Tensor loss = new Objective().Loss(terms);
                        adam.ZeroGrad();
                        loss.Backward();
                        adam.Step();
                    }
                    if (s > 0) times.Add(clock.Elapsed.TotalMilliseconds);
                }
                times.Sort();
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    model = name, parameters = model.ParameterCount, batch, threads = Threading.MaxThreads, ms_median = times[times.Count / 2], ms_min = times[0],
                }));
            }
        }
        return 0;
    }

    private static int AllReduce(int repeats)
    {
        using ICommunicator ranks = Communicator.FromEnvironment() ?? LocalGroup.Create(1).Ranks[0];
        for (int bytes = 1 << 10; bytes <= 64 << 20; bytes *= 4)
        {
            var values = new float[bytes / sizeof(float)];
            var times = new double[repeats];
            ranks.AllReduceSum(values);   // warm-up: connections and buffers
            for (int r = 0; r < repeats; r++)
            {
                ranks.Barrier();
                var clock = Stopwatch.StartNew();
                ranks.AllReduceSum(values);
                times[r] = clock.Elapsed.TotalMicroseconds;
            }
            Array.Sort(times);
            if (ranks.IsRoot())
                Console.WriteLine(JsonSerializer.Serialize(new { ranks = ranks.Size, bytes, us_median = times[repeats / 2], us_min = times[0] }));
        }
        return 0;
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
