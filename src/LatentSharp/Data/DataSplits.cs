namespace LatentSharp.Data;

/// <summary>The training and test splits of one dataset.</summary>
public sealed record DataSplits(Dataset Train, Dataset Test);
