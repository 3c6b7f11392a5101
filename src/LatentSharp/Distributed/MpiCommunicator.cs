using System.Runtime.InteropServices;

namespace LatentSharp.Distributed;

/// <summary>
/// MPI_COMM_WORLD of Open MPI, bound at run time: libmpi is loaded only when the process was launched by mpirun or srun,
/// and its handles are the addresses of Open MPI's exported globals (ompi_mpi_comm_world, ompi_mpi_float, ompi_mpi_op_sum …),
/// resolved with <see cref="NativeLibrary.GetExport"/>. MPICH's integer handles are not supported.
/// </summary>
internal sealed unsafe class MpiCommunicator : ICommunicator
{
    private const int Success = 0;
    private static readonly string[] LibraryNames = ["libmpi.so.40", "libmpi.so"];
    private static readonly nint InPlace = 1;   // Open MPI's MPI_IN_PLACE

    private readonly delegate* unmanaged<nint, nint, int, nint, nint, nint, int> _allreduce;   // (send, recv, count, type, op, comm)
    private readonly delegate* unmanaged<nint, int, nint, int, nint, int> _bcast;             // (buffer, count, type, root, comm)
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly nint _world, _float, _double, _sum;
    private bool _disposed;

    private MpiCommunicator(nint library)
    {
        var init = (delegate* unmanaged<int*, nint*, int>)Export(library, "MPI_Init");
        var initialized = (delegate* unmanaged<int*, int>)Export(library, "MPI_Initialized");
        var commRank = (delegate* unmanaged<nint, int*, int>)Export(library, "MPI_Comm_rank");
        var commSize = (delegate* unmanaged<nint, int*, int>)Export(library, "MPI_Comm_size");
        _allreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, int>)Export(library, "MPI_Allreduce");
        _bcast = (delegate* unmanaged<nint, int, nint, int, nint, int>)Export(library, "MPI_Bcast");
        _barrier = (delegate* unmanaged<nint, int>)Export(library, "MPI_Barrier");
        _finalize = (delegate* unmanaged<int>)Export(library, "MPI_Finalize");
        _world = Export(library, "ompi_mpi_comm_world");
        _float = Export(library, "ompi_mpi_float");
        _double = Export(library, "ompi_mpi_double");
        _sum = Export(library, "ompi_mpi_op_sum");

        int done, rank, size;
        Check(initialized(&done), "MPI_Initialized");
        if (done == 0) Check(init(null, null), "MPI_Init");
        Check(commRank(_world, &rank), "MPI_Comm_rank");
        Check(commSize(_world, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
    }

    public int Rank { get; }

    public int Size { get; }

    /// <summary>True when mpirun (Open MPI) or a PMI launcher such as srun started this process.</summary>
    public static bool IsLaunchedByMpi() =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null || Environment.GetEnvironmentVariable("PMI_SIZE") is not null;

    /// <summary>Loads libmpi and initializes MPI; one line saying how to install Open MPI when it is not there.</summary>
    public static MpiCommunicator Initialize(IEnumerable<string>? libraryNames = null)
    {
        foreach (string name in libraryNames ?? LibraryNames)
            if (NativeLibrary.TryLoad(name, out nint library))
                return new MpiCommunicator(library);
        throw new MpiLibraryNotFoundException(
            $"This process was launched by mpirun, but the Open MPI library ({string.Join(" or ", libraryNames ?? LibraryNames)}) could not be loaded: install Open MPI (Debian: apt-get install openmpi-bin).");
    }

    public void AllReduceSum(Span<float> values)
    {
        fixed (float* p = values) Check(_allreduce(InPlace, (nint)p, values.Length, _float, _sum, _world), "MPI_Allreduce");
    }

    public void AllReduceSum(Span<double> values)
    {
        fixed (double* p = values) Check(_allreduce(InPlace, (nint)p, values.Length, _double, _sum, _world), "MPI_Allreduce");
    }

    public void Broadcast(Span<float> values, int root)
    {
        fixed (float* p = values) Check(_bcast((nint)p, values.Length, _float, root, _world), "MPI_Bcast");
    }

    public void Barrier() => Check(_barrier(_world), "MPI_Barrier");

    /// <summary>MPI_Finalize: every rank calls it once, at the end.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _finalize();
    }

    private static nint Export(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out nint address) ? address
            : throw new MpiLibraryNotFoundException($"The loaded MPI library has no {name}: it is not Open MPI; install Open MPI (Debian: apt-get install openmpi-bin).");

    // Open MPI's default error handler aborts the job before a code is returned; this is for handlers set to return.
    private static void Check(int code, string call)
    {
        if (code != Success) throw new InvalidOperationException($"{call} failed with MPI error code {code}.");
    }
}

/// <summary>The process was launched by mpirun but no usable Open MPI library was found.</summary>
public sealed class MpiLibraryNotFoundException(string message) : LatentSharpException(message);
