using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Kernels;

// Im2Col.Stride2Vectorized is process-wide: these run alone, with the GEMM tests.
[Collection(nameof(GemmTests))]
public class Im2ColStride2Tests
{
    // C, H, W, kh, kw, padding, tap mask (0: all) for stride 2: the conv VAE's k4 p1 layers (7, 14 and 28 columns), odd
    // widths, rows of 1 and 2 outputs, padding past the kernel's half, and masks with taps left out.
    public static TheoryData<int, int, int, int, int, int, ulong> Geometries => new()
    {
        { 32, 14, 14, 4, 4, 1, 0UL },
        { 1, 28, 28, 4, 4, 1, 0UL },
        { 3, 56, 56, 4, 4, 1, 0UL },
        { 2, 7, 6, 3, 3, 1, 0UL },
        { 3, 37, 41, 4, 3, 1, 0UL },
        { 2, 20, 35, 5, 5, 2, 0UL },
        { 1, 4, 4, 3, 3, 3, 0UL },
        { 2, 3, 2, 2, 2, 0, 0UL },
        { 2, 9, 33, 1, 1, 0, 0UL },
        { 2, 11, 19, 3, 3, 1, 0b101_010_001UL },
        { 1, 15, 17, 4, 4, 1, 0b1000_0110_0000_1001UL },
    };

    private static Im2ColGeometry Geometry(int c, int h, int w, int kh, int kw, int p, ulong mask) =>
        new(c, h, w, kh, kw, 2, p, Im2ColGeometry.OutputSize(h, kh, 2, p), Im2ColGeometry.OutputSize(w, kw, 2, p), mask);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Unfold_Stride2Vectorized_SameBitsAsScalarLoopsAndLeavesNeighboursAlone(int c, int h, int w, int kh, int kw, int p, ulong mask)
    {
        Im2ColGeometry g = Geometry(c, h, w, kh, kw, p, mask);
        // Three images side by side, as a chunk of the batch: the middle one's block between two others' blocks.
        var images = new float[3 * g.ImageLength];
        new Rng(7).FillUniform(images, -1f, 1f);
        int ld = 3 * g.Positions;
        float[] Unfold(bool vectorized)
        {
            var cols = new float[g.Rows * ld];
            Array.Fill(cols, float.NaN);
            for (int r = 0; r < g.Rows; r++)
            {
                cols.AsSpan(r * ld, g.Positions).Fill(-7f);
                cols.AsSpan(r * ld + 2 * g.Positions, g.Positions).Fill(-9f);
            }
            Im2Col.Stride2Vectorized = vectorized;
            try
            {
                Im2Col.Unfold(g, images.AsSpan(g.ImageLength, g.ImageLength), cols.AsSpan(g.Positions), ld);
            }
            finally
            {
                Im2Col.Stride2Vectorized = true;
            }
            return cols;
        }

        float[] scalar = Unfold(false), vector = Unfold(true);

        for (int r = 0; r < g.Rows; r++)
        {
            Assert.All(vector.AsSpan(r * ld, g.Positions).ToArray(), v => Assert.Equal(-7f, v));
            Assert.All(vector.AsSpan(r * ld + 2 * g.Positions, g.Positions).ToArray(), v => Assert.Equal(-9f, v));
        }
        Assert.DoesNotContain(vector, float.IsNaN);
        Assert.Equal(scalar, vector);
    }
}
