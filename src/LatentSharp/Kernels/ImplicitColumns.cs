using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentSharp.Kernels;

/// <summary>
/// Where the values of an im2col column matrix (<see cref="Im2Col"/>) sit in a copy of the images laid out as phase planes:
/// each image padded with zeros and split by stride phase (space-to-depth), so that every entry is
/// cols[r, b·P + q] = planes[b·<see cref="ImageStride"/> + RowOffset(r) + PositionOffset(q)].
/// The GEMM packs its B panels straight from the planes (<see cref="Gemm.Multiply(bool, int, int, int, float, ReadOnlySpan{float}, int, in ImplicitColumns, bool, float, Span{float}, int)"/>),
/// so the column matrix, K·P floats per image (4× the image for a 4×4 stride-2 window), is never written or read back.
/// </summary>
/// <remarks>
/// The plane of channel c and phase (a, e) holds image[c, y·s + a − padding, x·s + e − padding] at (y, x), zero outside
/// the image, for y &lt; ⌈(H + 2·padding) / s⌉, x &lt; ⌈(W + 2·padding) / s⌉. The window tap (i, j) at output (oy, ox) reads
/// image row oy·s + i − padding = (oy + i / s)·s + i mod s − padding, i.e. the plane of phase (i mod s, j mod s) at
/// (oy + i / s, ox + j / s): a row offset that depends on (c, i, j) only plus a position offset oy·Wp + ox.
/// </remarks>
internal readonly unsafe struct ImplicitColumns
{
    /// <summary>Floats read past the last plane by the packers' whole-vector loads; the planes' buffer must have them (any values).</summary>
    public const int Slack = 32;

    /// <summary>
    /// The column matrix of <paramref name="images"/> images of <paramref name="geometry"/> in <paramref name="planes"/>
    /// (<see cref="Fill"/>), with the offsets of <see cref="Offsets"/>: the GEMM keeps what it derives from them per geometry.
    /// </summary>
    public ImplicitColumns(in Im2ColGeometry geometry, int images, float* planes, int* rowOffsets, int* positionOffsets)
    {
        Geometry = geometry;
        Images = images;
        Planes = planes;
        RowOffsets = rowOffsets;
        PositionOffsets = positionOffsets;
        ImageStride = ImageStrideOf(geometry);
    }

    public Im2ColGeometry Geometry { get; }
    public int Images { get; }
    public float* Planes { get; }
    /// <summary>[Rows]: the offset of column matrix row r = c·T + t within an image's planes.</summary>
    public int* RowOffsets { get; }
    /// <summary>[Positions]: the offset of window position q = oy·Wo + ox within a plane.</summary>
    public int* PositionOffsets { get; }
    public int ImageStride { get; }

    /// <summary>Rows of the column matrix (C·T).</summary>
    public int Rows => Geometry.Rows;

    /// <summary>Columns of the column matrix: Images·P.</summary>
    public int Columns => Images * Geometry.Positions;

    /// <summary>
    /// Whether the GEMM can pack from phase planes here: its Vector512 path (the packers build 16-lane rows with AVX-512
    /// permutes); elsewhere the convolutions unfold their columns as before.
    /// </summary>
    public static bool Supported => Avx512F.IsSupported && Gemm.Resolve() == GemmPath.Vector512;

    public static int PlaneHeight(in Im2ColGeometry g) => (g.Height + 2 * g.Padding + g.Stride - 1) / g.Stride;

    public static int PlaneWidth(in Im2ColGeometry g) => (g.Width + 2 * g.Padding + g.Stride - 1) / g.Stride;

    private static int PlanesPerImage(in Im2ColGeometry g) => g.Channels * g.Stride * g.Stride;

    /// <summary>Floats of one image's planes: the step from one image's planes to the next one's.</summary>
    public static int ImageStrideOf(in Im2ColGeometry g) => PlanesPerImage(g) * PlaneHeight(g) * PlaneWidth(g);

    /// <summary>Floats the planes of <paramref name="images"/> images take, <see cref="Slack"/> included.</summary>
    public static long PlanesLength(in Im2ColGeometry g, int images) => (long)images * ImageStrideOf(g) + Slack;

    /// <summary>The offsets of <see cref="RowOffsets"/> ([Rows]) and <see cref="PositionOffsets"/> ([Positions]).</summary>
    public static void Offsets(in Im2ColGeometry g, Span<int> rowOffsets, Span<int> positionOffsets)
    {
        RowOffsetsOf(g, rowOffsets);
        int wp = PlaneWidth(g);
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
                positionOffsets[oy * g.OutWidth + ox] = oy * wp + ox;
    }

    /// <summary>The offsets of <see cref="RowOffsets"/> alone ([Rows]): row r then reads position (oy, ox) at offset + oy · <see cref="PlaneWidth"/> + ox.</summary>
    public static void RowOffsetsOf(in Im2ColGeometry g, Span<int> rowOffsets)
    {
        int s = g.Stride, hp = PlaneHeight(g), wp = PlaneWidth(g), taps = g.TapCount, planeLength = hp * wp;
        for (int c = 0; c < g.Channels; c++)
            for (int t = 0; t < taps; t++)
            {
                int tap = g.Tap(t), i = tap / g.Kw, j = tap % g.Kw;
                rowOffsets[c * taps + t] = ((c * s + i % s) * s + j % s) * planeLength + i / s * wp + j / s;
            }
    }

    /// <summary>
    /// Writes the phase planes of <paramref name="images"/> images [N, C, H, W] into <paramref name="planes"/>
    /// (<see cref="PlanesLength"/> floats). Every plane value is written, padding included, and nothing past them: the
    /// slack is left as it is, so that parts of a batch can be filled side by side.
    /// </summary>
    public static void Fill(in Im2ColGeometry g, ReadOnlySpan<float> images, int count, Span<float> planes)
    {
        if (images.Length < (long)count * g.ImageLength || planes.Length < PlanesLength(g, count))
            throw new ArgumentException($"Operands too short for the phase planes of {count} images of {g}.");
        int s = g.Stride, p = g.Padding, h = g.Height, w = g.Width, hp = PlaneHeight(g), wp = PlaneWidth(g);
        bool vector = Avx512F.IsSupported && wp <= 16 && w <= 32 && (wp - 1) * s + s - 1 - p <= 31;
        fixed (float* src0 = images, dst0 = planes)
        {
            float* srcEnd = src0 + (long)count * g.ImageLength;
            float* dstEnd = dst0 + (long)count * ImageStrideOf(g);
            float* dst = dst0;
            float* row = stackalloc float[32];
            float* last = stackalloc float[16];
            for (int b = 0; b < count; b++)
            for (int c = 0; c < g.Channels; c++)
            {
                float* plane = src0 + ((long)b * g.Channels + c) * h * w;
                for (int a = 0; a < s; a++)
                for (int e = 0; e < s; e++)
                {
                    // x of this phase reads image column x·s + e − p
                    Vector512<int> index = default;
                    Vector512<float> inside = default;
                    if (vector)
                    {
                        index = Vector512.Create(s) * Vector512<int>.Indices + Vector512.Create(e - p);
                        Vector512<int> valid = Vector512.GreaterThanOrEqual(index, Vector512<int>.Zero)
                            & Vector512.LessThan(index, Vector512.Create(w)) & Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(wp));
                        inside = valid.AsSingle();
                        index &= valid;   // lanes outside read lane 0 and are then zeroed
                    }
                    for (int y = 0; y < hp; y++, dst += wp)
                    {
                        int yin = y * s + a - p;
                        if (yin < 0 || yin >= h)
                        {
                            new Span<float>(dst, wp).Clear();
                            continue;
                        }
                        float* line = plane + (long)yin * w;
                        if (vector)
                        {
                            // Two whole vectors of the image row (a copy when they would read past the images), one
                            // permute picking its columns; the store of 16 may run into the next plane row, written after,
                            // but not past the last one: images filled by other threads may lie there.
                            if (line + 32 > srcEnd)
                            {
                                new Span<float>(line, w).CopyTo(new Span<float>(row, 32));
                                line = row;
                            }
                            Vector512<float> v = Avx512F.PermuteVar16x32x2(Vector512.Load(line), index, Vector512.Load(line + 16));
                            if (dst + 16 <= dstEnd) Vector512.Store(v & inside, dst);
                            else
                            {
                                Vector512.Store(v & inside, last);
                                new Span<float>(last, wp).CopyTo(new Span<float>(dst, wp));
                            }
                        }
                        else
                        {
                            for (int x = 0; x < wp; x++)
                            {
                                int xin = x * s + e - p;
                                dst[x] = xin >= 0 && xin < w ? line[xin] : 0f;
                            }
                        }
                    }
                }
            }
        }
    }
}
