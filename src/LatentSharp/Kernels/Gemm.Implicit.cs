using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentSharp.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// C[m,n] = alpha · op(A) · op(B) + beta · C with op(B) the column matrix <paramref name="b"/> [k = Rows, n = Columns],
    /// or its transpose [k = Columns, n = Rows] when <paramref name="transposeB"/>, packed straight from its phase planes.
    /// The products and their summation order are those of <see cref="Multiply(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// on the unfolded columns, to the bit, with the Vector512 kernel. Only on AVX-512 hardware (<see cref="ImplicitColumns.Supported"/>
    /// tells where the convolutions take this path).
    /// </summary>
    public static void Multiply(
        bool transposeA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        in ImplicitColumns b, bool transposeB, float beta, Span<float> c, int ldc)
    {
        // The hardware, not the forced path: a convolution whose forward kept planes still multiplies by them in its
        // backward pass if a test has forced another path in between.
        if (!Avx512F.IsSupported) throw new InvalidOperationException("Packing from phase planes needs AVX-512.");
        if (m < 0 || n < 0 || k < 0) ThrowNegativeSize(m, n, k);
        if ((transposeB ? (b.Columns, b.Rows) : (b.Rows, b.Columns)) != (k, n))
            throw new ArgumentException($"The column matrix is [{b.Rows}, {b.Columns}], op(B) must be [{k}, {n}] (transposed: {transposeB}).", nameof(b));
        if (m == 0 || n == 0) return;
        CheckOperand(a.Length, transposeA ? k : m, transposeA ? m : k, lda, "a");
        CheckOperand(c.Length, m, n, ldc, "c");

        ImplicitColumns columns = b;
        fixed (float* pa = a)
        fixed (float* pc = c)
        {
            if (k == 0 || alpha == 0f)
            {
                ScaleC(pc, m, n, ldc, beta);
                return;
            }
            // The lane plans of every 16 columns the packers will read: a panel's plans serve every K slice (PackPlanes), a
            // slice's serve every panel of rows (PackPlanesTransposed). The slicing is Run's.
            (int kSlices, int kcStep) = SliceK(k, Kernel8x32.KC);
            int plansPerSlice = (kcStep + 15) / 16;
            LanePlan* plans = PlanCache.Get(&columns, transposeB, k, n, kSlices, kcStep, plansPerSlice);
            var job = new Job
            {
                A = pa, C = pc, Lda = lda, Ldc = ldc, Implicit = &columns, Plans = plans, PlansPerSlice = plansPerSlice,
                M = m, N = n, K = k, TransposeA = transposeA, TransposeB = transposeB,
                Alpha = alpha, Beta = beta, Path = GemmPath.Vector512,
            };
            Run<Kernel8x32>(&job);
        }
    }

    /// <summary>Packs op(B)[p0:p0+kc, j0:j0+nc] into micro-panels of nr columns, from memory or from phase planes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackBOf(Job* job, int p0, int kc, int j0, int nc, int nr, float* dst)
    {
        if (job->Implicit is null) PackB(job->TransposeB, job->B, job->Ldb, p0, kc, j0, nc, nr, dst);
        else if (job->TransposeB) PackPlanesTransposed(job->Implicit, job->Plans + p0 / job->KcStep * job->PlansPerSlice, kc, j0, nc, dst);
        else PackPlanes(job->Implicit, job->Plans, p0, kc, j0, nc, dst);
    }

    /// <summary>
    /// The lane plans of the calling thread's recent column matrices. Every training step multiplies by the same shapes,
    /// and their plans (some 8,000 for a conv VAE's step, built on the calling core before the GEMM is shared out) cost
    /// about 1.3 ms to build; so each table is made once and kept, up to <see cref="MaxCachedPlans"/> plans in all. A
    /// larger table is made for its call only.
    /// </summary>
    /// <remarks>A plan depends on the geometry and the number of images only, through the position offsets of
    /// <see cref="ImplicitColumns.Offsets"/>, which every <see cref="ImplicitColumns"/> carries.</remarks>
    private static class PlanCache
    {
        internal const int MaxCachedPlans = 1 << 14;

        private readonly record struct Key(Im2ColGeometry Geometry, int Images, bool Transposed, int K, int N);

        [ThreadStatic] private static Dictionary<Key, LanePlan[]>? _tables;
        [ThreadStatic] private static int _cachedPlans;
        [ThreadStatic] private static LanePlan[]? _uncached;

        public static LanePlan* Get(ImplicitColumns* columns, bool transposeB, int k, int n, int kSlices, int kcStep, int plansPerSlice)
        {
            var key = new Key(columns->Geometry, columns->Images, transposeB, k, n);
            _tables ??= [];
            if (!_tables.TryGetValue(key, out LanePlan[]? table))
            {
                int count = transposeB ? kSlices * plansPerSlice : (n + 15) / 16;
                if (count <= MaxCachedPlans)
                {
                    if (_cachedPlans + count > MaxCachedPlans)
                    {
                        _tables.Clear();
                        _cachedPlans = 0;
                    }
                    table = GC.AllocateUninitializedArray<LanePlan>(count, pinned: true);
                    _tables[key] = table;
                    _cachedPlans += count;
                }
                else
                {
                    if (_uncached is null || _uncached.Length < count) _uncached = GC.AllocateUninitializedArray<LanePlan>(count, pinned: true);
                    table = _uncached;
                }
                fixed (LanePlan* plans = table)
                {
                    if (transposeB)
                    {
                        for (int s = 0; s < kSlices; s++)
                        {
                            int p0 = s * kcStep, kc = Math.Min(kcStep, k - p0);
                            for (int g = 0; g < kc; g += 16) plans[s * plansPerSlice + g / 16] = new LanePlan(columns, p0 + g, Math.Min(16, kc - g));
                        }
                    }
                    else
                    {
                        for (int j = 0; j < n; j += 16) plans[j / 16] = new LanePlan(columns, j, Math.Min(16, n - j));
                    }
                }
            }
            return (LanePlan*)Unsafe.AsPointer(ref table[0]);
        }
    }

    /// <summary>
    /// Where 16 consecutive columns of the column matrix read the planes: lane l reads planes[Address(l) + row offset].
    /// The addresses rise with l, so the lanes fall into at most a few runs of 32 floats: one or two such windows are
    /// loaded as whole vectors and permuted into the lanes; more (tiny maps, several images in 16 columns) go lane by lane.
    /// </summary>
    private struct LanePlan
    {
        public int First, Second;           // each window's first address
        public Vector512<int> FirstIndex, SecondIndex;
        public Vector512<float> FromFirst;  // all ones in lanes taken from the first window
        public Vector512<float> Valid;      // all ones in lanes inside the matrix
        public int Kind;                    // 1 or 2 windows, or 0: lane by lane
        public bool Partial;                // some lanes lie past the matrix's last column
        public fixed int Address[16];

        public LanePlan(ImplicitColumns* b, int column, int count)
        {
            int p = b->Geometry.Positions;
            int image = column / p, position = column - image * p;
            Vector512<int> first = default, second = default, inFirst = default, valid = default;
            int* pFirst = (int*)&first, pSecond = (int*)&second, pInFirst = (int*)&inFirst, pValid = (int*)&valid;
            First = Second = 0;
            Kind = 1;
            for (int l = 0; l < count; l++)
            {
                int address = image * b->ImageStride + b->PositionOffsets[position];
                if (++position == p) { position = 0; image++; }
                Address[l] = address;
                pValid[l] = -1;
                if (l == 0) First = address;
                if (Kind == 1 && address - First < 32) { pFirst[l] = address - First; pInFirst[l] = -1; continue; }
                if (Kind == 1) { Kind = 2; Second = address; }
                if (Kind == 2 && address - Second < 32) { pSecond[l] = address - Second; continue; }
                Kind = 0;
            }
            for (int l = count; l < 16; l++)
            {
                Address[l] = First;   // read, then zeroed by Valid
                pInFirst[l] = -1;
            }
            FirstIndex = first;
            SecondIndex = second;
            FromFirst = inFirst.AsSingle();
            Valid = valid.AsSingle();
            Partial = count < 16;
        }

        /// <summary>The 16 lanes of the row whose planes start at <paramref name="row"/> (0 in lanes past the matrix).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector512<float> Read(float* row) => Kind == 0 ? ReadLanes(row) : ReadWindows(row);

        /// <summary>
        /// <see cref="Read"/> where <see cref="Kind"/> is not 0. The packers' loops call only this (a loop that may call
        /// <see cref="ReadLanes"/> keeps its vectors in memory across the call): they test the kind once, outside.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector512<float> ReadWindows(float* row)
        {
            Vector512<float> v = Avx512F.PermuteVar16x32x2(Vector512.Load(row + First), FirstIndex, Vector512.Load(row + First + 16));
            if (Kind == 2)
            {
                Vector512<float> w = Avx512F.PermuteVar16x32x2(Vector512.Load(row + Second), SecondIndex, Vector512.Load(row + Second + 16));
                v = Vector512.ConditionalSelect(FromFirst, v, w);
            }
            return Partial ? v & Valid : v;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private readonly Vector512<float> ReadLanes(float* row)
        {
            float* lanes = stackalloc float[16];
            for (int l = 0; l < 16; l++) lanes[l] = row[Address[l]];
            return Vector512.Load(lanes) & Valid;
        }
    }

    /// <summary>
    /// <see cref="PackB"/> of cols[p0:p0+kc, j0:j0+nc] (rows of the column matrix by its columns) from the planes, nr = 32:
    /// panel q row p is the 32 columns j0 + 32q + [0, 32) of row p0 + p, two 16-lane reads.
    /// </summary>
    private static void PackPlanes(ImplicitColumns* b, LanePlan* plans, int p0, int kc, int j0, int nc, float* dst)
    {
        const int nr = 32;
        int* rowOffsets = b->RowOffsets + p0;
        float* planes = b->Planes;
        LanePlan none = default;   // the upper half of a last panel of 16 columns or fewer: zeros
        none.Kind = 1;
        none.Partial = true;
        for (int jr = 0; jr < nc; jr += nr)
        {
            // j0 is a multiple of 32 (a whole number of panels before it), so each half's plan is one of the table's.
            ref LanePlan low = ref plans[(j0 + jr) / 16];
            ref LanePlan high = ref nc - jr > 16 ? ref plans[(j0 + jr) / 16 + 1] : ref none;
            float* d = dst + (nint)jr * kc;
            if (low.Kind != 0 && high.Kind != 0)
            {
                for (int p = 0; p < kc; p++, d += nr)
                {
                    float* row = planes + rowOffsets[p];
                    Vector512.Store(low.ReadWindows(row), d);
                    Vector512.Store(high.ReadWindows(row), d + 16);
                }
            }
            else
            {
                for (int p = 0; p < kc; p++, d += nr)
                {
                    float* row = planes + rowOffsets[p];
                    Vector512.Store(low.Read(row), d);
                    Vector512.Store(high.Read(row), d + 16);
                }
            }
        }
    }

    /// <summary>
    /// <see cref="PackB"/> of colsᵀ[p0:p0+kc, j0:j0+nc] (columns of the column matrix by its rows) from the planes, nr = 32,
    /// with the slice's lane plans (one per 16 columns from p0):
    /// 16 columns at a time, each of the panel's rows read as 16 lanes, then transposed in 8×8 blocks.
    /// </summary>
    private static void PackPlanesTransposed(ImplicitColumns* b, LanePlan* slicePlans, int kc, int j0, int nc, float* dst)
    {
        const int nr = 32;
        float* planes = b->Planes;
        Vector256<float>* partial = stackalloc Vector256<float>[8];   // a transposed block whose lanes run past kc
        for (int g = 0; g < kc; g += 16)
        {
            int count = Math.Min(16, kc - g);
            ref LanePlan plan = ref slicePlans[g / 16];
            // Two copies of the loop, the kind known in each: the one without ReadLanes keeps its vectors in registers.
            if (plan.Kind != 0) PackColumns(in plan, planes, b->RowOffsets + j0, nc, dst + (nint)g * nr, kc, count, partial, windows: true);
            else PackColumns(in plan, planes, b->RowOffsets + j0, nc, dst + (nint)g * nr, kc, count, partial, windows: false);
        }

        // The 16 columns of one plan, every panel of rows: each row read as 16 lanes, transposed in 8×8 blocks.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void PackColumns(in LanePlan plan, float* planes, int* rowOffsets0, int nc, float* dst, int kc, int count, Vector256<float>* partial, bool windows)
        {
            for (int jr = 0; jr < nc; jr += nr)
            {
                int rows = Math.Min(nr, nc - jr);
                int* rowOffsets = rowOffsets0 + jr;
                float* d = dst + (nint)jr * kc;
                for (int r8 = 0; r8 < nr; r8 += 8)
                {
                    Vector512<float> v0 = Read(plan, planes, rowOffsets, r8, rows, windows), v1 = Read(plan, planes, rowOffsets, r8 + 1, rows, windows);
                    Vector512<float> v2 = Read(plan, planes, rowOffsets, r8 + 2, rows, windows), v3 = Read(plan, planes, rowOffsets, r8 + 3, rows, windows);
                    Vector512<float> v4 = Read(plan, planes, rowOffsets, r8 + 4, rows, windows), v5 = Read(plan, planes, rowOffsets, r8 + 5, rows, windows);
                    Vector512<float> v6 = Read(plan, planes, rowOffsets, r8 + 6, rows, windows), v7 = Read(plan, planes, rowOffsets, r8 + 7, rows, windows);
                    StoreTransposed(v0.GetLower(), v1.GetLower(), v2.GetLower(), v3.GetLower(), v4.GetLower(), v5.GetLower(), v6.GetLower(), v7.GetLower(),
                        d + r8, Math.Min(8, count), partial);
                    if (count > 8)
                        StoreTransposed(v0.GetUpper(), v1.GetUpper(), v2.GetUpper(), v3.GetUpper(), v4.GetUpper(), v5.GetUpper(), v6.GetUpper(), v7.GetUpper(),
                            d + 8 * nr + r8, count - 8, partial);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<float> Read(in LanePlan plan, float* planes, int* rowOffsets, int r, int rows, bool windows) =>
            r >= rows ? Vector512<float>.Zero : windows ? plan.ReadWindows(planes + rowOffsets[r]) : plan.Read(planes + rowOffsets[r]);
    }

    /// <summary>
    /// The 8×8 block of rows r0..r7 (8 lanes each) transposed: lane l of every row to dst + l·32, for the first
    /// <paramref name="lanes"/> lanes (through <paramref name="partial"/>, 8 vectors of scratch, when not all 8).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTransposed(
        Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* dst, int lanes, Vector256<float>* partial)
    {
        const int nr = 32;
        Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        if (lanes == 8)
        {
            Vector256.Store(r0, dst); Vector256.Store(r1, dst + nr); Vector256.Store(r2, dst + 2 * nr); Vector256.Store(r3, dst + 3 * nr);
            Vector256.Store(r4, dst + 4 * nr); Vector256.Store(r5, dst + 5 * nr); Vector256.Store(r6, dst + 6 * nr); Vector256.Store(r7, dst + 7 * nr);
            return;
        }
        partial[0] = r0; partial[1] = r1; partial[2] = r2; partial[3] = r3; partial[4] = r4; partial[5] = r5; partial[6] = r6; partial[7] = r7;
        for (int l = 0; l < lanes; l++) Vector256.Store(partial[l], dst + l * nr);
    }
}
