using System.Runtime.InteropServices;

namespace LatentSharp.Bench;

/// <summary>Debian's OpenBLAS (libopenblas0-pthread), the peer for GEMM figures.</summary>
internal static unsafe partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    [LibraryImport(Library, EntryPoint = "cblas_sgemm")]
    private static partial void CblasSgemm(int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport(Library, EntryPoint = "openblas_set_num_threads")]
    public static partial void SetNumThreads(int threads);

    [LibraryImport(Library, EntryPoint = "openblas_get_corename")]
    private static partial nint GetCoreName();

    [LibraryImport(Library, EntryPoint = "openblas_get_config")]
    private static partial nint GetConfigPointer();

    public static string CoreName => Marshal.PtrToStringAnsi(GetCoreName()) ?? "?";
    public static string Config => Marshal.PtrToStringAnsi(GetConfigPointer()) ?? "?";

    public static void Sgemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        CblasSgemm(RowMajor, transposeA ? Trans : NoTrans, transposeB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
