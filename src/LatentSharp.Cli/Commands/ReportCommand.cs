using System.CommandLine;
using System.Text.Json;
using LatentSharp.Evaluation;
using LatentSharp.Reports;

namespace LatentSharp.Cli.Commands;

/// <summary>
/// <c>latent report</c>: one self-contained HTML page for a run: training curves, the evaluation table when eval.json is
/// beside the checkpoint, and the samples, reconstructions, interpolation, traversal, embedding and manifold pictures.
/// </summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var command = new Command("report", "Write a self-contained HTML report of a run: curves, evaluation table and pictures.");
        var common = ModelSession.AddCommonOptions(command, $"{RunReport.FileName} beside the checkpoint");
        command.SetAction(parse =>
        {
            ModelSession session = ModelSession.Open(parse, common, ModelNeeds.UnconditionalLatentSpace);
            string folder = ShippedModels.OutputFolderFor(session.CheckpointPath);
            string evalPath = Path.Combine(folder, EvaluationReportWriter.DefaultFileName);
            EvaluationReport? evaluation = null;
            string? note = null;
            if (File.Exists(evalPath))
            {
                try
                {
                    evaluation = EvaluationReportWriter.Read(evalPath);
                }
                catch (JsonException e)
                {
                    note = $"{evalPath} could not be read ({e.Message}); run latent eval again to replace it.";
                }
            }
            var inputs = new RunReport.Inputs(session.CheckpointPath, session.Checkpoint, session.Test, parse.GetValue(common.Seed))
            {
                Evaluation = evaluation,
                EvaluationNote = note,
            };
            string path = parse.GetValue(common.Output) ?? Path.Combine(folder, RunReport.FileName);
            RunReport.Build(inputs).Write(path);
            parse.InvocationConfiguration.Output.WriteLine($"Wrote {path}" + (evaluation is null ? $" (no {EvaluationReportWriter.DefaultFileName} beside the checkpoint: no evaluation table)." : " with the evaluation table."));
            return CommandRunner.Ok;
        });
        return command;
    }
}
