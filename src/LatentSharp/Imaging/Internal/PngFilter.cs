namespace LatentSharp.Imaging.Internal;

/// <summary>The five PNG scanline filter types (PNG spec §9.2); the value is the byte written before each row.</summary>
internal enum PngFilter : byte
{
    None = 0,
    Sub = 1,
    Up = 2,
    Average = 3,
    Paeth = 4,
}
