namespace LatentSharp.Imaging.Internal;

/// <summary>
/// PNG row filters, forward and inverse. bpp = bytes per pixel (1 gray, 3 RGB); "prior" is the previous
/// unfiltered row (all zero for the first row).
/// </summary>
internal static class PngFilters
{
    /// <summary>Filters <paramref name="row"/> into <paramref name="output"/> (same length) with <paramref name="filter"/>.</summary>
    public static void Apply(PngFilter filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> output)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
            output[i] = (byte)(row[i] - Predict(filter, a, b, c));
        }
    }

    /// <summary>Undoes <paramref name="filter"/> in place: on return <paramref name="row"/> holds raw bytes.</summary>
    public static void Reverse(PngFilter filter, Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
            row[i] = (byte)(row[i] + Predict(filter, a, b, c));
        }
    }

    /// <summary>
    /// The usual encoder heuristic (libpng's): the filter whose output has the smallest sum of |signed byte|.
    /// Writes the chosen filtered row to <paramref name="output"/>.
    /// </summary>
    public static PngFilter ApplyBest(ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> output, Span<byte> scratch)
    {
        PngFilter best = PngFilter.None;
        long bestScore = long.MaxValue;
        for (var f = PngFilter.None; f <= PngFilter.Paeth; f++)
        {
            Apply(f, row, prior, bpp, scratch);
            long score = 0;
            foreach (byte v in scratch) score += Math.Abs((int)(sbyte)v);
            if (score < bestScore)
            {
                (best, bestScore) = (f, score);
                scratch.CopyTo(output);
            }
        }
        return best;
    }

    private static int Predict(PngFilter filter, int a, int b, int c) => filter switch
    {
        PngFilter.None => 0,
        PngFilter.Sub => a,
        PngFilter.Up => b,
        PngFilter.Average => (a + b) >> 1,
        PngFilter.Paeth => Paeth(a, b, c),
        _ => throw new InvalidPngException($"Unknown PNG filter type {(byte)filter}; valid types are 0..4. The file is corrupt."),
    };

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
