namespace LatentSharp.Imaging;

/// <summary>An 8-bit sRGB colour. On a grayscale <see cref="Image"/> it is stored as its luma.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>(0, 0, 0).</summary>
    public static Rgb Black => new(0, 0, 0);
    /// <summary>(255, 255, 255).</summary>
    public static Rgb White => new(255, 255, 255);

    /// <summary>A gray level: R = G = B = <paramref name="level"/>.</summary>
    public static Rgb Gray(byte level) => new(level, level, level);

    /// <summary>Parses "#rrggbb" or "rrggbb".</summary>
    public static Rgb FromHex(string hex)
    {
        ReadOnlySpan<char> s = hex.AsSpan().TrimStart('#');
        if (s.Length != 6 || !uint.TryParse(s, System.Globalization.NumberStyles.HexNumber, null, out uint v))
            throw new FormatException($"A colour is written \"#rrggbb\", got \"{hex}\".");
        return new((byte)(v >> 16), (byte)(v >> 8), (byte)v);
    }

    /// <summary>Rec. 601 luma, rounded: what a grayscale image stores for this colour.</summary>
    public byte Luma => (byte)((299 * R + 587 * G + 114 * B + 500) / 1000);

    /// <summary>"#rrggbb", lower case (for SVG and HTML).</summary>
    public string ToHex() => $"#{R:x2}{G:x2}{B:x2}";
}
