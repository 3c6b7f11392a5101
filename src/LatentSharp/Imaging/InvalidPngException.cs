namespace LatentSharp.Imaging;

/// <summary>A PNG that <see cref="Png.Decode"/> cannot read: corrupt, truncated, or a variant it does not support.</summary>
public sealed class InvalidPngException : LatentSharpException
{
    /// <summary>A PNG error whose one-line <paramref name="message"/> says what is wrong.</summary>
    public InvalidPngException(string message) : base(message)
    {
    }

    /// <summary>A PNG error whose one-line <paramref name="message"/> says what is wrong, caused by <paramref name="inner"/>.</summary>
    public InvalidPngException(string message, Exception inner) : base(message, inner)
    {
    }
}
