using System.CommandLine;
using System.Globalization;
using LatentSharp.Training;

namespace LatentSharp.Cli.Commands;

/// <summary>
/// <c>latent info &lt;checkpoint&gt;</c>: what a checkpoint holds, without data or computation: its model, training options,
/// data, epochs, the best epoch and its metrics, and the test score when the run ended. Without a checkpoint: the models
/// shipped with the tool, by name.
/// </summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string?>("checkpoint")
        {
            Description = "A checkpoint (model.safetensors or best.safetensors of a run folder) or a shipped model's name; none: list the shipped models.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("info", "Print a checkpoint's model, training options, data, epochs, best epoch and test score; without one, list the models shipped with the tool.");
        command.Arguments.Add(checkpoint);
        command.SetAction(parse => parse.GetValue(checkpoint) is string path
            ? Run(path, parse.InvocationConfiguration.Output)
            : ListShipped(parse.InvocationConfiguration.Output));
        return command;
    }

    /// <summary>The shipped models, one a line: name, model, and the NLL of their shipped eval.json.</summary>
    public static int ListShipped(TextWriter output)
    {
        if (ShippedModels.Names.Count == 0)
        {
            output.WriteLine("This build of latent ships no pretrained models.");
            return CommandRunner.Ok;
        }
        output.WriteLine("Shipped models (use the name wherever a checkpoint is asked for, e.g. latent sample -m NAME):");
        foreach (string name in ShippedModels.Names)
        {
            string summary = "";
            if (ShippedModels.EvaluationJson(name) is string json)
            {
                var report = Evaluation.EvaluationReportWriter.FromJson(json);
                summary = $"  {report.Model}; {report.Dataset} / {report.Split}"
                    + (report.NllNats is double nll ? $", NLL {nll.ToString("F2", CultureInfo.InvariantCulture)} nats (K = {report.NllSamples})" : "");
            }
            output.WriteLine($"  {name}{summary}");
        }
        return CommandRunner.Ok;
    }

    public static int Run(string path, TextWriter output)
    {
        Checkpoint checkpoint = Checkpoint.Load(ShippedModels.Resolve(path));
        TrainingState? training = checkpoint.Training;
        output.WriteLine($"Checkpoint: {path}");
        output.WriteLine($"Model: {checkpoint.Model.Spec}, {checkpoint.Model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters");
        if (training is null)
        {
            output.WriteLine("No training state: the checkpoint holds the model and its weights only.");
            return CommandRunner.Ok;
        }
        output.WriteLine($"Data: {checkpoint.TrainingData}");
        output.WriteLine("Options: " + string.Join(", ", RunConfig.Settings(training.Options).Where(h => h.Name != "data").Select(h => $"{h.Name} {h.Value}")));
        string stopped = training.StoppedEarly && training.CompletedEpochs < training.Options.Epochs ? ", stopped early" : "";
        output.WriteLine($"Epochs: {training.CompletedEpochs} of {training.Options.Epochs}{stopped}");
        EpochReport? best = training.History.FirstOrDefault(r => r.Epoch == training.BestEpoch);
        if (best is not null)
        {
            var (split, metrics) = best.Validation.Count > 0 ? ("validation", best.Validation)
                : best.Test.Count > 0 ? ("test", best.Test)
                : ("train", best.Train);
            output.WriteLine($"Best epoch: {training.BestEpoch}, {split} {Metrics(metrics)}");
        }
        output.WriteLine(training.Test is { } test
            ? $"Test: {Metrics(test.Metrics)} ({test.Images} images, weights of epoch {test.Epoch}, {test.ActiveUnits} active units)"
            : "Test: not scored (the run has not ended)");
        return CommandRunner.Ok;
    }

    private static string Metrics(IReadOnlyDictionary<string, double> metrics) =>
        string.Join(", ", metrics.Select(kv => $"{kv.Key} {kv.Value.ToString("F2", CultureInfo.InvariantCulture)}"));
}
