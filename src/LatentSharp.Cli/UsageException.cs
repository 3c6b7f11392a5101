namespace LatentSharp.Cli;

/// <summary>
/// An option value the command refuses once it sees the model or the data (an index past the test split, a latent
/// dimension the model does not have, two options that exclude each other). The message names the option.
/// </summary>
public sealed class UsageException(string message) : LatentSharpException(message);
