using System.Diagnostics;
using System.Globalization;
using LatentSharp.Models;
using LatentSharp.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LatentSharp.Cli;

/// <summary>
/// Shows training progress. On a terminal: one live line (<see cref="ProgressLine.Bar"/>) cut to the console's width,
/// with each epoch's summary printed above it. When the output is redirected, as in CI: the epoch summaries and, every
/// <c>heartbeat</c>, a plain line saying where the run is (<see cref="ProgressLine.Heartbeat"/>).
/// </summary>
public static class ProgressDisplay
{
    /// <summary>The default time between two heartbeat lines of a redirected output.</summary>
    public static readonly TimeSpan DefaultHeartbeat = TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="fit"/> with an observer that shows its progress on <paramref name="output"/>; a zero <paramref name="heartbeat"/> prints no heartbeat lines.</summary>
    public static TrainingState Run(TextWriter output, Func<ITrainingObserver, TrainingState> fit, TimeSpan heartbeat)
    {
        bool live = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!live) return fit(new PlainObserver(output, heartbeat));

        TrainingState? result = null;
        var observer = new LiveObserver();
        AnsiConsole.Live(observer.Line)
            .AutoClear(true)
            .Overflow(VerticalOverflow.Crop)
            .Start(context => result = fit(observer.Attach(context)));
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

    private sealed class PlainObserver(TextWriter output, TimeSpan heartbeat) : ITrainingObserver
    {
        private readonly ProgressClock _clock = new();
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private TimeSpan _lastLine;

        public void EpochStarted(int epoch, int epochs, int steps)
        {
            _lastLine = _watch.Elapsed;
            _clock.EpochStarted(epoch, epochs, _lastLine);
        }

        public void StepCompleted(int epoch, int step, int steps, double loss, double examplesPerSecond)
        {
            TimeSpan now = _watch.Elapsed;
            ProgressSnapshot snapshot = _clock.Step(epoch, step, steps, loss, examplesPerSecond, now);
            if (heartbeat <= TimeSpan.Zero || now - _lastLine < heartbeat || step == steps) return;
            _lastLine = now;
            output.WriteLine(ProgressLine.Heartbeat(snapshot));
            output.Flush();
        }

        public void EpochCompleted(EpochReport report)
        {
            _lastLine = _watch.Elapsed;
            output.WriteLine(EpochLine(report));
            output.Flush();
        }
    }

    private sealed class LiveObserver : ITrainingObserver
    {
        /// <summary>Redraws at most this often: a batch can take a millisecond.</summary>
        private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

        private readonly ProgressClock _clock = new();
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private LiveDisplayContext? _context;
        private TimeSpan _lastRedraw = -RedrawInterval;

        public Text Line { get; private set; } = new("");

        public LiveObserver Attach(LiveDisplayContext context)
        {
            _context = context;
            return this;
        }

        public void EpochStarted(int epoch, int epochs, int steps) => _clock.EpochStarted(epoch, epochs, _watch.Elapsed);

        public void StepCompleted(int epoch, int step, int steps, double loss, double examplesPerSecond)
        {
            TimeSpan now = _watch.Elapsed;
            ProgressSnapshot snapshot = _clock.Step(epoch, step, steps, loss, examplesPerSecond, now);
            if (now - _lastRedraw < RedrawInterval && step != steps) return;
            _lastRedraw = now;
            Show(ProgressLine.Bar(snapshot, AnsiConsole.Profile.Width));
        }

        public void EpochCompleted(EpochReport report)
        {
            // The summary goes above the live line, which stays one line at any width.
            AnsiConsole.WriteLine(EpochLine(report));
        }

        private void Show(string text)
        {
            Line = new Text(text);
            _context?.UpdateTarget(Line);
        }
    }
}

/// <summary>Where a run stands after one step; the remaining times are null until there is a step to measure.</summary>
internal readonly record struct ProgressSnapshot(int Epoch, int Epochs, int Step, int Steps, double Loss, double ExamplesPerSecond, TimeSpan? EpochRemaining, TimeSpan? RunRemaining);

/// <summary>
/// The run's clock: the time left in the epoch (its own pace so far) and in the run (the pace since the first epoch this
/// process trained, validation included, times the steps left).
/// </summary>
internal sealed class ProgressClock
{
    private int _firstEpoch = -1;
    private int _epochs;
    private TimeSpan _runStart, _epochStart;

    /// <summary>Epoch <paramref name="epoch"/> of <paramref name="epochs"/> starts at <paramref name="now"/>.</summary>
    public void EpochStarted(int epoch, int epochs, TimeSpan now)
    {
        if (_firstEpoch < 0) (_firstEpoch, _runStart) = (epoch, now);
        (_epochs, _epochStart) = (epochs, now);
    }

    /// <summary>Where the run stands once <paramref name="step"/> of <paramref name="steps"/> is done at <paramref name="now"/>.</summary>
    public ProgressSnapshot Step(int epoch, int step, int steps, double loss, double examplesPerSecond, TimeSpan now)
    {
        if (_firstEpoch < 0) EpochStarted(epoch, epoch, now);
        int epochs = Math.Max(_epochs, epoch);
        long done = (long)(epoch - _firstEpoch) * steps + step;
        long left = (long)(epochs - epoch) * steps + (steps - step);
        TimeSpan? epochRemaining = step > 0 ? (now - _epochStart) / step * (steps - step) : null;
        TimeSpan? runRemaining = done > 0 ? (now - _runStart) / done * left : null;
        return new ProgressSnapshot(epoch, epochs, step, steps, loss, examplesPerSecond, epochRemaining, runRemaining);
    }
}

/// <summary>The text of the progress line on a terminal and of the heartbeat line in a log.</summary>
internal static class ProgressLine
{
    private const int MinBarWidth = 6, MaxBarWidth = 40;

    /// <summary>
    /// "epoch 3/10 ━━━━━━────── 45%  120/266  loss 123.45  1,234 ex/s  ETA epoch 0:12, run 2:34" in at most
    /// <paramref name="width"/> − 1 columns (a line that fills the last column wraps on some terminals): the least needed
    /// parts go first (loss, rate, batch count, the epoch's time left), then the bar, then the text is cut.
    /// </summary>
    public static string Bar(ProgressSnapshot s, int width)
    {
        int room = Math.Max(1, width - 1);
        string head = $"epoch {s.Epoch}/{s.Epochs}";
        string percent = $"{(s.Steps > 0 ? 100 * s.Step / s.Steps : 0),3}%";
        string runOnly = s.RunRemaining is { } r ? $"run {Duration(r)}" : "";
        string time = Eta(s) is { Length: > 0 } eta ? "ETA " + eta : "";
        string count = $"{s.Step.ToString(CultureInfo.InvariantCulture).PadLeft(s.Steps.ToString(CultureInfo.InvariantCulture).Length)}/{s.Steps}";
        // From the fullest line to the barest: the parts after the bar, in the order they are dropped. Numbers are padded
        // so that the bar keeps its length from one redraw to the next.
        string[][] tails =
        [
            [percent, count, Loss(s.Loss).PadLeft(13), Rate(s.ExamplesPerSecond).PadLeft(12), time],
            [percent, count, Rate(s.ExamplesPerSecond).PadLeft(12), time],
            [percent, count, time],
            [percent, time],
            [percent, runOnly],
        ];
        foreach (string[] tail in tails)
        {
            string after = string.Join("  ", tail.Where(t => t.Length > 0));
            int barWidth = Math.Min(MaxBarWidth, room - head.Length - after.Length - 2);
            if (barWidth >= MinBarWidth) return $"{head} {Gauge(s, barWidth)} {after}";
        }
        string bare = $"{head} {string.Join("  ", tails[^1].Where(t => t.Length > 0))}";
        return bare.Length <= room ? bare : bare[..room];
    }

    /// <summary>"epoch 3/10  batch 120/266  1,234 ex/s  loss 123.45  ETA epoch 0:12, run 2:34", a line for a log.</summary>
    public static string Heartbeat(ProgressSnapshot s)
    {
        string eta = Eta(s) is { Length: > 0 } text ? "  ETA " + text : "";
        return $"epoch {s.Epoch}/{s.Epochs}  batch {s.Step}/{s.Steps}  {Rate(s.ExamplesPerSecond)}  {Loss(s.Loss)}{eta}";
    }

    /// <summary>"epoch 0:12, run 2:34", or what of it is known.</summary>
    private static string Eta(ProgressSnapshot s) => string.Join(", ",
        new[] { s.EpochRemaining is { } e ? $"epoch {Duration(e)}" : "", s.RunRemaining is { } r ? $"run {Duration(r)}" : "" }.Where(t => t.Length > 0));

    /// <summary>"42s", "3:04", "1:02:03": minutes and seconds, hours once there are any.</summary>
    public static string Duration(TimeSpan t)
    {
        long seconds = (long)Math.Ceiling(Math.Max(0, t.TotalSeconds));
        return seconds < 60 ? $"{seconds}s"
            : seconds < 3600 ? $"{seconds / 60}:{seconds % 60:00}"
            : $"{seconds / 3600}:{seconds / 60 % 60:00}:{seconds % 60:00}";
    }

    private static string Gauge(ProgressSnapshot s, int width)
    {
        int filled = s.Steps > 0 ? (int)((long)width * s.Step / s.Steps) : 0;
        return new string('━', filled) + new string('─', width - filled);
    }

    private static string Loss(double loss) => $"loss {loss.ToString("F2", CultureInfo.InvariantCulture)}";

    private static string Rate(double examplesPerSecond) => $"{examplesPerSecond.ToString("N0", CultureInfo.InvariantCulture)} ex/s";
}
