using System.CommandLine;
using LatentSharp.Distributed;
using LatentSharp.Kernels;

namespace LatentSharp.Cli;

/// <summary>How a command joins the MPI job it was launched in by mpirun or srun (nothing is loaded otherwise), and its thread count.</summary>
internal static class MpiJob
{
    /// <summary>
    /// The job's communicator, or null when the process runs alone; sets the engine's threads: --threads when given, else
    /// the cores shared among the ranks of this machine.
    /// </summary>
    public static ICommunicator? Join(ParseResult parse, Option<int> threads)
    {
        ICommunicator? ranks = Communicator.FromEnvironment();
        bool given = parse.GetResult(threads) is { Implicit: false };
        Threading.MaxThreads = ranks is null || given ? parse.GetValue(threads) : Math.Max(1, Environment.ProcessorCount / RanksOnThisMachine(ranks));
        return ranks;
    }

    /// <summary>Where rank 0 writes its console output; the other ranks stay silent.</summary>
    public static TextWriter Console(ICommunicator? ranks, TextWriter output) => ranks is null || ranks.IsRoot() ? output : TextWriter.Null;

    private static int RanksOnThisMachine(ICommunicator ranks) =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), out int local) && local > 0 ? local : ranks.Size;
}
