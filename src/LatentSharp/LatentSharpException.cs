namespace LatentSharp;

/// <summary>
/// A problem with what the user gave (a file, a setting, a model that cannot do what was asked) that the user can fix.
/// The message is one line: what is wrong, where (the file, the tensor, the setting), and what to do. Every other
/// exception that leaves the library is a bug in it.
/// </summary>
public abstract class LatentSharpException : Exception
{
    /// <summary>An error whose one-line <paramref name="message"/> says what is wrong, where and what to do.</summary>
    protected LatentSharpException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A setting of a model, a training run or an evaluation that is out of range or inconsistent with the others.
/// <see cref="Setting"/> names the library property (e.g. <c>LatentSize</c>), so that a front end can say which of its
/// own options to change; the message itself names no command-line flag.
/// </summary>
public sealed class InvalidSettingException(string setting, string message) : LatentSharpException(message)
{
    /// <summary>The library property at fault, e.g. <c>LatentSize</c>.</summary>
    public string Setting { get; } = setting;
}

/// <summary>A model asked for something it cannot do (e.g. a latent-space figure of a model without latent space).</summary>
public sealed class UnsupportedByModelException(string message) : LatentSharpException(message);

/// <summary>A data set that does not fit the model: other image sizes, no labels for a conditional model, classes it does not know.</summary>
public sealed class DataMismatchException(string message) : LatentSharpException(message);
