namespace LatentSharp.Models;

/// <summary>Per-example quantities summed over the batches of an epoch (in double), reported as means.</summary>
public sealed class MetricSums
{
    private readonly Dictionary<string, double> _sums = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public long Examples { get; private set; }

    public void Add(string name, double sum)
    {
        if (!_sums.ContainsKey(name)) _order.Add(name);
        _sums[name] = _sums.GetValueOrDefault(name) + sum;
    }

    public void AddExamples(int count) => Examples += count;

    public IReadOnlyList<string> Names => _order;

    public double Mean(string name) => Examples == 0 ? double.NaN : _sums.GetValueOrDefault(name) / Examples;

    public IReadOnlyDictionary<string, double> Means() => _order.ToDictionary(n => n, Mean);
}
