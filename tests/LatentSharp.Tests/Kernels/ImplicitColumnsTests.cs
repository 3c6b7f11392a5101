using System.Runtime.Intrinsics.X86;
using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Kernels;

// Threading.MaxThreads is process-wide: these run alone, with the GEMM tests.
[Collection(nameof(GemmTests))]
public class ImplicitColumnsTests
{
    // C, H, W, kh, kw, stride, padding, tap mask (0: all): the conv VAE's 4×4 stride-2 layers, stride 1 and 3, windows
    // past the image, maps wider than the vector fill (W > 32, planes wider than 16), maps so small that 16 columns span
    // several images (read lane by lane), and masked convolutions' taps.
    public static TheoryData<int, int, int, int, int, int, int, ulong> Geometries => new()
    {
        { 32, 14, 14, 4, 4, 2, 1, 0UL },
        { 1, 28, 28, 4, 4, 2, 1, 0UL },
        { 3, 5, 7, 3, 3, 1, 1, 0UL },
        { 2, 9, 8, 3, 3, 2, 0, 0UL },
        { 2, 11, 13, 5, 5, 3, 2, 0UL },
        { 4, 6, 6, 2, 2, 2, 0, 0UL },
        { 4, 4, 4, 2, 2, 2, 0, 0UL },
        { 2, 3, 3, 3, 3, 1, 1, 0UL },
        { 1, 2, 2, 1, 1, 1, 0, 0UL },
        { 2, 40, 37, 3, 3, 1, 1, 0UL },
        { 2, 31, 31, 4, 4, 2, 1, 0UL },
        { 3, 12, 10, 5, 5, 1, 2, 0b00000_00000_00011_11111_11111UL },
        { 2, 11, 19, 3, 3, 2, 1, 0b101_010_001UL },
    };

    private static Im2ColGeometry Geometry(int c, int h, int w, int kh, int kw, int s, int p, ulong mask) =>
        new(c, h, w, kh, kw, s, p, Im2ColGeometry.OutputSize(h, kh, s, p), Im2ColGeometry.OutputSize(w, kw, s, p), mask);

    /// <summary>The explicit column matrix [Rows, images·P] of the images, image after image.</summary>
    private static float[] Unfold(in Im2ColGeometry g, float[] images, int count)
    {
        int ld = count * g.Positions;
        var cols = new float[g.Rows * ld];
        for (int b = 0; b < count; b++)
            Im2Col.Unfold(g, images.AsSpan(b * g.ImageLength, g.ImageLength), cols.AsSpan(b * g.Positions), ld);
        return cols;
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public unsafe void Multiply_FromPhasePlanes_SameBitsAsTheUnfoldedColumns(int c, int h, int w, int kh, int kw, int s, int p, ulong mask)
    {
        if (!ImplicitColumns.Supported)
        {
            // Without AVX-512 the convolutions never take this path; the GEMM refuses it instead of guessing.
            Assert.False(Avx512F.IsSupported && Gemm.Resolve() == GemmPath.Vector512);
            if (!Avx512F.IsSupported)
                Assert.Throws<InvalidOperationException>(() => Gemm.Multiply(false, 1, 1, 1, 1f, new float[1], 1, default, false, 0f, new float[1], 1));
            return;
        }
        Im2ColGeometry g = Geometry(c, h, w, kh, kw, s, p, mask);
        const int images = 5;
        var rng = new Rng(11);
        var x = new float[images * g.ImageLength];
        rng.FillUniform(x, -1f, 1f);
        float[] cols = Unfold(g, x, images);
        int k = g.Rows, n = images * g.Positions;

        // The planes' buffer starts as NaN, slack included: every value that reaches the product must have been written
        // by Fill; what the whole-vector loads read beyond it must land only in lanes the permutes drop.
        var planes = new float[ImplicitColumns.PlanesLength(g, images)];
        Array.Fill(planes, float.NaN);
        ImplicitColumns.Fill(g, x, images, planes);
        var rowOffsets = new int[k];
        var positionOffsets = new int[g.Positions];
        ImplicitColumns.Offsets(g, rowOffsets, positionOffsets);

        int saved = Threading.MaxThreads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            foreach (int m in new[] { 13, 64 })
            {
                Threading.MaxThreads = threads;
                fixed (float* pPlanes = planes)
                fixed (int* pRows = rowOffsets, pPositions = positionOffsets)
                {
                    var implicitColumns = new ImplicitColumns(g, images, pPlanes, pRows, pPositions);

                    // Forward orientation: C [m, n] = A [m, k] · cols [k, n]
                    var a = new float[m * k];
                    rng.FillUniform(a, -1f, 1f);
                    var expected = new float[m * n];
                    var actual = new float[m * n];
                    Gemm.Multiply(false, false, m, n, k, 1f, a, k, cols, n, 0f, expected, n);
                    Gemm.Multiply(false, m, n, k, 1f, a, k, implicitColumns, false, 0f, actual, n);
                    Assert.Equal(expected, actual);

                    // Weight-gradient orientation: C [m, k] (+)= G [m, n] · colsᵀ [n, k]
                    var gt = new float[m * n];
                    rng.FillUniform(gt, -1f, 1f);
                    var expectedW = new float[m * k];
                    rng.FillUniform(expectedW, -1f, 1f);
                    var actualW = (float[])expectedW.Clone();
                    Gemm.Multiply(false, true, m, k, n, 0.5f, gt, n, cols, n, 1f, expectedW, k);
                    Gemm.Multiply(false, m, k, n, 0.5f, gt, n, implicitColumns, true, 1f, actualW, k);
                    Assert.Equal(expectedW, actualW);
                }
            }
        }
        finally
        {
            Threading.MaxThreads = saved;
        }
    }

    [Fact]
    public unsafe void Multiply_OperandOfAnotherShape_IsRefused()
    {
        if (!ImplicitColumns.Supported) return;
        Im2ColGeometry g = Geometry(2, 6, 6, 3, 3, 1, 1, 0UL);
        var planes = new float[ImplicitColumns.PlanesLength(g, 1)];
        var rowOffsets = new int[g.Rows];
        var positionOffsets = new int[g.Positions];
        fixed (float* pPlanes = planes)
        fixed (int* pRows = rowOffsets, pPositions = positionOffsets)
        {
            var columns = new ImplicitColumns(g, 1, pPlanes, pRows, pPositions);
            var error = Assert.Throws<ArgumentException>(() =>
                Gemm.Multiply(false, 4, g.Positions, g.Rows + 1, 1f, new float[4 * (g.Rows + 1)], g.Rows + 1, columns, false, 0f, new float[4 * g.Positions], g.Positions));
            Assert.Contains("[18, 36]", error.Message);
        }
    }
}
