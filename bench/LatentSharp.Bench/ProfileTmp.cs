using System.Diagnostics;
using LatentSharp.Kernels;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Optim;
namespace LatentSharp.Bench;
public static class ProfileTmp
{
    public static int Run(string[] args)
    {
        Threading.MaxThreads = 2;
        var spec = new ModelSpec { Kind = args.Length > 0 ? args[0] : "conv-vae", LatentSize = 20, Hidden = [400] };
        var model = ModelCatalog.Build(spec, new Rng(1));
        var opt = new Adam(model.Parameters(), 1e-3f);
        var x = Tensor.Zeros(128, 784); new Rng(2).FillUniform(x.Data, 0, 1);
        var arena = new Arena(); var rng = new Rng(3);
        var times = new List<double>();
        for (int it = 0; it < 60; it++)
        {
            long t0 = Stopwatch.GetTimestamp();
            using (arena.Scope())
            {
                var loss = model.Loss(x, rng, Objective.Elbo, new MetricSums());
                opt.ZeroGrad(); loss.Backward(); opt.Step();
            }
            if (it >= 10) times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"{spec.Kind} step ms: median {times[times.Count / 2]:F2}  p10 {times[times.Count / 10]:F2}");
        return 0;
    }
}
