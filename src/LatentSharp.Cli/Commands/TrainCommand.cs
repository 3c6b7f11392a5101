using System.CommandLine;
using LatentSharp.Data;
using LatentSharp.Distributed;
using LatentSharp.Kernels;
using LatentSharp.Models;
using LatentSharp.Nn;
using LatentSharp.Reports;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Cli.Commands;

/// <summary><c>latent train</c>: trains a model, checkpoints every epoch, and writes samples.png and (models with a latent space) reconstructions.png.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data")
        {
            Description = "Data set: sample (shipped with LatentSharp), fashion-mnist, mnist, or a folder of IDX files. Default: sample, or with --resume the one the run was trained on.",
        };
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var binarize = new Option<string>("--binarize") { Description = "Binarization of the pixels: none, static (once, seeded) or dynamic (fresh each batch).", DefaultValueFactory = _ => "none" };
        binarize.AcceptOnlyFromAmong("none", "static", "dynamic");
        string[] kinds = ModelCatalog.Available.Select(k => k.Kind).ToArray();
        var kind = new Option<string>("--kind")
        {
            Description = "Model kind: " + string.Join(", ", ModelCatalog.Available.Select(k => $"{k.Kind} ({k.Description})")) + ". The model options below say which kinds use them; another kind refuses them.",
            DefaultValueFactory = _ => "vae",
        };
        kind.AcceptOnlyFromAmong(kinds);
        var formerKind = RenamedOption.Former(kind, "--model", kinds);
        var modelOptions = new CatalogOptions(ModelCatalog.Kinds);
        var importanceSamples = new Option<int>("--importance-samples") { Description = "K, importance samples per example: train on the importance-weighted bound (IWAE; 0: the ELBO).", DefaultValueFactory = _ => 0 };
        var formerImportanceSamples = RenamedOption.Former(importanceSamples, "--iwae-k");
        var optimizer = new Option<string>("--optimizer") { Description = "adam, adamw, sgd or adagrad.", DefaultValueFactory = _ => "adam" };
        optimizer.AcceptOnlyFromAmong(OptimizerFactory.OptimizerNames.ToArray());
        var lr = new Option<float>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 1e-3f };
        var schedule = new Option<string>("--schedule") { Description = "Learning-rate schedule: constant, step, exponential or cosine.", DefaultValueFactory = _ => "constant" };
        schedule.AcceptOnlyFromAmong(OptimizerFactory.ScheduleNames.ToArray());
        var batchSize = new Option<int>("--batch-size") { Description = "Minibatch size.", DefaultValueFactory = _ => 128 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs to train (in total, when resuming; a resumed run without it goes on to the count it was started with).", DefaultValueFactory = _ => 10 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of every random draw.", DefaultValueFactory = _ => 1UL };
        var beta = new Option<float>("--beta") { Description = "Weight of the KL term (β-VAE).", DefaultValueFactory = _ => 1f };
        var warmup = new Option<int>("--warmup") { Description = "KL warm-up: epochs over which β ramps linearly from 0.", DefaultValueFactory = _ => 0 };
        var freeBits = new Option<float>("--free-bits") { Description = "Free bits λ per latent dimension, in nats (0: off).", DefaultValueFactory = _ => 0f };
        var noiseSamples = new Option<int>("--noise-samples") { Description = "L, noise samples (draws of z) per example in the ELBO estimate.", DefaultValueFactory = _ => 1 };
        var formerNoiseSamples = RenamedOption.Former(noiseSamples, "--samples");
        var clipNorm = new Option<float>("--clip-norm") { Description = "Clip the gradient norm to this value (0: off).", DefaultValueFactory = _ => 0f };
        var validation = new Option<int?>("--validation")
        {
            Description = "Training images held out (seeded) as the validation split, which the per-epoch metrics, best.safetensors and --patience use; 0: none. Default: one sixth of the training images (10,000 of Fashion-MNIST's or MNIST's 60,000).",
        };
        var patience = new Option<int>("--patience") { Description = "Early stopping: stop when the validation ELBO has not improved for this many epochs (0: off).", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--output", "-o") { Description = "Run folder for checkpoints, log and images. Default: runs/<data>-<kind>." };
        var resume = new Option<string?>("--resume") { Description = "Continue the run saved in this checkpoint (its folder receives the new epochs)." };
        var heartbeat = new Option<double>("--heartbeat")
        {
            Description = "Seconds between the progress lines printed when the output is not a terminal (a log, CI); 0: only one line per epoch.",
            DefaultValueFactory = _ => ProgressDisplay.DefaultHeartbeat.TotalSeconds,
        };
        heartbeat.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() < 0) r.AddError("--heartbeat must be 0 or more seconds.");
        });
        var config = ConfigFile.Option();

        var command = new Command("train", "Train a model and write checkpoints, log.csv, samples.png and reconstructions.png.");
        Option[] trainingOptions = [optimizer, lr, schedule, batchSize, epochs, seed, beta, warmup, freeBits, noiseSamples, importanceSamples, clipNorm, validation, patience, threads, heartbeat, output, resume, config, formerKind, formerNoiseSamples, formerImportanceSamples];
        foreach (Option option in (Option[])[data, dataDir, binarize, kind, .. modelOptions.Options, .. trainingOptions]) command.Options.Add(option);
        command.SetAction(commandLine =>
        {
            ParseResult parse = ConfigFile.Apply(commandLine, config);
            string? resumePath = parse.GetValue(resume);
            // A resumed run keeps its model: settings of another one would be silently dropped.
            TextWriter error = commandLine.InvocationConfiguration.Error;
            string kindName = RenamedOption.Value(parse, kind, formerKind, error)!;
            int l = RenamedOption.Value(parse, noiseSamples, formerNoiseSamples, error);
            int k = RenamedOption.Value(parse, importanceSamples, formerImportanceSamples, error);
            string[] modelFlags = [.. RenamedOption.GivenUnderAnyName(parse, kind, command) ? ["--kind"] : Array.Empty<string>(), .. modelOptions.GivenFlags(parse)];
            if (resumePath is not null && modelFlags.Length > 0)
                throw new UsageException($"A resumed run continues with the model saved in {resumePath}; leave out {string.Join(", ", modelFlags)}.");
            if (resumePath is not null && parse.GetResult(validation) is { Implicit: false })
                throw new UsageException($"A resumed run keeps the validation split saved in {resumePath}; leave out --validation.");
            // Its training settings too: a new learning rate or batch size given here would be silently dropped.
            string[] savedSettings = [.. new Option[] { binarize, optimizer, lr, schedule, batchSize, seed, beta, warmup, freeBits, noiseSamples, importanceSamples, clipNorm, patience }
                .Where(o => RenamedOption.GivenUnderAnyName(parse, o, command)).Select(o => o.Name)];
            if (resumePath is not null && savedSettings.Length > 0)
                throw new UsageException($"A resumed run keeps the training settings saved in {resumePath}; leave out {string.Join(", ", savedSettings)} (--epochs may change).");
            // Resumed without --epochs, a run goes on to the count it was started with.
            int? resumeEpochs = parse.GetResult(epochs) is { Implicit: false } ? parse.GetValue(epochs) : null;
            ModelSpec spec = resumePath is null ? Configure(kindName, modelOptions, parse) : new ModelSpec();
            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batchSize),
                Optimizer = parse.GetValue(optimizer)!,
                LearningRate = parse.GetValue(lr),
                Schedule = parse.GetValue(schedule)!,
                Seed = parse.GetValue(seed),
                Beta = parse.GetValue(beta),
                WarmupEpochs = parse.GetValue(warmup),
                FreeBits = parse.GetValue(freeBits),
                Samples = l,
                ImportanceSamples = k,
                ClipNorm = parse.GetValue(clipNorm),
                Binarization = Enum.Parse<Binarization>(parse.GetValue(binarize)!, ignoreCase: true),
                ValidationImages = parse.GetValue(validation),
                Patience = parse.GetValue(patience),
            };
            using ICommunicator? ranks = MpiJob.Join(parse, threads);
            return Run(parse.GetValue(data), parse.GetValue(dataDir), spec, options, parse.GetValue(output), resumePath,
                MpiJob.Console(ranks, commandLine.InvocationConfiguration.Output), TimeSpan.FromSeconds(parse.GetValue(heartbeat)), ranks,
                resumeEpochs: resumeEpochs);
        });
        return command;
    }

    /// <summary>The spec of the kind with the model options given; an error names the flag the user wrote.</summary>
    private static ModelSpec Configure(string kind, CatalogOptions modelOptions, ParseResult parse)
    {
        try
        {
            return ModelCatalog.Configure(kind, modelOptions.Given(parse));
        }
        catch (InvalidSettingException e) when (modelOptions.OtherFlagGivenFor(parse, e.Setting) is { } flag)
        {
            throw new UsageException($"{flag}: {e.Message}");
        }
    }

    /// <summary>A new run on <paramref name="dataName"/> (default: the shipped sample), or the continuation of the run saved in
    /// <paramref name="resumePath"/>, on the data it was trained on, up to <paramref name="resumeEpochs"/> in total (default: the
    /// count it was started with). A redirected <paramref name="output"/> gets a progress line every
    /// <paramref name="heartbeat"/> (default <see cref="ProgressDisplay.DefaultHeartbeat"/>; zero: none); as one rank of a
    /// data-parallel job when <paramref name="ranks"/> is given (rank 0 writes the files).</summary>
    public static int Run(string? dataName, string? dataDir, ModelSpec spec, TrainingOptions options, string? outputDir, string? resumePath, TextWriter output,
        TimeSpan? heartbeat = null, ICommunicator? ranks = null, int? resumeEpochs = null)
    {
        TrainingRun run = resumePath is null
            ? TrainingRun.New(spec, options, dataName, dataDir, outputDir)
            : TrainingRun.Resume(resumePath, resumeEpochs, dataName, dataDir, outputDir);
        LatentModel model = run.Model;
        DataSplits splits = run.Data;
        options = run.Options;
        string runDirectory = run.Directory;
        if (run.ResumeFrom is { } state)
            output.WriteLine($"Resuming {model.Spec} after epoch {state.CompletedEpochs} of {options.Epochs}.");
        output.WriteLine($"Data: {splits.Train.Name}, {splits.Train.Count} train / {options.ValidationImages} validation / {splits.Test.Count} test images of {splits.Train.Rows}x{splits.Train.Cols}.");
        output.WriteLine($"Model: {model.Spec}, {model.ParameterCount:N0} parameters. Run folder: {runDirectory}");
        if (ranks is not null)
            output.WriteLine($"Data-parallel over {ranks.Size} MPI ranks, {Threading.MaxThreads} threads each.");

        TrainingState final = ProgressDisplay.Run(output, observer => run.Fit(observer, communicator: ranks), heartbeat ?? ProgressDisplay.DefaultHeartbeat);
        if (ranks is not null && !ranks.IsRoot()) return CommandRunner.Ok;

        Figures.WriteSamplesAndReconstructions(model, splits.Test, runDirectory, options.Seed);
        string figures = model.Has<ILatentSpace>() ? $"{Figures.SamplesFile} and {Figures.ReconstructionsFile}" : Figures.SamplesFile;
        if (final.StoppedEarly && final.CompletedEpochs < options.Epochs)
            output.WriteLine($"Stopped early after epoch {final.CompletedEpochs}: no better validation score for {options.Patience} epochs.");
        output.WriteLine($"Best epoch {final.BestEpoch}: {BestLine(final)}.");
        if (final.Test is { } test)
            output.WriteLine($"Test ({test.Images} images, scored once with the weights of epoch {test.Epoch}): {Metrics(test.Metrics)}.");
        output.WriteLine($"Wrote {Path.Combine(runDirectory, Trainer.LatestCheckpoint)}, {Trainer.BestCheckpoint}, {TrainingLog.FileName} and {figures}.");
        return CommandRunner.Ok;
    }

    private static string BestLine(TrainingState s)
    {
        EpochReport best = s.History.First(r => r.Epoch == s.BestEpoch);
        return best.Validation.Count > 0 ? "validation " + Metrics(best.Validation)
            : best.Test.Count > 0 ? "test " + Metrics(best.Test)
            : "train " + Metrics(best.Train) + " (no validation images held out)";
    }

    private static string Metrics(IReadOnlyDictionary<string, double> metrics) =>
        string.Join(", ", metrics.Select(kv => $"{kv.Key} {kv.Value.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)}"));
}
