using System.Globalization;
using System.Text.Json;
using LatentSharp.Data;
using LatentSharp.Kernels;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Bench;

/// <summary>
/// Trains the pytorch/examples VAE recipe (784-400-20, ReLU, Bernoulli decoder on continuous pixels, Adam 1e-3,
/// batch 128) with the library's own Trainer and prints one JSON line per epoch, the same lines as
/// bench/peers/pytorch_vae.py, so bench/vae-epoch.sh can put the two side by side.
/// Usage: vae-epoch [--data fashion-mnist] [--epochs 3] [--threads 2] [--seed 1]
/// </summary>
public static class VaeEpochBenchmark
{
    public static int Run(string[] args)
    {
        string data = Arg(args, "--data", "fashion-mnist");
        int epochs = int.Parse(Arg(args, "--epochs", "3"), CultureInfo.InvariantCulture);
        Threading.MaxThreads = int.Parse(Arg(args, "--threads", "2"), CultureInfo.InvariantCulture);
        ulong seed = ulong.Parse(Arg(args, "--seed", "1"), CultureInfo.InvariantCulture);

        DataSplits splits = new DatasetResolver().Load(data);
        var spec = new ModelSpec { LatentSize = 20, Hidden = [400], Activation = "relu", Likelihood = "bernoulli" };
        var options = new TrainingOptions { Epochs = epochs, BatchSize = 128, Optimizer = "adam", LearningRate = 1e-3f, Seed = seed };
        LatentModel model = ModelCatalog.Build(spec, new Rng(seed));
        new Trainer(model, options).Fit(splits, observer: new JsonLines());
        return 0;
    }

    private sealed class JsonLines : ITrainingObserver
    {
        public void EpochStarted(int epoch, int epochs, int steps) { }

        public void StepCompleted(int epoch, int step, int steps, double loss, double examplesPerSecond) { }

        public void EpochCompleted(EpochReport r) =>
            Console.WriteLine(JsonSerializer.Serialize(new { epoch = r.Epoch, seconds = r.Seconds, test_loss = -r.Test["elbo"] }));
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
