using System.CommandLine;
using LatentSharp.Data;
using LatentSharp.Distributed;
using LatentSharp.Evaluation;
using LatentSharp.Kernels;
using LatentSharp.Training;

namespace LatentSharp.Cli.Commands;

/// <summary>
/// <c>latent eval</c>: evaluates a checkpoint (or the pPCA baseline), prints one table and writes it as eval.json next to
/// the checkpoint. A checkpoint trained on binarized data is evaluated on the test split binarized once with
/// <see cref="Dataset.TestBinarizationSeed"/>, the images the trainer's test ELBO used.
/// </summary>
public static class EvalCommand
{
    public const string NoOutOfDistribution = "none";
    public const string ProbabilisticPcaBaseline = "ppca";

    public static Command Create()
    {
        var model = CommonOptions.Model();
        model.Required = false;
        var baseline = new Option<string?>("--baseline") { Description = "Evaluate a baseline fitted on the training split instead of a checkpoint: ppca (probabilistic PCA, closed form)." };
        baseline.AcceptOnlyFromAmong(ProbabilisticPcaBaseline);
        var latent = new Option<int>("--latent") { Description = "Latent dimensions of the baseline.", DefaultValueFactory = _ => 20 };
        latent.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--latent must be at least 1.");
        });
        var data = CommonOptions.DataOfModel();
        var dataDir = CommonOptions.DataDir();
        var split = new Option<string>("--split") { Description = "Split to evaluate: test or train.", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "train");
        var samples = new Option<int>("--importance-samples", "-k") { Description = "K, importance samples per image for the NLL.", DefaultValueFactory = _ => ImportanceSampledNll.DefaultSamples };
        samples.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError($"{r.Option.Name} must be at least 1.");
        });
        var formerSamples = RenamedOption.Former(samples, "--samples");
        var images = new Option<int?>("--images") { Description = "Evaluate only the first N images of the split (and of the out-of-distribution set). Default: all." };
        var trainImages = new Option<int?>("--train-images") { Description = "Use only the first N training images for the probes, the PCA/pPCA fit and the background model. Default: all." };
        var ood = new Option<string>("--ood") { Description = $"Out-of-distribution data set for the outlier scores (its test split), or {NoOutOfDistribution}. Skipped with a note when not found.", DefaultValueFactory = _ => DatasetResolver.Mnist };
        var background = new Option<OutlierBackground>("--background") { Description = "Background model of the likelihood-ratio outlier score: pixels (independent Bernoulli pixels fitted on the training split) or compression (PNG-compressed length, Serrà et al. 2020).", DefaultValueFactory = _ => new EvaluationOptions().Background };
        var llrK = new Option<int>("--llr-k") { Description = "k of the hierarchical outlier score LLR>k (Havtorn et al. 2021) of a model with several latent layers: how many of the lowest layers its second bound takes from the prior.", DefaultValueFactory = _ => LayeredLikelihoodRatio.DefaultPriorLayers };
        var llrSamples = new Option<int>("--llr-samples") { Description = "K, importance samples per image of each bound of LLR>k.", DefaultValueFactory = _ => LayeredLikelihoodRatio.DefaultSamples };
        var llrPriorMean = new Option<bool>("--llr-prior-mean") { Description = "Whether LLR>k's second bound sets its lowest k layers to the prior's means (true, as Havtorn et al.'s code does) or draws them from the prior (false).", DefaultValueFactory = _ => new EvaluationOptions().LlrPriorMean };
        var noProbe = new Option<bool>("--no-probe") { Description = "Skip the linear probes." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the evaluation's draws.", DefaultValueFactory = _ => 1UL };
        var threads = CommonOptions.Threads();
        var output = new Option<string?>("--output", "-o") { Description = $"Where to write the JSON report. Default: {EvaluationReportWriter.DefaultFileName} next to the checkpoint (runs/<data>-ppca<L>/ for the baseline)." };

        var command = new Command("eval", "Evaluate a model: ELBO, importance-sampled NLL, active units, linear probes and outlier AUROC (next to model-free baselines); prints a table and writes eval.json. A killed evaluation, run again, resumes its NLL from eval.json.progress.")
        {
            model, baseline, latent, data, dataDir, split, samples, images, trainImages, ood, background, llrK, llrSamples, llrPriorMean, noProbe, seed, threads, output, formerSamples,
        };
        command.Validators.Add(r =>
        {
            bool hasModel = r.GetValue(model) is not null, hasBaseline = r.GetValue(baseline) is not null;
            if (hasModel == hasBaseline) r.AddError("Give either --model <checkpoint> or --baseline ppca (not both).");
        });
        command.SetAction(parse =>
        {
            var options = new EvaluationOptions
            {
                Split = parse.GetValue(split)!,
                Samples = RenamedOption.Value(parse, samples, formerSamples, parse.InvocationConfiguration.Error),
                Images = parse.GetValue(images),
                TrainImages = parse.GetValue(trainImages),
                Probe = !parse.GetValue(noProbe),
                Seed = parse.GetValue(seed),
                Background = parse.GetValue(background),
                LlrPriorLayers = parse.GetValue(llrK),
                LlrSamples = parse.GetValue(llrSamples),
                LlrPriorMean = parse.GetValue(llrPriorMean),
            };
            var request = new Request(parse.GetValue(model), parse.GetValue(baseline), parse.GetValue(latent), parse.GetValue(data),
                parse.GetValue(dataDir), parse.GetValue(ood)!, parse.GetValue(output));
            using ICommunicator? ranks = MpiJob.Join(parse, threads);
            return Run(request, options, MpiJob.Console(ranks, parse.InvocationConfiguration.Output), ranks);
        });
        return command;
    }

    /// <summary>What to evaluate, on what, and where the report goes.</summary>
    public sealed record Request(string? ModelPath, string? Baseline, int LatentSize, string? Data, string? DataDir, string OutOfDistribution, string? OutputPath);

    /// <summary>Appended to the report's path for the file in which the NLL keeps its finished batches until the report is written.</summary>
    public const string ProgressSuffix = ".progress";

    /// <summary>
    /// Evaluates and writes the report; as one rank of an MPI job when <paramref name="ranks"/> is given: the NLL is shared
    /// among the ranks (the same numbers for any number of them) and rank 0 writes the report.
    /// </summary>
    public static int Run(Request request, EvaluationOptions options, TextWriter output, ICommunicator? ranks = null)
    {
        options.Validate();
        // The checkpoint first: a wrong path should fail before seconds of data loading.
        string? checkpointPath = request.ModelPath is null ? null : ShippedModels.Resolve(request.ModelPath);
        Checkpoint? checkpoint = checkpointPath is null ? null : Checkpoint.Load(checkpointPath);
        var resolver = new DatasetResolver();
        string dataName = request.Data ?? checkpoint?.TrainingData ?? DatasetResolver.Sample;
        DataSplits splits = resolver.Load(dataName, request.DataDir);
        options = options with { OutOfDistribution = ResolveOutOfDistribution(resolver, request.OutOfDistribution, request.DataDir) };

        EvaluationReport report;
        string reportPath;
        NllProgress? progress = null;
        if (checkpoint is not null && checkpointPath is string modelPath)
        {
            Binarization binarization = checkpoint.Training?.Options.Binarization ?? Binarization.None;
            options = options with { Binarize = TestBinarization.AppliesAfter(binarization) };
            output.WriteLine($"Evaluating {checkpoint.Model.Spec} ({modelPath}) on {splits.Train.Name.Split('/')[0]} / {options.Split}"
                + (options.Binarize ? $", trained with {binarization.ToString().ToLowerInvariant()} binarization: the split is binarized once with seed {Dataset.TestBinarizationSeed}" : "")
                + (checkpoint.Model.Has<Models.ILikelihood>() ? $"; K = {options.Samples}." : "; no likelihood, so no NLL."));
            reportPath = request.OutputPath ?? Path.Combine(ShippedModels.OutputFolderFor(modelPath), EvaluationReportWriter.DefaultFileName);
            // The NLL's finished batches wait beside the report, so that a killed evaluation, run again, resumes.
            // A shared NLL is not resumable: its batches are spread over the ranks.
            progress = ranks is null ? new NllProgress(reportPath + ProgressSuffix, output) : null;
            if (ranks is not null)
                output.WriteLine($"The NLL is shared by {ranks.Size} MPI ranks, {Threading.MaxThreads} threads each.");
            report = ModelEvaluation.Run(checkpoint.Model, splits, options, modelName: $"{checkpoint.Model.Spec} [{ShippedModels.NameOf(modelPath) ?? Path.GetFileName(modelPath)}]", progress, ranks);
        }
        else
        {
            output.WriteLine($"Fitting pPCA with L = {request.LatentSize} on {splits.Train.Name} and evaluating on {options.Split}.");
            report = ModelEvaluation.RunProbabilisticPca(splits, request.LatentSize, options);
            string name = dataName.Replace('/', '_').Trim('_', '.');
            reportPath = request.OutputPath ?? Path.Combine("runs", $"{name}-ppca{request.LatentSize}", EvaluationReportWriter.DefaultFileName);
        }

        output.Write(EvaluationReportWriter.FormatTable(report));
        if (ranks is not null && !ranks.IsRoot()) return CommandRunner.Ok;
        EvaluationReportWriter.Write(report, reportPath);
        progress?.Delete();
        output.WriteLine($"Wrote {reportPath}.");
        return CommandRunner.Ok;
    }

    private static OutOfDistributionSet? ResolveOutOfDistribution(DatasetResolver resolver, string name, string? dataDir)
    {
        if (string.Equals(name, NoOutOfDistribution, StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            return OutOfDistributionSet.Found(name, resolver.Load(name, dataDir).Test);
        }
        catch (DatasetNotFoundException e)
        {
            // The last line of the message says how to install it; the places searched would swamp the table.
            string howTo = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
            return OutOfDistributionSet.Missing(name, $"data set '{name}' not found. {howTo}");
        }
    }
}
