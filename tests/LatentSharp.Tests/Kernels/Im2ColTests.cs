using System.Numerics;
using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Kernels;

public class Im2ColTests
{
    // C, H, W, kh, kw, stride, padding: odd sizes, kernels wider than tall, padding as large as the kernel, stride 3.
    public static TheoryData<int, int, int, int, int, int, int> Geometries => new()
    {
        { 1, 1, 1, 1, 1, 1, 0 },
        { 1, 5, 5, 3, 3, 1, 1 },
        { 2, 7, 6, 3, 3, 2, 1 },
        { 3, 7, 7, 4, 4, 2, 1 },
        { 2, 9, 5, 2, 3, 3, 0 },
        { 1, 4, 4, 3, 3, 1, 3 },
        { 3, 8, 11, 5, 1, 2, 2 },
        { 2, 2, 3, 4, 5, 1, 2 },
        { 1, 31, 17, 7, 7, 4, 3 },
        { 3, 6, 5, 1, 1, 1, 0 },
        { 2, 6, 7, 3, 3, 1, 1 },
        { 2, 28, 28, 4, 4, 2, 1 },   // stride-2 folds of tap pairs: 8 + 4 + 2 columns
        { 1, 37, 41, 4, 3, 2, 1 },   // 21 columns: 16 + 4 + 1, and a tap without a partner
        { 2, 20, 35, 5, 5, 2, 2 },
    };

    private static Im2ColGeometry Geometry(int c, int h, int w, int kh, int kw, int s, int p) =>
        new(c, h, w, kh, kw, s, p, Im2ColGeometry.OutputSize(h, kh, s, p), Im2ColGeometry.OutputSize(w, kw, s, p));

    /// <summary>The definition, one entry at a time: cols[(c·kh+i)·kw+j, oy·Wo+ox] = image[c, oy·s−p+i, ox·s−p+j] or 0.</summary>
    private static float NaiveEntry(in Im2ColGeometry g, float[] image, int row, int q)
    {
        int c = row / (g.Kh * g.Kw), i = row / g.Kw % g.Kh, j = row % g.Kw;
        int y = q / g.OutWidth * g.Stride - g.Padding + i, x = q % g.OutWidth * g.Stride - g.Padding + j;
        return y < 0 || y >= g.Height || x < 0 || x >= g.Width ? 0f : image[(c * g.Height + y) * g.Width + x];
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Unfold_IntoBlockOfWiderMatrix_MatchesDefinitionAndLeavesNeighboursAlone(int c, int h, int w, int kh, int kw, int s, int p)
    {
        Im2ColGeometry g = Geometry(c, h, w, kh, kw, s, p);
        Assert.True(g.Positions > 0);
        var image = new float[g.ImageLength];
        new Rng(1).FillUniform(image, -1f, 1f);
        // The block sits at column offset 3 of a matrix 3 + P + 2 wide, pre-filled with NaN where it must write.
        int offset = 3, ld = g.Positions + 5;
        var cols = new float[g.Rows * ld];
        Array.Fill(cols, -7f);
        for (int r = 0; r < g.Rows; r++) cols.AsSpan(r * ld + offset, g.Positions).Fill(float.NaN);

        Im2Col.Unfold(g, image, cols.AsSpan(offset), ld);

        for (int r = 0; r < g.Rows; r++)
        for (int q = 0; q < ld; q++)
        {
            bool inside = q >= offset && q < offset + g.Positions;
            float expected = inside ? NaiveEntry(g, image, r, q - offset) : -7f;
            Assert.Equal(expected, cols[r * ld + q]);
        }
    }

    [Theory]
    [InlineData(0b000_011_111UL, 1)]   // a PixelCNN 3x3 type B mask, "same" padding
    [InlineData(0b101_010_001UL, 2)]   // scattered taps, stride 2
    public void Unfold_WithTapMask_KeepsExactlyTheRowsOfThoseTaps(ulong tapMask, int s)
    {
        Im2ColGeometry full = Geometry(2, 7, 6, 3, 3, s, 1), masked = full with { TapMask = tapMask };
        var image = new float[full.ImageLength];
        new Rng(2).FillUniform(image, -1f, 1f);
        var all = new float[full.Rows * full.Positions];
        var some = new float[masked.Rows * masked.Positions];
        Im2Col.Unfold(full, image, all, full.Positions);
        Im2Col.Unfold(masked, image, some, masked.Positions);

        int taps = BitOperations.PopCount(tapMask), row = 0;
        Assert.Equal(2 * taps, masked.Rows);
        for (int c = 0; c < 2; c++)
        for (int tap = 0; tap < 9; tap++)
        {
            if ((tapMask >> tap & 1) == 0) continue;
            Assert.Equal(all.AsSpan((c * 9 + tap) * full.Positions, full.Positions).ToArray(), some.AsSpan(row * masked.Positions, masked.Positions).ToArray());
            row++;
        }

        // FoldAdd with the same mask is Unfold's adjoint: <Unfold(x), y> = <x, FoldAdd(y)>.
        var y = new float[some.Length];
        new Rng(3).FillUniform(y, -1f, 1f);
        var folded = new float[image.Length];
        Im2Col.FoldAdd(masked, y, masked.Positions, folded);
        double left = 0, right = 0;
        for (int i = 0; i < y.Length; i++) left += (double)some[i] * y[i];
        for (int i = 0; i < image.Length; i++) right += (double)image[i] * folded[i];
        Assert.Equal(left, right, 4);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void FoldAdd_MatchesNaiveScatterAndAccumulates(int c, int h, int w, int kh, int kw, int s, int p)
    {
        Im2ColGeometry g = Geometry(c, h, w, kh, kw, s, p);
        int ld = g.Positions + 2;
        var cols = new float[g.Rows * ld];
        new Rng(2).FillUniform(cols, -1f, 1f);
        var image = new float[g.ImageLength];
        new Rng(3).FillUniform(image, -1f, 1f);

        var expected = Array.ConvertAll(image, v => (double)v);
        for (int r = 0; r < g.Rows; r++)
        for (int q = 0; q < g.Positions; q++)
        {
            int ch = r / (g.Kh * g.Kw), i = r / g.Kw % g.Kh, j = r % g.Kw;
            int y = q / g.OutWidth * g.Stride - g.Padding + i, x = q % g.OutWidth * g.Stride - g.Padding + j;
            if (y >= 0 && y < g.Height && x >= 0 && x < g.Width) expected[(ch * g.Height + y) * g.Width + x] += cols[r * ld + q];
        }

        Im2Col.FoldAdd(g, cols, ld, image);

        for (int t = 0; t < image.Length; t++) Assert.True(Math.Abs(expected[t] - image[t]) <= 1e-5, $"pixel {t}: {image[t]} vs {expected[t]}");
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void FoldAdd_IsAdjointOfUnfold(int c, int h, int w, int kh, int kw, int s, int p)
    {
        // <Unfold(x), y> = <x, Fold(y)> exactly up to float rounding.
        Im2ColGeometry g = Geometry(c, h, w, kh, kw, s, p);
        var x = new float[g.ImageLength];
        var y = new float[g.Rows * g.Positions];
        new Rng(4).FillUniform(x, -1f, 1f);
        new Rng(5).FillUniform(y, -1f, 1f);
        var ux = new float[y.Length];
        var fy = new float[x.Length];
        Im2Col.Unfold(g, x, ux, g.Positions);
        Im2Col.FoldAdd(g, y, g.Positions, fy);
        double left = 0, right = 0;
        for (int t = 0; t < y.Length; t++) left += (double)ux[t] * y[t];
        for (int t = 0; t < x.Length; t++) right += (double)x[t] * fy[t];
        Assert.True(Math.Abs(left - right) <= 1e-4 * Math.Max(1, Math.Abs(left)), $"{left} vs {right}");
    }

    public static TheoryData<int, int, int, int, int, int, int, ulong> FoldGeometries()
    {
        var data = new TheoryData<int, int, int, int, int, int, int, ulong>();
        foreach (var row in Geometries) data.Add((int)row[0], (int)row[1], (int)row[2], (int)row[3], (int)row[4], (int)row[5], (int)row[6], 0UL);
        data.Add(2, 9, 9, 3, 3, 1, 1, 0b000_011_111UL);   // a PixelCNN type B mask
        data.Add(2, 11, 10, 3, 3, 2, 1, 0b101_010_001UL);  // scattered taps, stride 2
        data.Add(3, 14, 14, 4, 4, 2, 1, 0b1010_0101_1010_0101UL);
        data.Add(2, 7, 40, 3, 5, 1, 2, 0UL);               // three blocks of 16 columns, the last of 8
        return data;
    }

    [Theory]
    [MemberData(nameof(FoldGeometries))]
    public void FoldAdd_RowByRow_EqualsTheFoldTapByTap_BitForBit(int c, int h, int w, int kh, int kw, int s, int p, ulong tapMask)
    {
        Im2ColGeometry g = Geometry(c, h, w, kh, kw, s, p) with { TapMask = tapMask };
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            // Without AVX-512 every fold goes tap by tap.
            Assert.Null(FoldPlan.For(g, g.Positions));
            return;
        }
        Assert.NotNull(FoldPlan.For(g, g.Positions));
        foreach (int images in new[] { 1, 3 })
        {
            int ld = images * g.Positions;
            // Exactly as long as the matrix: the last image's last rows take the reads that must stop at its end.
            var cols = new float[(g.Rows - 1) * ld + images * g.Positions];
            new Rng(6).FillUniform(cols, -1f, 1f);
            for (int b = 0; b < images; b++)
            {
                var byTaps = new float[g.ImageLength];
                var byRows = new float[g.ImageLength];
                Im2Col.FoldAddByTaps(g, cols.AsSpan(b * g.Positions), ld, byTaps);
                Im2Col.FoldAdd(g, cols.AsSpan(b * g.Positions), ld, byRows);
                for (int t = 0; t < byTaps.Length; t++)
                    Assert.True(BitConverter.SingleToInt32Bits(byTaps[t]) == BitConverter.SingleToInt32Bits(byRows[t]),
                        $"image {b} of {images}, pixel {t}: {byRows[t]} vs {byTaps[t]}");
            }
        }
    }

    [Fact]
    public void FoldPlan_IsKeptPerGeometryAndColumnStride_NotRemadeWhenChunksAlternate()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return;   // no plans: every fold goes tap by tap
        // A layer's chunks of 10 images and its last one of 8, and a second layer: a training step's folds, in turn.
        Im2ColGeometry a = Geometry(32, 14, 14, 4, 4, 2, 1), b = Geometry(1, 28, 28, 4, 4, 2, 1);
        FoldPlan? first = FoldPlan.For(a, 10 * a.Positions), last = FoldPlan.For(a, 8 * a.Positions), other = FoldPlan.For(b, 83 * b.Positions);
        Assert.NotNull(first);
        Assert.NotSame(first, last);
        for (int step = 0; step < 3; step++)
        {
            Assert.Same(first, FoldPlan.For(a, 10 * a.Positions));
            Assert.Same(last, FoldPlan.For(a, 8 * a.Positions));
            Assert.Same(other, FoldPlan.For(b, 83 * b.Positions));
        }
    }

    [Fact]
    public void UnfoldAndFold_ShortSpans_ThrowInsteadOfReadingPastThem()
    {
        Im2ColGeometry g = Geometry(2, 5, 5, 3, 3, 1, 1);
        var image = new float[g.ImageLength];
        var cols = new float[g.Rows * g.Positions];
        Assert.Throws<ArgumentException>(() => Im2Col.Unfold(g, image.AsSpan(1), cols, g.Positions));
        Assert.Throws<ArgumentException>(() => Im2Col.Unfold(g, image, cols.AsSpan(1), g.Positions));
        Assert.Throws<ArgumentException>(() => Im2Col.Unfold(g, image, cols, g.Positions - 1));
        Assert.Throws<ArgumentException>(() => Im2Col.FoldAdd(g, cols, g.Positions + 1, image));
        Assert.Throws<ArgumentException>(() => Im2Col.FoldAdd(g, cols, g.Positions, image.AsSpan(1)));
    }

    [Theory]
    [InlineData(7, 3, 1, 0, 5)]
    [InlineData(7, 3, 2, 1, 4)]
    [InlineData(2, 3, 1, 0, 0)]
    [InlineData(1, 4, 2, 1, 0)]
    [InlineData(4, 4, 2, 1, 2)]
    public void OutputSize_IsFloorFormulaOrZero(int size, int kernel, int stride, int padding, int expected) =>
        Assert.Equal(expected, Im2ColGeometry.OutputSize(size, kernel, stride, padding));
}
