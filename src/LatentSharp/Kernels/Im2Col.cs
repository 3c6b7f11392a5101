using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentSharp.Kernels;

/// <summary>
/// The sizes of one im2col unfolding: an image [C, H, W] seen through a kh×kw window moved by
/// <see cref="Stride"/> over the image padded by <see cref="Padding"/> zeros on every side (dilation 1),
/// giving <see cref="OutHeight"/>×<see cref="OutWidth"/> window positions. <see cref="TapMask"/>, when not 0, has bit
/// i·kw + j set for each window position (tap) that is unfolded; the others are left out, as if their weights were
/// zero (masked convolutions). 0 unfolds every tap.
/// </summary>
internal readonly record struct Im2ColGeometry(
    int Channels, int Height, int Width, int Kh, int Kw, int Stride, int Padding, int OutHeight, int OutWidth, ulong TapMask = 0)
{
    /// <summary>Window positions unfolded per channel: all kh·kw, or those of <see cref="TapMask"/>.</summary>
    public int TapCount => TapMask == 0 ? Kh * Kw : BitOperations.PopCount(TapMask);

    /// <summary>Rows of the column matrix: C·<see cref="TapCount"/>.</summary>
    public int Rows => Channels * TapCount;

    /// <summary>The window position i·kw + j of the t-th unfolded tap (taps in ascending order).</summary>
    public int Tap(int t)
    {
        if (TapMask == 0) return t;
        ulong mask = TapMask;
        for (; t > 0; t--) mask &= mask - 1;   // drop the t lowest set bits
        return BitOperations.TrailingZeroCount(mask);
    }

    /// <summary>Columns of the column matrix for one image: Ho·Wo.</summary>
    public int Positions => OutHeight * OutWidth;

    /// <summary>Values in one image: C·H·W.</summary>
    public int ImageLength => Channels * Height * Width;

    /// <summary>Window positions along one axis, floor((size + 2·padding − kernel) / stride) + 1, or 0 if the window does not fit.</summary>
    public static int OutputSize(int size, int kernel, int stride, int padding)
    {
        int span = size + 2 * padding - kernel;
        return span < 0 ? 0 : span / stride + 1;
    }
}

/// <summary>
/// Unfolds an NCHW image into GEMM columns (<see cref="Unfold"/>) and folds columns back (<see cref="FoldAdd(in Im2ColGeometry, ReadOnlySpan{float}, int, Span{float})"/>, the adjoint).
/// One image [C, H, W] ↔ columns [C·T, Ho·Wo] for the T taps of the geometry: row r = c·T + t, with the t-th tap at
/// window position (i, j), and column q = ho·Wo + wo hold image[c, ho·stride − padding + i, wo·stride − padding + j], zero where
/// that falls outside the image. With all taps, r = (c·kh + i)·kw + j, the layout of a [O, C, kh, kw] weight.
/// The columns may be a block of a wider matrix (row stride <c>ldCols</c>), so that several images share one GEMM.
/// </summary>
internal static class Im2Col
{
    /// <summary>cols[r, q] = image[...] for one image: every entry of the [Rows, Positions] block is written.</summary>
    public static void Unfold(in Im2ColGeometry g, ReadOnlySpan<float> image, Span<float> cols, int ldCols)
    {
        CheckLengths(g, image.Length, cols.Length, ldCols);
        int ho = g.OutHeight, wo = g.OutWidth, s = g.Stride, width = g.Width, planeLength = g.Height * g.Width, taps = g.TapCount;
        ref float image0 = ref MemoryMarshal.GetReference(image);
        ref float cols0 = ref MemoryMarshal.GetReference(cols);
        for (int c = 0; c < g.Channels; c++)
        {
            ref float plane = ref Unsafe.Add(ref image0, c * planeLength);
            for (int t = 0; t < taps; t++)
            {
                int tap = g.Tap(t), i = tap / g.Kw, j = tap % g.Kw;
                // Output rows whose input row oy·s − p + i lies inside the image; the others are all padding.
                (int rowLo, int rowHi) = ValidRange(ho, g.Height, i - g.Padding, s);
                int offset = j - g.Padding;
                (int colLo, int colHi) = ValidRange(wo, width, offset, s);
                ref float dst = ref Unsafe.Add(ref cols0, (c * taps + t) * ldCols);
                Clear(ref dst, rowLo * wo);
                Clear(ref Unsafe.Add(ref dst, rowHi * wo), (ho - rowHi) * wo);
                if (s == 1 && offset == 0 && wo == width)
                {
                    // Whole rows, and consecutive ones (a 1x1 kernel, or the centre column of an unpadded-width window):
                    // one block copy. image[c, oy − p + i, ox] for oy in [rowLo, rowHi).
                    int count = (rowHi - rowLo) * wo;
                    if (count > 0)
                        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref plane, (rowLo + i - g.Padding) * width), count)
                            .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dst, rowLo * wo), count));
                    continue;
                }
                if (s == 2 && Stride2Vectorized && Avx2.IsSupported)
                {
                    UnfoldRowsStride2(ref Unsafe.Add(ref plane, (rowLo * 2 + i - g.Padding) * width), ref Unsafe.Add(ref dst, rowLo * wo),
                        rowHi - rowLo, width, offset, wo, (ho - rowLo) * wo);
                    Clear(ref Unsafe.Add(ref dst, rowHi * wo), (ho - rowHi) * wo);   // again: the last line's store may have run into it
                    continue;
                }
                for (int oy = rowLo; oy < rowHi; oy++)
                {
                    ref float line = ref Unsafe.Add(ref dst, oy * wo);
                    // src[ox·s] = image[c, oy·s − p + i, ox·s + offset], read only for ox in [colLo, colHi)
                    ref float src = ref Unsafe.Add(ref plane, (oy * s + i - g.Padding) * width + offset);
                    Clear(ref line, colLo);
                    if (s == 1)
                    {
                        if (colHi > colLo)
                            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref src, colLo), colHi - colLo)
                                .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref line, colLo), colHi - colLo));
                    }
                    else
                    {
                        for (int ox = colLo; ox < colHi; ox++) Unsafe.Add(ref line, ox) = Unsafe.Add(ref src, ox * s);
                    }
                    Clear(ref Unsafe.Add(ref line, colHi), wo - colHi);
                }
            }
        }
    }

    /// <summary>Off in tests, to compare the vector stride-2 unfold with the scalar loop it replaces.</summary>
    internal static bool Stride2Vectorized { get; set; } = true;

    // Lanes 0..7, for the masks of the row bounds.
    private static readonly Vector256<int> Lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);

    /// <summary>
    /// <paramref name="rows"/> output rows of one stride-2 tap: line[ox] = row[2·ox + offset] (0 where that falls outside
    /// [0, width)), for image rows 2·width apart and output lines wo apart. Eight outputs at a time: two masked loads of 16
    /// consecutive inputs (the lanes outside the row read as 0, so the padding needs no extra pass) and a shuffle that keeps
    /// the even ones. A store of 8 may run past its line into the next one, which is written later; a line whose store would
    /// pass <paramref name="writable"/> floats from the first line (the image's own block of this row) is written element by element.
    /// </summary>
    private static unsafe void UnfoldRowsStride2(ref float row, ref float line, int rows, int width, int offset, int wo, int writable)
    {
        Vector256<uint> limit = Vector256.Create((uint)width);
        fixed (float* firstRow = &row, firstLine = &line)
        {
            for (int r = 0; r < rows; r++)
            {
                float* src = firstRow + (nint)r * 2 * width, dst = firstLine + (nint)r * wo;
                int ox = 0;
                for (; ox < wo && r * wo + ox + 8 <= writable; ox += 8)
                {
                    int at = 2 * ox + offset;
                    Vector256<float> low = Avx.MaskLoad(src + at, InRow(at, limit)), high = Avx.MaskLoad(src + at + 8, InRow(at + 8, limit));
                    // [l0 l2 h0 h2 | l4 l6 h4 h6] → [l0 l2 l4 l6 h0 h2 h4 h6]
                    Vector256<float> even = Avx.Shuffle(low, high, 0b10_00_10_00);
                    Avx.Store(dst + ox, Avx2.Permute4x64(even.AsDouble(), 0b11_01_10_00).AsSingle());
                }
                for (; ox < wo; ox++)
                {
                    int x = 2 * ox + offset;
                    dst[ox] = (uint)x < (uint)width ? src[x] : 0f;
                }
            }
        }
    }

    /// <summary>The load mask of the 8 inputs from <paramref name="at"/>: all bits set where 0 ≤ at + lane &lt; width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> InRow(int at, Vector256<uint> width) =>
        Vector256.LessThan((Vector256.Create(at) + Lanes).AsUInt32(), width).AsSingle();

    /// <summary>image[...] += cols[r, q]: the adjoint of <see cref="Unfold"/>; overlapping windows add up, padding is dropped.</summary>
    /// <remarks>Each pixel adds its terms in ascending tap order on every path; with a <see cref="FoldPlan"/> (AVX-512) they
    /// are summed in a register first and then added to the pixel, which is the same sum to the bit when the image starts at zero.</remarks>
    public static void FoldAdd(in Im2ColGeometry g, ReadOnlySpan<float> cols, int ldCols, Span<float> image)
    {
        FoldPlan? plan = FoldPlan.For(g, ldCols);
        if (plan is null) FoldAddByTaps(g, cols, ldCols, image);
        else plan.FoldAdd(cols, image);
    }

    /// <summary>The fold tap by tap: each tap's window positions added into the image rows they reach.</summary>
    internal static void FoldAddByTaps(in Im2ColGeometry g, ReadOnlySpan<float> cols, int ldCols, Span<float> image)
    {
        CheckLengths(g, image.Length, cols.Length, ldCols);
        int ho = g.OutHeight, wo = g.OutWidth, s = g.Stride, width = g.Width, planeLength = g.Height * g.Width, taps = g.TapCount;
        ref float image0 = ref MemoryMarshal.GetReference(image);
        ref float cols0 = ref MemoryMarshal.GetReference(cols);
        for (int c = 0; c < g.Channels; c++)
        {
            ref float plane = ref Unsafe.Add(ref image0, c * planeLength);
            for (int t = 0; t < taps; t++)
            {
                int tap = g.Tap(t), i = tap / g.Kw, j = tap % g.Kw;
                (int rowLo, int rowHi) = ValidRange(ho, g.Height, i - g.Padding, s);
                int offset = j - g.Padding;
                (int colLo, int colHi) = ValidRange(wo, width, offset, s);
                ref float src = ref Unsafe.Add(ref cols0, (c * taps + t) * ldCols);
                if (s == 2 && j + 1 < g.Kw && t + 1 < taps && g.Tap(t + 1) == tap + 1)
                {
                    // Taps j and j + 1 of a stride-2 window fill the even and odd columns of one run: add them interleaved.
                    if (rowHi > rowLo)
                        FoldPairStride2(ref Unsafe.Add(ref src, rowLo * wo), ref Unsafe.Add(ref src, ldCols + rowLo * wo),
                            ref Unsafe.Add(ref plane, (rowLo * 2 + i - g.Padding) * width), rowHi - rowLo, wo, width, offset);
                    t++;
                    continue;
                }
                if (s == 1 && offset == 0 && wo == width)
                {
                    // Whole, consecutive rows (as in Unfold): one block add.
                    int count = (rowHi - rowLo) * wo;
                    if (count > 0)
                    {
                        Span<float> to = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref plane, (rowLo + i - g.Padding) * width), count);
                        TensorPrimitives.Add(to, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref src, rowLo * wo), count), to);
                    }
                    continue;
                }
                for (int oy = rowLo; oy < rowHi; oy++)
                {
                    ref float line = ref Unsafe.Add(ref src, oy * wo);
                    ref float dst = ref Unsafe.Add(ref plane, (oy * s + i - g.Padding) * width + offset);
                    if (s == 1)
                    {
                        if (colHi > colLo)
                        {
                            Span<float> to = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dst, colLo), colHi - colLo);
                            TensorPrimitives.Add(to, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref line, colLo), colHi - colLo), to);
                        }
                    }
                    else
                    {
                        for (int ox = colLo; ox < colHi; ox++) Unsafe.Add(ref dst, ox * s) += Unsafe.Add(ref line, ox);
                    }
                }
            }
        }
    }

    /// <summary>
    /// A stride-2 fold of two neighbouring taps over <paramref name="rows"/> output rows (rows of a and b are wo apart, image
    /// rows 2·width apart): row[2·ox + offset] += a[ox] and row[2·ox + offset + 1] += b[ox], for the ox where the column
    /// lies inside the row (0 ≤ column &lt; width). Where both do, the pairs form one contiguous run, added 16 (then 8)
    /// columns at a time by interleaving a and b.
    /// </summary>
    private static void FoldPairStride2(ref float a, ref float b, ref float row, int rows, int wo, int width, int offset)
    {
        (int loA, int hiA) = ValidRange(wo, width, offset, 2);
        (int loB, int hiB) = ValidRange(wo, width, offset + 1, 2);
        int lo = Math.Max(loA, loB), hi = Math.Max(lo, Math.Min(hiA, hiB));
        for (int r = 0; r < rows; r++)
        {
            ref float ra = ref Unsafe.Add(ref a, r * wo);
            ref float rb = ref Unsafe.Add(ref b, r * wo);
            ref float line = ref Unsafe.Add(ref row, r * 2 * width);
            for (int ox = loA; ox < lo; ox++) Unsafe.Add(ref line, 2 * ox + offset) += Unsafe.Add(ref ra, ox);
            for (int ox = Math.Max(hi, loA); ox < hiA; ox++) Unsafe.Add(ref line, 2 * ox + offset) += Unsafe.Add(ref ra, ox);
            for (int ox = loB; ox < lo; ox++) Unsafe.Add(ref line, 2 * ox + offset + 1) += Unsafe.Add(ref rb, ox);
            for (int ox = Math.Max(hi, loB); ox < hiB; ox++) Unsafe.Add(ref line, 2 * ox + offset + 1) += Unsafe.Add(ref rb, ox);

            int x = lo;
            if (Avx.IsSupported)
            {
                for (; x + 8 <= hi; x += 8)
                {
                    Vector256<float> va = Vector256.LoadUnsafe(ref ra, (nuint)x), vb = Vector256.LoadUnsafe(ref rb, (nuint)x);
                    Vector256<float> low = Avx.UnpackLow(va, vb), high = Avx.UnpackHigh(va, vb);   // a0 b0 a1 b1 | a4 b4 a5 b5, a2 b2 a3 b3 | a6 b6 a7 b7
                    ref float to = ref Unsafe.Add(ref line, 2 * x + offset);
                    (Vector256.LoadUnsafe(ref to) + Avx.Permute2x128(low, high, 0x20)).StoreUnsafe(ref to);
                    (Vector256.LoadUnsafe(ref to, 8) + Avx.Permute2x128(low, high, 0x31)).StoreUnsafe(ref to, 8);
                }
            }
            if (Sse.IsSupported)
            {
                for (; x + 4 <= hi; x += 4)
                {
                    Vector128<float> va = Vector128.LoadUnsafe(ref ra, (nuint)x), vb = Vector128.LoadUnsafe(ref rb, (nuint)x);
                    ref float to = ref Unsafe.Add(ref line, 2 * x + offset);
                    (Vector128.LoadUnsafe(ref to) + Sse.UnpackLow(va, vb)).StoreUnsafe(ref to);
                    (Vector128.LoadUnsafe(ref to, 4) + Sse.UnpackHigh(va, vb)).StoreUnsafe(ref to, 4);
                }
            }
            for (; x < hi; x++)
            {
                Unsafe.Add(ref line, 2 * x + offset) += Unsafe.Add(ref ra, x);
                Unsafe.Add(ref line, 2 * x + offset + 1) += Unsafe.Add(ref rb, x);
            }
        }
    }

    /// <summary>The loops above index through refs without bounds checks, so the spans are checked once here.</summary>
    internal static void CheckLengths(in Im2ColGeometry g, int imageLength, int colsLength, int ldCols)
    {
        if (imageLength < g.ImageLength)
            throw new ArgumentException($"im2col: the image span holds {imageLength} values, geometry {g} needs {g.ImageLength}.");
        if (ldCols < g.Positions)
            throw new ArgumentException($"im2col: column row stride {ldCols} is less than the {g.Positions} positions of one image.");
        if (g.Rows > 0 && colsLength < (long)(g.Rows - 1) * ldCols + g.Positions)
            throw new ArgumentException($"im2col: the column span holds {colsLength} values, geometry {g} with row stride {ldCols} needs {(long)(g.Rows - 1) * ldCols + g.Positions}.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Clear(ref float start, int count)
    {
        if (count > 0) MemoryMarshal.CreateSpan(ref start, count).Clear();
    }

    /// <summary>The output indices o in [lo, hi) with 0 ≤ o·stride + offset &lt; inSize (empty ranges have lo = hi).</summary>
    private static (int Lo, int Hi) ValidRange(int outSize, int inSize, int offset, int stride)
    {
        int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = inSize - 1 - offset;   // o·stride ≤ last
        int hi = last < 0 ? 0 : Math.Min(outSize, last / stride + 1);
        lo = Math.Min(lo, outSize);
        return (lo, Math.Max(lo, hi));
    }
}
