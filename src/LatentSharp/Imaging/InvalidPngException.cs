namespace LatentSharp.Imaging;

/// <summary>A PNG that <see cref="Png.Decode"/> cannot read: corrupt, truncated, or a variant it does not support.</summary>
public sealed class InvalidPngException : LatentSharpException
{
    public InvalidPngException(string message) : base(message)
    {
    }

    public InvalidPngException(string message, Exception inner) : base(message, inner)
    {
    }
}
