using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Kernels;

// Gemm.ForcedPath and Threading.MaxThreads are process-wide: run these tests alone.
[CollectionDefinition(nameof(GemmTests), DisableParallelization = true)]
public sealed class GemmTestsCollection;

[Collection(nameof(GemmTests))]
public class GemmTests
{
    // Paths by vector width (GemmPath is internal, theory arguments must be public): 512, 256, 0 = scalar.
    public static TheoryData<int, int> WidthsAndThreads()
    {
        var data = new TheoryData<int, int>();
        foreach (int width in new[] { 512, 256, 0 })
            foreach (int threads in new[] { 1, 2 }) data.Add(width, threads);
        return data;
    }

    public static TheoryData<int> Widths() => new() { 512, 256, 0 };

    private static GemmPath PathOf(int width) => width switch
    {
        512 => GemmPath.Vector512,
        256 => GemmPath.Vector256,
        _ => GemmPath.Scalar,
    };

    // Awkward sizes: 1, 7, 31, 65, 127, 257 in every position, all four transposes, padded strides,
    // beta 0 over NaN garbage, beta 1 accumulation, a general alpha and beta.
    private static readonly Case[] AwkwardCases =
    [
        new(1, 1, 1, false, false, 1f, 0f, 0),
        new(7, 31, 65, false, false, 1f, 0f, 3),
        new(65, 7, 31, true, false, 0.5f, 1f, 0),
        new(31, 65, 7, false, true, -2f, 0f, 5),
        new(127, 65, 257, true, true, 1f, 1f, 1),
        new(257, 127, 31, false, true, 1.5f, -0.75f, 2),
        new(65, 257, 127, true, false, 1f, 0f, 7),
        new(7, 1, 257, true, true, 1f, 0f, 0),
        new(1, 257, 7, false, false, 1f, 1f, 0),
        new(33, 49, 600, false, true, 1f, 0f, 0), // k spans three equal K slices
        new(13, 7, 3000, true, false, 0.5f, -0.75f, 2), // a small result over 12 K slices: on two threads, slices apart
    ];

    // The VAE's training-step shapes (M, K, N): forward X·Wᵀ, backward dX = dY·W, dW = dYᵀ·X.
    private static readonly Case[] VaeCases =
    [
        new(128, 400, 784, false, true, 1f, 0f, 0),
        new(128, 784, 400, false, false, 1f, 1f, 0),
        new(784, 400, 128, true, false, 1f, 1f, 0),
    ];

    [Theory]
    [MemberData(nameof(WidthsAndThreads))]
    public void Multiply_AwkwardSizes_MatchesDoubleReference(int width, int threads)
    {
        GemmPath path = PathOf(width);
        foreach (Case c in AwkwardCases) Check(c, path, threads);
    }

    [Theory]
    [MemberData(nameof(WidthsAndThreads))]
    public void Multiply_VaeShapes_MatchesDoubleReference(int width, int threads)
    {
        GemmPath path = PathOf(width);
        if (path == GemmPath.Vector512 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            Check(VaeCases[0] with { M = 32 }, path, threads); // emulated Vector512 is slow: one reduced case
            return;
        }
        foreach (Case c in VaeCases) Check(c, path, threads);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Multiply_OneAndTwoThreads_AreBitwiseIdentical(int width)
    {
        GemmPath path = PathOf(width);
        bool emulated = path == GemmPath.Vector512 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
        // The last two: small results over a deep K, whose K slices the threads take in turn (a weight gradient's shape),
        // with beta 1 and a general alpha and beta over edge tiles.
        foreach (Case c in new[] { new Case(emulated ? 40 : 130, 300, emulated ? 70 : 250, false, true, 0.7f, 1f, 1), new Case(301, 96, 70, true, false, 1f, 0f, 0),
                     new Case(32, 16, emulated ? 1300 : 5000, false, true, 1f, 1f, 0), new Case(13, 7, 3000, true, false, 0.5f, -0.75f, 2) })
        {
            var (a, b, c0) = Operands(c, seed: 11);
            float[] one = Run(c, a, b, c0, path, threads: 1);
            float[] two = Run(c, a, b, c0, path, threads: 2);
            for (int i = 0; i < one.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(one[i]) == BitConverter.SingleToInt32Bits(two[i]), $"{c}: element {i} differs: {one[i]} vs {two[i]}");
        }
    }

    // A shared operand of fewer panels than threads but larger than 1 MB (a handful of rows over a deep K; the ReLU keeps the
    // threads from taking K slices apart): each thread packs both operands for its own range of the columns. One and two
    // threads give the same bits.
    [Theory]
    [MemberData(nameof(Widths))]
    public void Multiply_FewRowsOverADeepK_OwnPackingPerThread_OneAndTwoThreadsBitwiseIdentical(int width)
    {
        GemmPath path = PathOf(width);
        if (path == GemmPath.Vector512 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) return;   // emulated: too slow here
        const int m = 4, n = 64, k = 70_000;   // 4 rows: one panel on every path; 4·70,000 floats > 1 MB even on the scalar path
        var c = new Case(m, n, k, false, false, 1f, 0f, 0);
        var (a, b, c0) = Operands(c, seed: 17);
        float[] bias = [.. Enumerable.Range(0, n).Select(j => (j % 5 - 2) * 0.25f)];
        float[] OnThreads(int threads)
        {
            float[] result = (float[])c0.Clone();
            int savedThreads = Threading.MaxThreads;
            GemmPath savedPath = Gemm.ForcedPath;
            try
            {
                Threading.MaxThreads = threads;
                Gemm.ForcedPath = path;
                Gemm.Multiply(false, false, m, n, k, 1f, a, c.Lda, b, c.Ldb, 0f, result, c.Ldc, bias, relu: true);
            }
            finally
            {
                Threading.MaxThreads = savedThreads;
                Gemm.ForcedPath = savedPath;
            }
            return result;
        }
        float[] one = OnThreads(1), two = OnThreads(2);
        for (int i = 0; i < one.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(one[i]) == BitConverter.SingleToInt32Bits(two[i]), $"{path}: element {i} differs: {one[i]} vs {two[i]}");
        Assert.Contains(one, v => v > 0f);
        Assert.Contains(one, v => v == 0f);
    }

    // The last row and column panels run narrower kernels into a scratch tile; each of their sums must be the one a
    // full tile computes, to the bit, so a product does not depend on where its edges fall.
    [Theory]
    [MemberData(nameof(Widths))]
    public void Multiply_EdgeTiles_MatchFullTilesBitwise(int width)
    {
        GemmPath path = PathOf(width);
        const int bigM = 16, bigN = 64, k = 300;   // two K slices: the second one stores with beta 1
        var rng = new Rng(21);
        float[] a = new float[bigM * k], bt = new float[bigN * k], b = new float[k * bigN];
        for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextGaussian();
        for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextGaussian();
        for (int i = 0; i < bt.Length; i++) bt[i] = (float)rng.NextGaussian();
        GemmPath saved = Gemm.ForcedPath;
        try
        {
            Gemm.ForcedPath = path;
            foreach (bool transposeB in new[] { false, true })
            {
                float[] bOp = transposeB ? bt : b;
                int ldb = transposeB ? k : bigN;
                float[] full = new float[bigM * bigN];
                Gemm.Multiply(false, transposeB, bigM, bigN, k, 1.5f, a, k, bOp, ldb, 0f, full, bigN);
                foreach (int m in new[] { 10, 13 })
                {
                    foreach (int n in new[] { 40, 48 })
                    {
                        float[] part = new float[bigM * bigN];
                        Gemm.Multiply(false, transposeB, m, n, k, 1.5f, a, k, bOp, ldb, 0f, part, bigN);
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < n; j++)
                                Assert.True(BitConverter.SingleToInt32Bits(part[i * bigN + j]) == BitConverter.SingleToInt32Bits(full[i * bigN + j]),
                                    $"{path}, transposeB {transposeB}, {m}x{n}: C[{i},{j}] = {part[i * bigN + j]}, full tile gives {full[i * bigN + j]}");
                    }
                }
            }
        }
        finally
        {
            Gemm.ForcedPath = saved;
        }
    }

    [Fact]
    public void Multiply_SteadyState_AllocatesNothing()
    {
        var c = new Case(128, 400, 784, false, true, 1f, 0f, 0);
        var (a, b, c0) = Operands(c, seed: 5);
        int saved = Threading.MaxThreads;
        try
        {
            Threading.MaxThreads = 2;
            Gemm.ForcedPath = GemmPath.Auto;
            for (int i = 0; i < 3; i++) Gemm.Multiply(c.TransposeA, c.TransposeB, c.M, c.N, c.K, c.Alpha, a, c.Lda, b, c.Ldb, c.Beta, c0, c.Ldc);
            // Process-wide count (the worker threads too); the test host allocates on its own threads now and then (more
            // often per call on a loaded machine), so a kernel that allocates nothing shows 0 in at least one of many
            // one-call attempts, while one that allocates per call shows it in every attempt.
            long fewest = long.MaxValue;
            for (int attempt = 0; attempt < 100 && fewest > 0; attempt++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                Gemm.Multiply(c.TransposeA, c.TransposeB, c.M, c.N, c.K, c.Alpha, a, c.Lda, b, c.Ldb, c.Beta, c0, c.Ldc);
                fewest = Math.Min(fewest, GC.GetTotalAllocatedBytes(precise: true) - before);
            }
            Assert.Equal(0, fewest);
        }
        finally
        {
            Threading.MaxThreads = saved;
        }
    }

    // The fused bias and ReLU: with beta 0, C filled with the bias rows, multiplied with beta 1, then max(·, 0), to the bit
    // (what Linear and Relu computed as separate passes); with beta ≠ 0, the double reference plus the bias, then max.
    // A NaN in A stays NaN through the ReLU; the padding between rows is never written.
    [Theory]
    [MemberData(nameof(WidthsAndThreads))]
    public void Multiply_BiasAndRelu_EqualTheBiasRowsThenMax(int width, int threads)
    {
        GemmPath path = PathOf(width);
        bool emulated = path == GemmPath.Vector512 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
        Case[] cases = emulated ? AwkwardCases[..4] : [.. AwkwardCases, new(300, 400, 784, false, true, 1f, 0f, 0)];
        foreach (Case c in cases)
        {
            var (a, b, c0) = Operands(c, seed: c.M * 13 + c.N + c.K);
            a[(c.M / 2) * (c.TransposeA ? 1 : c.Lda)] = float.NaN;   // row M/2 (its first term) is NaN
            var rng = new Rng(5);
            float[] bias = new float[c.N];
            for (int j = 0; j < c.N; j++) bias[j] = (float)rng.NextGaussian();
            foreach (bool relu in new[] { false, true })
            {
                float[] fused = (float[])c0.Clone();
                int savedThreads = Threading.MaxThreads;
                GemmPath savedPath = Gemm.ForcedPath;
                try
                {
                    Threading.MaxThreads = threads;
                    Gemm.ForcedPath = path;
                    Gemm.Multiply(c.TransposeA, c.TransposeB, c.M, c.N, c.K, c.Alpha, a, c.Lda, b, c.Ldb, c.Beta, fused, c.Ldc, bias, relu);
                    if (c.Beta == 0f)
                    {
                        float[] apart = (float[])c0.Clone();
                        for (int i = 0; i < c.M; i++) bias.CopyTo(apart, i * c.Ldc);
                        Gemm.Multiply(c.TransposeA, c.TransposeB, c.M, c.N, c.K, c.Alpha, a, c.Lda, b, c.Ldb, 1f, apart, c.Ldc);
                        if (relu)
                            for (int i = 0; i < c.M; i++)
                                System.Numerics.Tensors.TensorPrimitives.Max(apart.AsSpan(i * c.Ldc, c.N), 0f, apart.AsSpan(i * c.Ldc, c.N));
                        for (int i = 0; i < fused.Length; i++)
                            Assert.True(BitConverter.SingleToInt32Bits(fused[i]) == BitConverter.SingleToInt32Bits(apart[i]) || (float.IsNaN(fused[i]) && float.IsNaN(apart[i])),
                                $"{path}, {threads} threads, {c}, relu {relu}: element {i} is {fused[i]}, apart {apart[i]}");
                    }
                    else
                    {
                        double[] reference = Reference(c, a, b, c0);
                        double tolerance = 1e-4 * Math.Sqrt(c.K) * 25 * Math.Abs(c.Alpha) + 1e-5;
                        for (int i = 0; i < c.M; i++)
                        {
                            for (int j = 0; j < c.N; j++)
                            {
                                double expected = reference[i * c.N + j] + bias[j];
                                if (relu) expected = double.IsNaN(expected) ? expected : Math.Max(expected, 0);
                                double got = fused[i * c.Ldc + j];
                                Assert.True(double.IsNaN(expected) ? double.IsNaN(got) : Math.Abs(got - expected) <= tolerance,
                                    $"{path}, {threads} threads, {c}, relu {relu}: C[{i},{j}] = {got}, expected {expected}");
                            }
                        }
                    }
                    for (int i = 0; i < c.M; i++)
                        for (int j = c.N; j < c.Ldc; j++)
                            Assert.True(BitConverter.SingleToInt32Bits(fused[i * c.Ldc + j]) == BitConverter.SingleToInt32Bits(c0[i * c.Ldc + j]), $"{path}, {c}: padding C[{i},{j}] was written");
                    Assert.True(float.IsNaN(fused[(c.M / 2) * c.Ldc]), $"{path}, {c}, relu {relu}: the NaN row lost its NaN");
                }
                finally
                {
                    Threading.MaxThreads = savedThreads;
                    Gemm.ForcedPath = savedPath;
                }
            }
        }
    }

    // C's rows shared out on request give the bits of the product shared out along its longer side, on two and four threads:
    // the awkward cases, and a weight gradient's shape (gᵀ · x: 400 × 784 over a batch of 128, N > M, so the product alone
    // would share out the columns).
    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(0)]
    public void MultiplyByRows_GivesTheBitsOfMultiply(int width)
    {
        GemmPath path = PathOf(width);
        bool emulated = path == GemmPath.Vector512 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
        Case[] cases = emulated ? AwkwardCases[..4] : [.. AwkwardCases, new(400, 784, 128, true, false, 1f, 0f, 0), new(400, 784, 128, true, false, 1f, 1f, 3)];
        int savedThreads = Threading.MaxThreads;
        GemmPath savedPath = Gemm.ForcedPath;
        try
        {
            Gemm.ForcedPath = path;
            foreach (int threads in new[] { 2, 4 })
            {
                Threading.MaxThreads = threads;
                foreach (Case c in cases)
                {
                    var (a, b, c0) = Operands(c, seed: c.M * 7 + c.N + c.K);
                    float[] expected = (float[])c0.Clone(), byRows = (float[])c0.Clone();
                    Gemm.Multiply(c.TransposeA, c.TransposeB, c.M, c.N, c.K, c.Alpha, a, c.Lda, b, c.Ldb, c.Beta, expected, c.Ldc);
                    Gemm.MultiplyByRows(c.TransposeA, c.TransposeB, c.M, c.N, c.K, c.Alpha, a, c.Lda, b, c.Ldb, c.Beta, byRows, c.Ldc);
                    for (int i = 0; i < expected.Length; i++)
                        Assert.True(BitConverter.SingleToInt32Bits(byRows[i]) == BitConverter.SingleToInt32Bits(expected[i]),
                            $"{path}, {threads} threads, {c}: element {i} is {byRows[i]}, {expected[i]} shared out along the longer side");
                }
            }
        }
        finally
        {
            Threading.MaxThreads = savedThreads;
            Gemm.ForcedPath = savedPath;
        }
    }

    // A pre-packed B gives the bits of B packed by the product, on every way the product shares out its work: one thread,
    // rows shared with B shared (M > N), columns shared (N > M, B's panels read chunk by chunk), K of several slices, both
    // layouts of B; and a pre-packed B of other sizes is not used.
    [Theory]
    [MemberData(nameof(WidthsAndThreads))]
    public void Multiply_PrepackedB_SameBitsAsPackingIt(int width, int threads)
    {
        GemmPath path = PathOf(width);
        bool emulated = path == GemmPath.Vector512 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
        Case[] cases = emulated
            ? [new(9, 40, 70, false, true, 1f, 0f, 0)]
            : [new(300, 400, 600, false, true, 1f, 0f, 0), new(7, 300, 520, false, true, 1f, 0f, 3), new(130, 65, 257, true, false, 0.5f, 1f, 1), new(3, 1, 5, false, false, 1f, 0f, 0)];
        int savedThreads = Threading.MaxThreads;
        GemmPath savedPath = Gemm.ForcedPath;
        try
        {
            Threading.MaxThreads = threads;
            Gemm.ForcedPath = path;
            foreach (Case c in cases)
            {
                var (a, b, c0) = Operands(c, seed: 17);
                float[] expected = Multiply(c, a, b, c0);
                PackedB packed = Gemm.Prepack(c.TransposeB, c.K, c.N, b, c.Ldb);
                Assert.True(packed.Fits(path, c.K, c.N));
                float[] actual = (float[])c0.Clone();
                Gemm.Multiply(c.TransposeA, c.TransposeB, c.M, c.N, c.K, c.Alpha, a, c.Lda, b, c.Ldb, c.Beta, actual, c.Ldc, default, relu: false, packed);
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{path}, {threads} threads, {c}: element {i} is {actual[i]}, packed by the product {expected[i]}");
            }
            // Packed for K − 1: it does not fit, and the product packs B itself.
            Case d = cases[0];
            var (a2, b2, c2) = Operands(d, seed: 18);
            PackedB other = Gemm.Prepack(d.TransposeB, d.K - 1, d.N, b2, d.Ldb);
            Assert.False(other.Fits(path, d.K, d.N));
            float[] withOther = (float[])c2.Clone();
            Gemm.Multiply(d.TransposeA, d.TransposeB, d.M, d.N, d.K, d.Alpha, a2, d.Lda, b2, d.Ldb, d.Beta, withOther, d.Ldc, default, relu: false, other);
            Assert.Equal(Multiply(d, a2, b2, c2), withOther);
        }
        finally
        {
            Threading.MaxThreads = savedThreads;
            Gemm.ForcedPath = savedPath;
        }
    }

    [Fact]
    public void Multiply_ZeroK_AddsTheBiasAndAppliesRelu()
    {
        float[] c = [1f, -2f, 3f, -4f];
        Gemm.Multiply(false, false, 2, 2, 0, 1f, [], 1, [], 2, 1f, c, 2, [0.5f, 1f], relu: true);
        Assert.Equal(new[] { 1.5f, 0f, 3.5f, 0f }, c);
    }

    [Fact]
    public void Multiply_ShortBias_ThrowsWithSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 3, 2, 1f, new float[4], 2, new float[6], 3, 0f, new float[6], 3, new float[2], relu: false));
        Assert.Contains("holds 2", e.Message);
    }

    [Fact]
    public void Multiply_ShortSpan_ThrowsWithSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 2, 1f, new float[3], 2, new float[4], 2, 0f, new float[4], 2));
        Assert.Contains("at least 4", e.Message);
    }

    [Fact]
    public void Multiply_ZeroK_ScalesC()
    {
        float[] c = [1f, float.NaN, 3f, 4f];
        Gemm.Multiply(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0f, c, 2);
        Assert.Equal(new float[4], c);
        c = [1f, 2f, 3f, 4f];
        Gemm.Multiply(false, false, 2, 2, 0, 1f, [], 1, [], 2, 2f, c, 2);
        Assert.Equal(new[] { 2f, 4f, 6f, 8f }, c);
    }

    internal readonly record struct Case(int M, int N, int K, bool TransposeA, bool TransposeB, float Alpha, float Beta, int Pad)
    {
        public int Lda => (TransposeA ? M : K) + Pad;
        public int Ldb => (TransposeB ? K : N) + Pad;
        public int Ldc => N + Pad;
        public int ALength => (TransposeA ? K : M) * Lda;
        public int BLength => (TransposeB ? N : K) * Ldb;
        public int CLength => M * Ldc;
    }

    // Double-accumulated references, computed once per case and shared by every path and thread count.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Case, double[]> References = new();

    private static void Check(Case c, GemmPath path, int threads)
    {
        var (a, b, c0) = Operands(c, seed: c.M * 31 + c.N * 7 + c.K);
        float[] actual = Run(c, a, b, c0, path, threads);
        double[] reference = References.GetOrAdd(c, _ => Reference(c, a, b, c0));
        double maxA = a.Max(MathF.Abs), maxB = b.Max(MathF.Abs);
        double tolerance = 1e-4 * Math.Sqrt(c.K) * maxA * maxB * Math.Abs(c.Alpha) + 1e-6;
        for (int i = 0; i < c.M; i++)
        {
            for (int j = 0; j < c.N; j++)
            {
                double expected = reference[i * c.N + j], got = actual[i * c.Ldc + j];
                Assert.True(Math.Abs(got - expected) <= tolerance, $"{path}, {threads} threads, {c}: C[{i},{j}] = {got}, expected {expected} (tolerance {tolerance:g3})");
            }
            for (int j = c.N; j < c.Ldc; j++) // padding between rows is never written
                Assert.True(BitConverter.SingleToInt32Bits(actual[i * c.Ldc + j]) == BitConverter.SingleToInt32Bits(c0[i * c.Ldc + j]), $"{path}, {c}: padding C[{i},{j}] was written");
        }
    }

    private static double[] Reference(Case c, float[] a, float[] b, float[] c0)
    {
        var result = new double[c.M * c.N];
        for (int i = 0; i < c.M; i++)
        {
            for (int j = 0; j < c.N; j++)
            {
                double sum = 0;
                for (int p = 0; p < c.K; p++)
                {
                    double av = c.TransposeA ? a[p * c.Lda + i] : a[i * c.Lda + p];
                    double bv = c.TransposeB ? b[j * c.Ldb + p] : b[p * c.Ldb + j];
                    sum += av * bv;
                }
                result[i * c.N + j] = c.Alpha * sum + (c.Beta == 0f ? 0 : c.Beta * (double)c0[i * c.Ldc + j]);
            }
        }
        return result;
    }

    private static (float[] A, float[] B, float[] C) Operands(Case c, int seed)
    {
        var rng = new Rng((ulong)seed);
        float[] a = new float[c.ALength], b = new float[c.BLength], c0 = new float[c.CLength];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextGaussian());
        for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextGaussian());
        for (int i = 0; i < c0.Length; i++) c0[i] = c.Beta == 0f ? float.NaN : (float)rng.NextGaussian();
        return (a, b, c0);
    }

    private static float[] Run(Case c, float[] a, float[] b, float[] c0, GemmPath path, int threads)
    {
        int savedThreads = Threading.MaxThreads;
        GemmPath savedPath = Gemm.ForcedPath;
        try
        {
            Threading.MaxThreads = threads;
            Gemm.ForcedPath = path;
            return Multiply(c, a, b, c0);
        }
        finally
        {
            Threading.MaxThreads = savedThreads;
            Gemm.ForcedPath = savedPath;
        }
    }

    private static float[] Multiply(Case c, float[] a, float[] b, float[] c0)
    {
        float[] result = (float[])c0.Clone();
        Gemm.Multiply(c.TransposeA, c.TransposeB, c.M, c.N, c.K, c.Alpha, a, c.Lda, b, c.Ldb, c.Beta, result, c.Ldc);
        return result;
    }
}
