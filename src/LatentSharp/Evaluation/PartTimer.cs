using System.Diagnostics;

namespace LatentSharp.Evaluation;

/// <summary>Wall-clock seconds per named part of an evaluation, in the order the parts first ran.</summary>
internal sealed class PartTimer
{
    private readonly Dictionary<string, double> _seconds = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, double> Seconds => _seconds;

    /// <summary>Runs <paramref name="work"/> and adds its seconds to <paramref name="part"/>.</summary>
    public T Time<T>(string part, Func<T> work)
    {
        var clock = Stopwatch.StartNew();
        T result = work();
        _seconds[part] = _seconds.GetValueOrDefault(part) + clock.Elapsed.TotalSeconds;
        return result;
    }
}
