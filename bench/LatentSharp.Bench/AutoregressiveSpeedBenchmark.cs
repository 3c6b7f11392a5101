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
/// The autoregressive kinds' two speeds: training seconds per step on binarized Fashion-MNIST (batch 64, Adam 1e-3,
/// images binarized afresh every batch), extrapolated to a 60,000-image epoch, and the seconds to draw a 64-image grid
/// pixel by pixel. Trains on the first steps·64 training images only; prints one JSON line.
/// Usage: autoregressive-speed --model row-lstm|diagonal-bilstm|pixelcnn|gated-pixelcnn [--channels 16] [--layers 2]
/// [--steps 10] [--samples 64] [--threads 1] [--data fashion-mnist] [--seed 1]
/// </summary>
public static class AutoregressiveSpeedBenchmark
{
    private const int BatchSize = 64, EpochImages = 60_000;

    public static int Run(string[] args)
    {
        string kind = Arg(args, "--model", "row-lstm");
        int channels = Int(args, "--channels", 16), layers = Int(args, "--layers", 2), steps = Int(args, "--steps", 10), samples = Int(args, "--samples", 64);
        Threading.MaxThreads = Int(args, "--threads", 1);
        ulong seed = ulong.Parse(Arg(args, "--seed", "1"), CultureInfo.InvariantCulture);

        DataSplits splits = new DatasetResolver().Load(Arg(args, "--data", "fashion-mnist"));
        var data = new DataSplits(splits.Train.Subset([.. Enumerable.Range(0, steps * BatchSize)]), splits.Test.Subset([.. Enumerable.Range(0, BatchSize)]));
        var spec = ModelCatalog.ForData(ModelCatalog.Get(kind).Defaults with { PixelCnnChannels = channels, PixelCnnBlocks = layers }, 1, splits.Train.Rows, splits.Train.Cols, 0);
        LatentModel model = ModelCatalog.Build(spec, new Rng(seed));
        var options = new TrainingOptions
        {
            Epochs = 1, BatchSize = BatchSize, Optimizer = "adam", LearningRate = 1e-3f, Seed = seed, Binarization = Binarization.Dynamic,
        };
        var clock = new StepClock();
        new Trainer(model, options).Fit(data, observer: clock);

        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var sampling = Stopwatch.StartNew();
        if (samples > 0) model.Require<IGenerative>("autoregressive-speed").Sample(samples, new Rng(seed));
        sampling.Stop();
        double samplingCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;

        double perStep = clock.Seconds / clock.Steps;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            model = kind, channels, layers, parameters = model.ParameterCount, threads = Threading.MaxThreads, steps = clock.Steps,
            seconds_per_step = Math.Round(perStep, 3), cpu_seconds_per_step = Math.Round(clock.CpuSeconds / clock.Steps, 3),
            epoch_seconds_extrapolated = Math.Round(perStep * EpochImages / BatchSize),
            samples, sample_seconds = Math.Round(sampling.Elapsed.TotalSeconds, 1), sample_cpu_seconds = Math.Round(samplingCpu, 1),
        }));
        return 0;
    }

    /// <summary>The seconds (wall clock and the process's CPU) from the start of the epoch to its last step, and the number of steps.</summary>
    private sealed class StepClock : ITrainingObserver
    {
        private readonly Stopwatch _clock = new();
        private TimeSpan _cpuAtStart;

        public double Seconds { get; private set; }

        public double CpuSeconds { get; private set; }

        public int Steps { get; private set; }

        public void EpochStarted(int epoch, int epochs, int steps)
        {
            _cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
            _clock.Restart();
        }

        public void StepCompleted(int epoch, int step, int steps, double loss, double examplesPerSecond)
        {
            Seconds = _clock.Elapsed.TotalSeconds;
            CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - _cpuAtStart).TotalSeconds;
            Steps = step;
        }

        public void EpochCompleted(EpochReport r) { }
    }

    private static int Int(string[] args, string name, int fallback) => int.Parse(Arg(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
