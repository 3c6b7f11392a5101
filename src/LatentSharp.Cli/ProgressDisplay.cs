using System.Globalization;
using LatentSharp.Models;
using LatentSharp.Training;
using Spectre.Console;

namespace LatentSharp.Cli;

/// <summary>
/// Shows training progress: a live Spectre.Console bar per epoch on a terminal, plain lines (one per epoch)
/// when the output is redirected, as in CI.
/// </summary>
public static class ProgressDisplay
{
    public static TrainingState Run(TextWriter output, Func<ITrainingObserver, TrainingState> fit)
    {
        bool live = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!live) return fit(new PlainObserver(output));

        TrainingState? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context => result = fit(new LiveObserver(context)));
        return result!;
    }

    internal static string EpochLine(EpochReport r)
    {
        static string Metrics(IReadOnlyDictionary<string, double> m) => string.Join(" ", m.Select(kv => $"{Short(kv.Key)} {kv.Value.ToString("F2", CultureInfo.InvariantCulture)}"));
        string heldOut = r.Validation.Count > 0 ? $" | validation {Metrics(r.Validation)} | AU {r.ActiveUnits}" : "";
        return $"epoch {r.Epoch,3}  train {Metrics(r.Train)}{heldOut} | {r.Seconds.ToString("F2", CultureInfo.InvariantCulture)} s, {r.ExamplesPerSecond.ToString("N0", CultureInfo.InvariantCulture)} ex/s";
    }

    private static string Short(string metric) => metric switch
    {
        TermSums.Reconstruction => "rec",
        _ => metric,
    };

    private sealed class PlainObserver(TextWriter output) : ITrainingObserver
    {
        public void EpochStarted(int epoch, int epochs, int steps) { }

        public void StepCompleted(int epoch, int step, int steps, double loss, double examplesPerSecond) { }

        public void EpochCompleted(EpochReport report)
        {
            output.WriteLine(EpochLine(report));
            output.Flush();
        }
    }

    private sealed class LiveObserver(ProgressContext context) : ITrainingObserver
    {
        private ProgressTask? _task;
        private int _epochs;

        public void EpochStarted(int epoch, int epochs, int steps)
        {
            _epochs = epochs;
            _task = context.AddTask($"epoch {epoch}/{epochs}", maxValue: steps);
        }

        public void StepCompleted(int epoch, int step, int steps, double loss, double examplesPerSecond)
        {
            if (_task is null) return;
            _task.Value = step;
            if (step % 10 == 0 || step == steps)
                _task.Description = $"epoch {epoch}/{_epochs}  loss {loss.ToString("F2", CultureInfo.InvariantCulture)}  {examplesPerSecond.ToString("N0", CultureInfo.InvariantCulture)} ex/s";
        }

        public void EpochCompleted(EpochReport report)
        {
            if (_task is null) return;
            _task.Description = Markup.Escape(EpochLine(report));
            _task.StopTask();
        }
    }
}
