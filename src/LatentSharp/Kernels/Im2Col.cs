using System.Numerics.Tensors;

namespace LatentSharp.Kernels;

/// <summary>
/// The sizes of one im2col unfolding: an image [C, H, W] seen through a kh×kw window moved by
/// <see cref="Stride"/> over the image padded by <see cref="Padding"/> zeros on every side (dilation 1),
/// giving <see cref="OutHeight"/>×<see cref="OutWidth"/> window positions.
/// </summary>
internal readonly record struct Im2ColGeometry(
    int Channels, int Height, int Width, int Kh, int Kw, int Stride, int Padding, int OutHeight, int OutWidth)
{
    /// <summary>Rows of the column matrix: C·kh·kw.</summary>
    public int Rows => Channels * Kh * Kw;

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
/// One image [C, H, W] ↔ columns [C·kh·kw, Ho·Wo]: row r = (c·kh + i)·kw + j and column q = ho·Wo + wo hold
/// image[c, ho·stride − padding + i, wo·stride − padding + j], zero where that falls outside the image.
/// The columns may be a block of a wider matrix (row stride <c>ldCols</c>), so that several images share one GEMM.
/// </summary>
internal static class Im2Col
{
    /// <summary>cols[r, q] = image[...] for one image: every entry of the [Rows, Positions] block is written.</summary>
    public static void Unfold(in Im2ColGeometry g, ReadOnlySpan<float> image, Span<float> cols, int ldCols)
    {
        int ho = g.OutHeight, wo = g.OutWidth, s = g.Stride;
        for (int c = 0; c < g.Channels; c++)
        {
            ReadOnlySpan<float> plane = image.Slice(c * g.Height * g.Width, g.Height * g.Width);
            for (int i = 0; i < g.Kh; i++)
            {
                // Output rows whose input row ho·s − p + i lies inside the image.
                (int rowLo, int rowHi) = ValidRange(ho, g.Height, i - g.Padding, s);
                for (int j = 0; j < g.Kw; j++)
                {
                    int offset = j - g.Padding;
                    (int colLo, int colHi) = ValidRange(wo, g.Width, offset, s);
                    Span<float> dst = cols.Slice(((c * g.Kh + i) * g.Kw + j) * ldCols, g.Positions);
                    dst[..(rowLo * wo)].Clear();
                    dst[(rowHi * wo)..].Clear();
                    for (int oy = rowLo; oy < rowHi; oy++)
                    {
                        Span<float> line = dst.Slice(oy * wo, wo);
                        ReadOnlySpan<float> src = plane.Slice((oy * s + i - g.Padding) * g.Width, g.Width);
                        line[..colLo].Clear();
                        line[colHi..].Clear();
                        if (s == 1)
                        {
                            src.Slice(colLo + offset, colHi - colLo).CopyTo(line[colLo..colHi]);
                        }
                        else
                        {
                            for (int ox = colLo, x = colLo * s + offset; ox < colHi; ox++, x += s) line[ox] = src[x];
                        }
                    }
                }
            }
        }
    }

    /// <summary>image[...] += cols[r, q]: the adjoint of <see cref="Unfold"/>; overlapping windows add up, padding is dropped.</summary>
    public static void FoldAdd(in Im2ColGeometry g, ReadOnlySpan<float> cols, int ldCols, Span<float> image)
    {
        int ho = g.OutHeight, wo = g.OutWidth, s = g.Stride;
        for (int c = 0; c < g.Channels; c++)
        {
            Span<float> plane = image.Slice(c * g.Height * g.Width, g.Height * g.Width);
            for (int i = 0; i < g.Kh; i++)
            {
                (int rowLo, int rowHi) = ValidRange(ho, g.Height, i - g.Padding, s);
                for (int j = 0; j < g.Kw; j++)
                {
                    int offset = j - g.Padding;
                    (int colLo, int colHi) = ValidRange(wo, g.Width, offset, s);
                    if (colHi <= colLo) continue;
                    ReadOnlySpan<float> src = cols.Slice(((c * g.Kh + i) * g.Kw + j) * ldCols, g.Positions);
                    for (int oy = rowLo; oy < rowHi; oy++)
                    {
                        ReadOnlySpan<float> line = src.Slice(oy * wo, wo);
                        Span<float> dst = plane.Slice((oy * s + i - g.Padding) * g.Width, g.Width);
                        if (s == 1)
                        {
                            Span<float> d = dst.Slice(colLo + offset, colHi - colLo);
                            TensorPrimitives.Add(d, line[colLo..colHi], d);
                        }
                        else
                        {
                            for (int ox = colLo, x = colLo * s + offset; ox < colHi; ox++, x += s) dst[x] += line[ox];
                        }
                    }
                }
            }
        }
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
