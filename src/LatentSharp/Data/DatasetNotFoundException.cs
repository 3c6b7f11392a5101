namespace LatentSharp.Data;

/// <summary>
/// A dataset that is in none of the places searched. The message lists every place, in search order,
/// and how to install the dataset.
/// </summary>
public sealed class DatasetNotFoundException : LatentSharpException
{
    /// <summary>The message names <paramref name="name"/>, lists <paramref name="placesLooked"/> and ends with <paramref name="howToInstall"/>.</summary>
    public DatasetNotFoundException(string name, IReadOnlyList<string> placesLooked, string howToInstall)
        : base(BuildMessage(name, placesLooked, howToInstall))
    {
        Name = name;
        PlacesLooked = placesLooked;
    }

    /// <summary>The dataset name or folder asked for.</summary>
    public string Name { get; }

    /// <summary>Every place searched, in order, with a note why it did not qualify.</summary>
    public IReadOnlyList<string> PlacesLooked { get; }

    private static string BuildMessage(string name, IReadOnlyList<string> placesLooked, string howToInstall) =>
        $"Dataset '{name}' not found. Looked in:{Environment.NewLine}"
        + string.Concat(placesLooked.Select(p => $"  {p}{Environment.NewLine}"))
        + howToInstall;
}
