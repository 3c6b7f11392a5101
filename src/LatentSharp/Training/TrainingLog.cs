using System.Globalization;
using System.Text;

namespace LatentSharp.Training;

/// <summary>The per-epoch CSV log of a run (log.csv): one row per epoch, train_/test_ columns per metric.</summary>
public static class TrainingLog
{
    public const string FileName = "log.csv";

    public static void Write(string path, IReadOnlyList<EpochReport> history)
    {
        if (history.Count == 0) return;
        var trainNames = history[0].Train.Keys.ToList();
        var testNames = history[0].Test.Keys.ToList();
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(",", new[] { "epoch", "lr" }
            .Concat(trainNames.Select(n => "train_" + n))
            .Concat(testNames.Select(n => "test_" + n))
            .Concat(["active_units", "seconds", "examples_per_second"])));
        foreach (EpochReport r in history)
        {
            var cells = new List<string> { r.Epoch.ToString(CultureInfo.InvariantCulture), F(r.LearningRate) };
            cells.AddRange(trainNames.Select(n => F(r.Train.GetValueOrDefault(n, double.NaN))));
            cells.AddRange(testNames.Select(n => F(r.Test.GetValueOrDefault(n, double.NaN))));
            cells.Add(r.ActiveUnits.ToString(CultureInfo.InvariantCulture));
            cells.Add(F(r.Seconds));
            cells.Add(F(r.ExamplesPerSecond));
            csv.AppendLine(string.Join(",", cells));
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }

    private static string F(double v) => v.ToString("G7", CultureInfo.InvariantCulture);
}
