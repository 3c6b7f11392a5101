namespace LatentSharp.Kernels;

/// <summary>How many cores the engine's parallel kernels may use. Results do not depend on it.</summary>
public static class Threading
{
    private static int _maxThreads = Environment.ProcessorCount;

    public static int MaxThreads
    {
        get => _maxThreads;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "The thread count must be at least 1.");
            _maxThreads = value;
        }
    }
}
