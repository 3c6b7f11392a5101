namespace LatentSharp.Training;

/// <summary>A loss or gradient became NaN or infinite; the message names the epoch and step.</summary>
public sealed class TrainingDivergedException(string message) : LatentSharpException(message);
