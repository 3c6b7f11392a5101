namespace LatentSharp.Kernels;

/// <summary>How many cores the engine's parallel kernels may use. Results do not depend on it.</summary>
public static class Threading
{
    private static int _maxThreads = Environment.ProcessorCount;

    /// <summary>The most threads a kernel splits its work over (default: the processor count); setting it below 1 throws <see cref="ArgumentOutOfRangeException"/>.</summary>
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
