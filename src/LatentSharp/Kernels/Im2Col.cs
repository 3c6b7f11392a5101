using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
/// Unfolds an NCHW image into GEMM columns (<see cref="Unfold"/>) and folds columns back (<see cref="FoldAdd"/>, the adjoint).
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

    /// <summary>image[...] += cols[r, q]: the adjoint of <see cref="Unfold"/>; overlapping windows add up, padding is dropped.</summary>
    public static void FoldAdd(in Im2ColGeometry g, ReadOnlySpan<float> cols, int ldCols, Span<float> image)
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

    /// <summary>The loops above index through refs without bounds checks, so the spans are checked once here.</summary>
    private static void CheckLengths(in Im2ColGeometry g, int imageLength, int colsLength, int ldCols)
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
