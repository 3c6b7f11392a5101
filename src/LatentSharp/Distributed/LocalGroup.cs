namespace LatentSharp.Distributed;

/// <summary>
/// N ranks inside one process, one per thread, for tests and for emulating an N-rank job on one machine. Sums are taken in
/// rank order (((r0 + r1) + r2) …), which for two ranks is bit for bit what MPI gives.
/// </summary>
public sealed class LocalGroup
{
    private readonly Barrier _barrier;
    private readonly CancellationTokenSource _failed = new();   // a rank that threw releases the others from their waits
    private readonly float[]?[] _floats;
    private readonly double[]?[] _doubles;

    private LocalGroup(int size)
    {
        _barrier = new Barrier(size);
        _floats = new float[size][];
        _doubles = new double[size][];
        Ranks = [.. Enumerable.Range(0, size).Select(r => new Member(this, r))];
    }

    /// <summary>The communicators of the group's ranks; rank r's is Ranks[r].</summary>
    public IReadOnlyList<ICommunicator> Ranks { get; }

    /// <summary>A group of <paramref name="size"/> ranks.</summary>
    public static LocalGroup Create(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return new LocalGroup(size);
    }

    /// <summary>Runs <paramref name="body"/>(communicator) for every rank on a thread of its own and returns the results in rank order; a rank's exception is rethrown (the first by rank).</summary>
    public static T[] Run<T>(int size, Func<ICommunicator, T> body)
    {
        LocalGroup group = Create(size);
        var results = new T[size];
        var errors = new Exception?[size];
        Thread[] threads = [.. group.Ranks.Select(rank => new Thread(() =>
        {
            try { results[rank.Rank] = body(rank); }
            catch (Exception e) { errors[rank.Rank] = e; group._failed.Cancel(); }
        }, maxStackSize: 16 << 20))];
        foreach (Thread t in threads) t.Start();
        foreach (Thread t in threads) t.Join();
        if ((errors.FirstOrDefault(e => e is not null and not OperationCanceledException) ?? errors.FirstOrDefault(e => e is not null)) is { } error)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return results;
    }

    private void Wait() => _barrier.SignalAndWait(_failed.Token);

    private void Sum<T>(T[]?[] slots, int rank, Span<T> values) where T : struct, System.Numerics.IAdditionOperators<T, T, T>
    {
        slots[rank] = values.ToArray();
        Wait();
        var total = (T[])slots[0]!.Clone();
        for (int r = 1; r < slots.Length; r++)
            for (int i = 0; i < total.Length; i++) total[i] += slots[r]![i];
        Wait();   // everyone has read every slot before any is overwritten
        total.CopyTo(values);
    }

    private sealed class Member(LocalGroup group, int rank) : ICommunicator
    {
        public int Rank => rank;
        public int Size => group._floats.Length;
        public void AllReduceSum(Span<float> values) => group.Sum(group._floats, rank, values);
        public void AllReduceSum(Span<double> values) => group.Sum(group._doubles, rank, values);

        public void Broadcast(Span<float> values, int root)
        {
            if (rank == root) group._floats[root] = values.ToArray();
            group.Wait();
            group._floats[root]!.CopyTo(values);
            group.Wait();
        }

        public void Barrier() => group.Wait();

        public void Dispose()
        {
        }
    }
}
