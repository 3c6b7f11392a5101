namespace LatentSharp.Distributed;

/// <summary>
/// The few collective operations data-parallel training and sharded evaluation need, over the ranks of one job.
/// Every rank calls each operation in the same order with buffers of the same length; the results are the same on every rank.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's rank, 0 ≤ Rank &lt; Size; rank 0 writes the files of a run.</summary>
    int Rank { get; }

    /// <summary>N, the number of ranks.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by their element-wise sum over the ranks.</summary>
    void AllReduceSum(Span<float> values);

    /// <summary>Replaces <paramref name="values"/> on every rank by their element-wise sum over the ranks.</summary>
    void AllReduceSum(Span<double> values);

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> to every rank.</summary>
    void Broadcast(Span<float> values, int root);

    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();
}

/// <summary>Helpers over <see cref="ICommunicator"/>.</summary>
public static class Communicator
{
    /// <summary>True on the rank that writes files and talks to the user.</summary>
    public static bool IsRoot(this ICommunicator communicator) => communicator.Rank == 0;

    /// <summary>True on every rank when <paramref name="condition"/> holds on any rank: a decision every rank takes together.</summary>
    public static bool Any(this ICommunicator communicator, bool condition)
    {
        Span<double> flag = [condition ? 1 : 0];
        communicator.AllReduceSum(flag);
        return flag[0] > 0;
    }

    /// <summary>The rows [Start, Start + Count) of <paramref name="rows"/> that rank <paramref name="rank"/> of <paramref name="size"/> takes: contiguous, in rank order, sizes differing by at most one.</summary>
    public static (int Start, int Count) Shard(int rows, int rank, int size)
    {
        int start = (int)((long)rows * rank / size), end = (int)((long)rows * (rank + 1) / size);
        return (start, end - start);
    }

    /// <summary>The communicator of the MPI job this process was launched in by mpirun or srun, or null when it was launched alone (then no MPI library is loaded).</summary>
    public static ICommunicator? FromEnvironment() => MpiCommunicator.IsLaunchedByMpi() ? MpiCommunicator.Initialize() : null;
}
