using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LatentSharp.Data;
using LatentSharp.Kernels;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Bench;

/// <summary>
/// Trains a model with the library's own Trainer and prints one JSON line per epoch, the same lines as
/// bench/peers/pytorch_vae.py and bench/TorchSharpPeer, so bench/vae-epoch.sh and bench/torchsharp-vs-latentsharp.sh
/// can put them side by side. The first line names the model and its parameter count, so the scripts can check both
/// sides train the same architecture. Adam 1e-3, on every training image (no validation split held out, as the peers),
/// the test loss per image (summed over pixels) scored after every epoch outside the timed loop.
/// <list type="bullet">
/// <item>"vae": the pytorch/examples recipe, 784-400-20 MLP, latent 20, Bernoulli decoder on continuous pixels,
/// batch 128 (peer: --model mlp);</item>
/// <item>"conv-vae": the catalog's default conv VAE, channels [32, 64], otherwise as "vae" (peer: --model conv);</item>
/// <item>"pixelcnn": the catalog's default PixelCNN, 64 channels and 5 residual blocks, on images binarized afresh
/// every batch, batch 64 (the zoo's recipe; peer: --model pixelcnn).</item>
/// </list>
/// With --inference N (the VAEs), after training: N timed passes of encode (posterior mean) + decode (mean image) over
/// the test images in batches of 1000, one JSON line each, with the parameters fixed (Module.FixParameters) as
/// `latent serve` holds them.
/// Usage: vae-epoch [--model vae|conv-vae|pixelcnn] [--data fashion-mnist] [--epochs 3] [--threads 2] [--seed 1]
///                  [--inference 0]
/// </summary>
public static class VaeEpochBenchmark
{
    private const int InferenceBatch = 1000;

    /// <summary>Runs the benchmark with command-line <paramref name="args"/>; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        string data = Arg(args, "--data", "fashion-mnist");
        int epochs = int.Parse(Arg(args, "--epochs", "3"), CultureInfo.InvariantCulture);
        Threading.MaxThreads = int.Parse(Arg(args, "--threads", "2"), CultureInfo.InvariantCulture);
        ulong seed = ulong.Parse(Arg(args, "--seed", "1"), CultureInfo.InvariantCulture);
        int inferencePasses = int.Parse(Arg(args, "--inference", "0"), CultureInfo.InvariantCulture);

        DataSplits splits = new DatasetResolver().Load(data);
        string kind = Arg(args, "--model", "vae");
        if (kind is not ("vae" or "conv-vae" or "pixelcnn"))
        {
            Console.Error.WriteLine($"vae-epoch: --model is \"vae\", \"conv-vae\" or \"pixelcnn\", not \"{kind}\".");
            return 2;
        }
        // Hidden is used by "vae" only, ConvChannels by "conv-vae" only, the PixelCnn sizes by "pixelcnn" only; all are
        // spelled out so the benchmark does not move when a catalog default does.
        var spec = new ModelSpec
        {
            Kind = kind, LatentSize = 20, Hidden = [400], ConvChannels = [32, 64], Activation = "relu", Likelihood = "bernoulli",
            PixelCnnChannels = 64, PixelCnnBlocks = 5,
        };
        bool pixelCnn = kind == "pixelcnn";
        var options = new TrainingOptions
        {
            Epochs = epochs, BatchSize = pixelCnn ? 64 : 128, Optimizer = "adam", LearningRate = 1e-3f, Seed = seed,
            Binarization = pixelCnn ? Binarization.Dynamic : Binarization.None, ValidationImages = 0,
        };
        LatentModel model = ModelCatalog.Build(spec, new Rng(seed));
        Console.WriteLine(JsonSerializer.Serialize(new { model = kind, parameters = model.ParameterCount, images = splits.Train.Count }));
        var trainer = new Trainer(model, options);
        Dataset test = TestBinarization.Apply(splits.Test, pixelCnn);
        trainer.Fit(splits, observer: new JsonLines(trainer, test));
        var arena = new Arena();   // one for all passes, as a serving loop would keep it
        if (model.As<ILatentSpace>() is { } space)
        {
            // Parameters fixed, as `latent serve` and the evaluations hold them: the layers keep their packed weights.
            using IDisposable fixedParameters = model.FixParameters();
            for (int pass = 0; pass < inferencePasses; pass++)
                Console.WriteLine(JsonSerializer.Serialize(new { inference = EncodeDecodeSeconds(space, test, arena) }));
        }
        return 0;
    }

    /// <summary>Seconds to encode and decode every image of <paramref name="test"/> in batches of 1000, without gradients.</summary>
    private static double EncodeDecodeSeconds(ILatentSpace space, Dataset test, Arena arena)
    {
        int d = test.Dimensions;
        var clock = Stopwatch.StartNew();
        using (Tensor.NoGrad())
        {
            for (int start = 0; start < test.Count; start += InferenceBatch)
            {
                int b = Math.Min(InferenceBatch, test.Count - start);
                using (arena.Scope())
                    space.Decode(space.Encode(Tensor.CopyOf(test.Pixels.AsSpan(start * d, b * d), b, d)));   // [b, L] → [b, D]
            }
        }
        return clock.Elapsed.TotalSeconds;
    }

    private sealed class JsonLines(Trainer trainer, Dataset test) : ITrainingObserver
    {
        public void EpochStarted(int epoch, int epochs, int steps) { }

        public void StepCompleted(int epoch, int step, int steps, double loss, double examplesPerSecond) { }

        public void EpochCompleted(EpochReport r)
        {
            IReadOnlyDictionary<string, double> metrics = trainer.Evaluate(test).Metrics;
            double testLoss = metrics.TryGetValue(TermSums.Elbo, out double elbo) ? -elbo : metrics[TermSums.Nll];
            Console.WriteLine(JsonSerializer.Serialize(new { epoch = r.Epoch, seconds = r.Seconds, test_loss = testLoss }));
        }
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
