namespace LatentSharp.Data;

/// <summary>
/// A data file (IDX images or labels) that cannot be used. The message starts with the file name and
/// what is wrong, e.g. <c>t10k-images-idx3-ubyte.gz: truncated: header says 10000 images of 28x28, file holds 9871</c>,
/// followed by a hint what to do.
/// </summary>
public sealed class InvalidDataFileException : LatentSharpException
{
    /// <summary>The message is "file name: <paramref name="problem"/>. <paramref name="hint"/>".</summary>
    public InvalidDataFileException(string path, string problem, string hint, Exception? innerException = null)
        : base($"{Path.GetFileName(path)}: {problem}. {hint}", innerException)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The full path of the offending file.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the file name and the hint.</summary>
    public string Problem { get; }
}
