using System.Diagnostics;

namespace LatentSharp.Kernels;

/// <summary>
/// A few persistent background threads that run the parts of one parallel kernel call.
/// The caller runs part 0 itself; part i runs on worker i-1. No allocation per call: the body is a
/// function pointer and the state is a raw pointer to the caller's stack, which stays valid because
/// <see cref="Run"/> returns only after every part finished. Calls from several threads at once do not
/// queue up: whoever finds the pool busy runs its parts inline, one after another; so does a part that calls
/// <see cref="Run"/> again (a kernel split over images whose per-image products would split themselves).
/// </summary>
internal static unsafe class WorkerPool
{
    private static readonly object Gate = new();
    private static Worker[] _workers = [];

    /// <summary>Runs body(state, part) for part = 0..parts-1, in parallel where workers are free.</summary>
    public static void Run(int parts, delegate*<void*, int, void> body, void* state)
    {
        // The gate is reentrant, so the caller's own part 0 must check that it is not inside a call already.
        if (parts <= 1 || Monitor.IsEntered(Gate) || !Monitor.TryEnter(Gate))
        {
            for (int part = 0; part < parts; part++) body(state, part);
            return;
        }
        try
        {
            Worker[] workers = EnsureWorkers(parts - 1);
            for (int part = 1; part < parts; part++) workers[part - 1].Post(body, state, part);
            Exception? error = null;
            try { body(state, 0); }
            catch (Exception e) { error = e; }
            // The state lives on our stack: wait for every worker even when part 0 failed.
            for (int part = 1; part < parts; part++) error ??= workers[part - 1].Join();
            if (error is not null) throw new AggregateException("A parallel kernel part failed.", error);
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    /// <summary>
    /// Runs body(state, start, end) over [0, length) cut into one contiguous, non-empty range per thread, fewer when a range
    /// would hold less than <paramref name="minimumPerPart"/> items. Boundaries fall on multiples of
    /// <paramref name="alignment"/>: 64 for elements (the default), so that vector loops over the ranges see the same
    /// alignment as one loop over the whole; 1 for images or rows, where 64 would leave a batch's 10 images, or a layer's 32
    /// channels, all to one thread.
    /// </summary>
    public static void RunRanges(int length, int minimumPerPart, delegate*<void*, int, int, void> body, void* state, int alignment = 64)
    {
        if (alignment < 1 || (alignment & (alignment - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "The alignment is a power of two.");
        int parts = (int)Math.Clamp(length / Math.Max(1, minimumPerPart), 1, Math.Min(Threading.MaxThreads, Math.Max(1, length / alignment)));
        if (parts == 1)
        {
            body(state, 0, length);
            return;
        }
        var ranges = new Ranges { Body = body, State = state, Length = length, Parts = parts, Mask = ~(alignment - 1) };
        Run(parts, &RunRange, &ranges);
    }

    private struct Ranges
    {
        public delegate*<void*, int, int, void> Body;
        public void* State;
        public int Length, Parts, Mask;

        public readonly int Start(int part) => part >= Parts ? Length : (int)((long)Length * part / Parts) & Mask;
    }

    private static void RunRange(void* ranges, int part)
    {
        var r = (Ranges*)ranges;
        r->Body(r->State, r->Start(part), r->Start(part + 1));
    }

    private static Worker[] EnsureWorkers(int count)
    {
        if (_workers.Length >= count) return _workers;
        var grown = new Worker[count];
        Array.Copy(_workers, grown, _workers.Length);
        for (int i = _workers.Length; i < count; i++) grown[i] = new Worker(i + 1);
        _workers = grown;
        return grown;
    }

    private sealed class Worker
    {
        // How long an idle worker spins before it blocks: the kernel calls of a training step, with the caller's
        // single-threaded work between them (an optimizer step, a loss: ~0.5 ms each), then find it awake instead of
        // paying a wake-up per call, while an idle process does not burn a core for long. 200 µs was measured 14%
        // slower per VAE epoch.
        private static readonly long SpinTicks = Stopwatch.Frequency / 500; // 2 ms

        private readonly ManualResetEventSlim _wake = new(false, 1);
        private delegate*<void*, int, void> _body;
        private void* _state;
        private int _part;
        private Exception? _error;
        private volatile int _posted;   // sequence number of the last job handed over
        private volatile int _finished; // sequence number of the last job completed

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"LatentSharp kernel worker {index}" };
            thread.Start();
        }

        public void Post(delegate*<void*, int, void> body, void* state, int part)
        {
            _body = body;
            _state = state;
            _part = part;
            _error = null;
            _posted = _posted + 1; // volatile write publishes the fields above
            _wake.Set();
        }

        public Exception? Join()
        {
            int target = _posted;
            // The worker is on another core finishing its share: a busy wait returns soonest. Yielding to the OS (a
            // system call per round) only pays when the worker has lost its core, so it starts after the spin budget.
            long start = Stopwatch.GetTimestamp();
            while (_finished != target && Stopwatch.GetTimestamp() - start < SpinTicks) Thread.SpinWait(20);
            var spin = new SpinWait();
            while (_finished != target) spin.SpinOnce(sleep1Threshold: -1);
            return _error;
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                long start = Stopwatch.GetTimestamp();
                while (_posted == seen && Stopwatch.GetTimestamp() - start < SpinTicks) Thread.SpinWait(20);
                while (_posted == seen)
                {
                    _wake.Reset();
                    if (_posted != seen) break; // checked after Reset, so a later Set always wakes Wait
                    _wake.Wait();
                }
                seen = _posted;
                try { _body(_state, _part); }
                catch (Exception e) { _error = e; }
                _finished = seen;
            }
        }
    }
}
