using System.Runtime.ExceptionServices;

namespace LatentSharp.Tests;

/// <summary>Runs a reader on hostile input and fails when it hangs.</summary>
internal static class WithinTime
{
    /// <summary>Long enough for a loaded 2-core machine running the suite in parallel; a hang runs past any limit.</summary>
    public static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs <paramref name="work"/> on a thread of its own (not the thread pool, which the parallel tests may keep busy) and
    /// throws <see cref="TimeoutException"/> naming <paramref name="what"/> when it does not finish within <see cref="CaseLimit"/>.
    /// Returns its result, or the exception it threw.
    /// </summary>
    public static (T? Result, Exception? Error) Run<T>(Func<T> work, string what)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                error = e;
            }
        }) { IsBackground = true };
        thread.Start();
        if (!thread.Join(CaseLimit)) throw new TimeoutException($"{what} did not finish within {CaseLimit.TotalSeconds} s.");
        return (result, error);
    }

    /// <summary>Rethrows <paramref name="error"/> with its own stack trace when there is one.</summary>
    public static void Rethrow(Exception? error)
    {
        if (error is not null) ExceptionDispatchInfo.Throw(error);
    }
}
