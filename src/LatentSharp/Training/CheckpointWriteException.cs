namespace LatentSharp.Training;

/// <summary>A checkpoint or log of an epoch could not be written (a full disk, a folder without write permission); the message names the epoch lost.</summary>
public sealed class CheckpointWriteException(string message, Exception innerException) : LatentSharpException(message, innerException);
