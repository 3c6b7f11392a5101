namespace LatentSharp.Kernels;

/// <summary>How many cores the engine's parallel kernels may use. Results do not depend on it.</summary>
public static class Threading
{
    private static int _maxThreads = Environment.ProcessorCount;

    /// <summary>The most threads a kernel splits its work over (default: the processor count); setting it below 1 throws <see cref="ArgumentOutOfRangeException"/>.</summary>
    /// <remarks>It may be set while another thread's kernels run: a kernel reads it once per call and hands each part its
    /// share (as <see cref="WorkerPool.RunRanges"/> does), never working a part's range out again from it.</remarks>
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
