using System.Globalization;
using System.Text;

namespace LatentSharp.Training;

/// <summary>
/// The per-epoch CSV log of a run (log.csv): one row per epoch, train_ and validation_ columns per metric (test_ columns
/// for a run from before validation splits, which scored the test split every epoch).
/// </summary>
public static class TrainingLog
{
    /// <summary>The log's file name in the run folder.</summary>
    public const string FileName = "log.csv";

    /// <summary>Writes one CSV row per epoch of <paramref name="history"/> to <paramref name="path"/> (nothing for an empty history).</summary>
    public static void Write(string path, IReadOnlyList<EpochReport> history)
    {
        if (history.Count == 0) return;
        var columns = new (string Prefix, Func<EpochReport, IReadOnlyDictionary<string, double>> Metrics)[]
        {
            ("train_", r => r.Train), ("validation_", r => r.Validation), ("test_", r => r.Test),
        }.Select(c => (c.Prefix, c.Metrics, Names: history.SelectMany(r => c.Metrics(r).Keys).Distinct().ToList())).ToList();
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(",", new[] { "epoch", "lr" }
            .Concat(columns.SelectMany(c => c.Names.Select(n => c.Prefix + n)))
            .Concat(["active_units", "seconds", "examples_per_second"])));
        foreach (EpochReport r in history)
        {
            var cells = new List<string> { r.Epoch.ToString(CultureInfo.InvariantCulture), F(r.LearningRate) };
            foreach (var (_, metrics, names) in columns) cells.AddRange(names.Select(n => F(metrics(r).GetValueOrDefault(n, double.NaN))));
            cells.Add(r.ActiveUnits.ToString(CultureInfo.InvariantCulture));
            cells.Add(F(r.Seconds));
            cells.Add(F(r.ExamplesPerSecond));
            csv.AppendLine(string.Join(",", cells));
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }

    private static string F(double v) => v.ToString("G7", CultureInfo.InvariantCulture);
}
