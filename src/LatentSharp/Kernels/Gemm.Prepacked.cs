using System.Runtime.CompilerServices;

namespace LatentSharp.Kernels;

/// <summary>
/// op(B) of a product packed once, whole, in the layout the micro-kernel reads (every K slice, every panel of NR columns,
/// the last panel padded with zeros): for a matrix multiplied by many times unchanged, a fixed layer's weight, so that
/// each product skips packing it. <see cref="Gemm.Multiply(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int, ReadOnlySpan{float}, bool, PackedB?)"/>
/// uses it when it was packed for the path that runs and the product's K and N, and packs B itself otherwise.
/// </summary>
internal sealed class PackedB
{
    internal PackedB(GemmPath path, int k, int n, float[] data, long sliceStride)
    {
        Path = path;
        K = k;
        N = n;
        Data = data;
        SliceStride = sliceStride;
    }

    /// <summary>The micro-kernel path it is laid out for.</summary>
    public GemmPath Path { get; }

    /// <summary>op(B)'s rows (the product's K).</summary>
    public int K { get; }

    /// <summary>op(B)'s columns (the product's N).</summary>
    public int N { get; }

    /// <summary>The panels, K slice after K slice; pinned, so the products read it through a pointer.</summary>
    internal float[] Data { get; }

    /// <summary>Floats from one K slice's panels to the next's.</summary>
    internal long SliceStride { get; }

    /// <summary>Whether a product of this K and N on <paramref name="path"/> can read it.</summary>
    public bool Fits(GemmPath path, int k, int n) => path == Path && k == K && n == N;
}

internal static unsafe partial class Gemm
{
    /// <summary>op(B) [k, n] (B [n, k] when <paramref name="transposeB"/>) packed for the path <see cref="Resolve"/> picks now.</summary>
    public static PackedB Prepack(bool transposeB, int k, int n, ReadOnlySpan<float> b, int ldb)
    {
        if (k < 1 || n < 1) throw new ArgumentOutOfRangeException(nameof(k), $"A packed operand needs k and n of at least 1, got k={k}, n={n}.");
        CheckOperand(b.Length, transposeB ? n : k, transposeB ? k : n, ldb, "b");
        GemmPath path = Resolve();
        fixed (float* pb = b)
        {
            return path switch
            {
                GemmPath.Vector512 => PackWhole<Kernel8x32>(path, transposeB, k, n, pb, ldb),
                GemmPath.Vector256 => PackWhole<Kernel6x16>(path, transposeB, k, n, pb, ldb),
                _ => PackWhole<Kernel4x4>(path, transposeB, k, n, pb, ldb),
            };
        }
    }

    private static PackedB PackWhole<TKernel>(GemmPath path, bool transposeB, int k, int n, float* b, int ldb) where TKernel : struct, IMicroKernel
    {
        var (slices, step) = SliceK(k, TKernel.KC);
        long sliceStride = (long)((n + TKernel.NR - 1) / TKernel.NR) * TKernel.NR * step;
        float[] data = GC.AllocateUninitializedArray<float>(checked((int)(sliceStride * slices)), pinned: true);
        fixed (float* d = data)
        {
            for (int s = 0; s < slices; s++)
            {
                int pc = s * step;
                PackB(transposeB, b, ldb, pc, Math.Min(step, k - pc), 0, n, TKernel.NR, d + s * sliceStride);
            }
        }
        return new PackedB(path, k, n, data, sliceStride);
    }

    /// <summary>
    /// The packed panels of op(B)[pc:pc+kc, j0:j0+nc] (column j0+j at panel j/NR): read from the job's pre-packed B when it
    /// has one, else packed into <paramref name="packB"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* BPanels(Job* job, int pc, int kc, int j0, int nc, int nr, float* packB)
    {
        if (job->PackedB is not null) return job->PackedB + pc / job->KcStep * job->PackedSliceStride + (nint)j0 * kc;
        PackBOf(job, pc, kc, j0, nc, nr, packB);
        return packB;
    }
}
