using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentSharp.Kernels;

/// <summary>
/// col2im (<see cref="Im2Col.FoldAdd(in Im2ColGeometry, ReadOnlySpan{float}, int, Span{float})"/>) on AVX-512 hardware, row by
/// row: each image row of a channel, 16 columns at a time, sums the terms of every tap that reaches it in a register and
/// then adds the sum to the image once. A term is one permute (<c>vpermt2ps</c>) of two taps' column rows: a tap's window
/// positions in 16 image columns are at most 16 apart, and two taps next to each other in tap order whose columns do not
/// meet (kernel columns j and j + 1 at stride 2) share the permute. Each pixel adds its terms in ascending tap order, as
/// the tap-by-tap fold does, so the two agree to the bit on an image that starts at zero.
/// </summary>
/// <remarks>
/// The plan lists, for every (row, block of 16 columns), its terms: the offsets of their two column rows from the channel's
/// first one and their lane pattern. It depends on the geometry and the column row stride only, so each thread keeps the
/// plans it made: the images of a chunk, the chunks of a batch and the steps of a training share them.
/// </remarks>
internal sealed unsafe class FoldPlan
{
    // Most terms a plan lists (3 ints each); larger geometries fold tap by tap.
    private const int MaxTerms = 1 << 16;

    // Plans kept per thread: a training step folds a few geometries, each at a chunk's column stride and its last chunk's.
    private const int MaxKept = 32;

    [ThreadStatic] private static Dictionary<(Im2ColGeometry, int), FoldPlan>? _kept;

    private readonly Im2ColGeometry _g;
    private readonly int _ldCols;
    private readonly int _blocks;
    private readonly Lanes[] _lanes;
    private readonly int[] _terms;           // per term: the two column rows' offsets, and its lanes' byte offset in _lanes
    private readonly int[] _groupEnds;       // [H · blocks]: the end of (row y, block b)'s terms at y·blocks + b
    private readonly int _readEnd;           // one past the last float the terms read, from the channel's first column row
    private readonly Vector512<float> _lastBlock;   // the lanes of the last block inside the row

    /// <summary>Lane x of a term takes lane Index[x] of its first row's 16 floats (Index &lt; 16) or of its second's (16 + lane), where Mask[x] is set.</summary>
    private struct Lanes
    {
        public Vector512<int> Index;
        public Vector512<float> Mask;
    }

    /// <summary>The calling thread's plan for <paramref name="g"/> and <paramref name="ldCols"/>, or null where the fold goes tap by tap (no AVX-512, or too many terms).</summary>
    public static FoldPlan? For(in Im2ColGeometry g, int ldCols)
    {
        if (!Avx512F.IsSupported || g.Height == 0 || g.Width == 0 || g.Channels == 0 || g.Positions == 0) return null;
        _kept ??= [];
        if (_kept.TryGetValue((g, ldCols), out FoldPlan? kept)) return kept;
        if ((long)g.Height * ((g.Width + 15) / 16) * g.TapCount > MaxTerms || (long)g.TapCount * ldCols > int.MaxValue / 2) return null;
        if (_kept.Count == MaxKept) _kept.Clear();
        return _kept[(g, ldCols)] = new FoldPlan(g, ldCols);
    }

    private FoldPlan(in Im2ColGeometry g, int ldCols)
    {
        _g = g;
        _ldCols = ldCols;
        int w = g.Width, s = g.Stride, p = g.Padding, kw = g.Kw, taps = g.TapCount, blocks = (w + 15) / 16;
        _blocks = blocks;

        // One tap's lanes in block b from kernel column j: image column 16b + x = ox·s + j − p for ox in [start, start + 16).
        var start = new int[kw * blocks];
        var index = new int[kw * blocks * 16];
        for (int j = 0; j < kw; j++)
            for (int b = 0; b < blocks; b++)
            {
                int e = j * blocks + b;
                start[e] = -1;
                for (int x = 0; x < 16; x++)
                {
                    int column = 16 * b + x, from = column + p - j;
                    index[e * 16 + x] = -1;
                    if (column >= w || from < 0 || from % s != 0 || from / s >= g.OutWidth) continue;
                    if (start[e] < 0) start[e] = from / s;   // the block's first and smallest ox
                    index[e * 16 + x] = from / s - start[e];
                }
            }

        var lanes = new List<Lanes>();
        var lanesOf = new Dictionary<(int, int), int>();
        int LanesOf(int first, int second)
        {
            if (lanesOf.TryGetValue((first, second), out int known)) return known;
            Lanes l = default;
            int* li = (int*)&l.Index, lm = (int*)&l.Mask;
            for (int x = 0; x < 16; x++)
            {
                if (index[first * 16 + x] >= 0) (li[x], lm[x]) = (index[first * 16 + x], -1);
                else if (second >= 0 && index[second * 16 + x] >= 0) (li[x], lm[x]) = (16 + index[second * 16 + x], -1);
            }
            lanes.Add(l);
            return lanesOf[(first, second)] = lanes.Count - 1;
        }
        bool Disjoint(int e, int f)
        {
            for (int x = 0; x < 16; x++)
                if (index[e * 16 + x] >= 0 && index[f * 16 + x] >= 0) return false;
            return true;
        }

        var terms = new List<int>();
        var row = new List<(int Offset, int Entry)>();
        _groupEnds = new int[g.Height * blocks];
        for (int y = 0; y < g.Height; y++)
            for (int b = 0; b < blocks; b++)
            {
                // The taps that reach row y in tap order (as the tap-by-tap fold adds them): tap (i, j) from oy = (y + p − i) / s.
                row.Clear();
                for (int t = 0; t < taps; t++)
                {
                    int tap = g.Tap(t), i = tap / kw, e = tap % kw * blocks + b, from = y + p - i;
                    if (from < 0 || from % s != 0 || from / s >= g.OutHeight || start[e] < 0) continue;
                    row.Add((t * ldCols + from / s * g.OutWidth + start[e], e));
                }
                // Neighbours in that order whose lanes do not meet share a term: no pixel sees its terms reordered.
                for (int q = 0; q < row.Count; q++)
                {
                    (int offset, int e) = row[q];
                    bool pair = q + 1 < row.Count && Disjoint(e, row[q + 1].Entry);
                    int second = pair ? row[q + 1].Offset : offset;
                    terms.AddRange([offset, second, LanesOf(e, pair ? row[q + 1].Entry : -1) * sizeof(Lanes)]);
                    _readEnd = Math.Max(_readEnd, Math.Max(offset, second) + 16);
                    if (pair) q++;
                }
                _groupEnds[y * blocks + b] = terms.Count / 3;
            }
        _terms = [.. terms];
        _lanes = GC.AllocateArray<Lanes>(lanes.Count, pinned: true);
        lanes.CopyTo(_lanes);
        _lastBlock = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(w - 16 * (blocks - 1))).AsSingle();
    }

    /// <summary>image [C, H, W] += the fold of one image's columns (rows <see cref="Im2ColGeometry.Rows"/>, row stride the plan's).</summary>
    public void FoldAdd(ReadOnlySpan<float> cols, Span<float> image)
    {
        Im2Col.CheckLengths(_g, image.Length, cols.Length, _ldCols);
        long channelStride = (long)_g.TapCount * _ldCols;
        fixed (float* cols0 = cols, image0 = image)
        {
            float* colsEnd = cols0 + cols.Length;
            for (int c = 0; c < _g.Channels; c++)
            {
                float* channel = cols0 + c * channelStride;
                // Each row's terms are 16 floats here and there, too scattered for the hardware prefetcher: fetch the next channel's.
                if (c + 1 < _g.Channels) Prefetch(channel + channelStride, colsEnd);
                float* plane = image0 + (long)c * _g.Height * _g.Width;
                // The whole-vector reads run past the columns only on the last rows of a matrix without slack.
                if (channel + _readEnd <= colsEnd) FoldChannel(channel, plane, colsEnd, guarded: false);
                else FoldChannel(channel, plane, colsEnd, guarded: true);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FoldChannel(float* channel, float* plane, float* colsEnd, bool guarded)
    {
        int h = _g.Height, w = _g.Width, blocks = _blocks;
        Vector512<float> lastBlock = _lastBlock;
        fixed (int* terms = _terms, groupEnds = _groupEnds)
        fixed (Lanes* lanes0 = _lanes)
        {
            byte* lanes = (byte*)lanes0;
            // Even rows, then odd ones: a row's masked last block ends past the next row's start, and a masked load from
            // there right after the store would wait for the store to reach the cache.
            for (int first = 0; first < 2; first++)
                for (int y = first; y < h; y += 2)
                {
                    float* row = plane + y * w;
                    for (int b = 0; b < blocks; b++)
                    {
                        int group = y * blocks + b;
                        int* term = terms + 3 * (group == 0 ? 0 : groupEnds[group - 1]), end = terms + 3 * groupEnds[group];
                        Vector512<float> sum = Vector512<float>.Zero;
                        for (; term < end; term += 3)
                        {
                            Lanes* l = (Lanes*)(lanes + term[2]);
                            Vector512<float> v = Avx512F.PermuteVar16x32x2(Load(channel + term[0], colsEnd, guarded), l->Index, Load(channel + term[1], colsEnd, guarded));
                            sum += v & l->Mask;
                        }
                        float* to = row + 16 * b;
                        if (b < blocks - 1) Vector512.Store(Vector512.Load(to) + sum, to);
                        else Avx512F.MaskStore(to, lastBlock, Avx512F.MaskLoad(to, lastBlock, Vector512<float>.Zero) + sum);
                    }
                }
        }
    }

    // Inlined, without a call: a call in the term loop would make the JIT keep the running sum in memory across it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(float* from, float* end, bool guarded) =>
        !guarded || from + 16 <= end
            ? Vector512.Load(from)
            : Avx512F.MaskLoad(from, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create((int)(end - from))).AsSingle(), Vector512<float>.Zero);

    private void Prefetch(float* channel, float* colsEnd)
    {
        int positions = _g.Positions;
        for (int t = 0; t < _g.TapCount; t++)
        {
            float* row = channel + (long)t * _ldCols;
            for (int q = 0; q < positions && row + q < colsEnd; q += 16) Sse.Prefetch0(row + q);
        }
    }
}
