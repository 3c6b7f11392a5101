namespace LatentSharp.Imaging;

/// <summary>Categorical colours for plots: the ten of matplotlib's "tab10", in its order, repeating after ten.</summary>
public static class Palette
{
    /// <summary>Matplotlib's ten "tab10" colours, blue first.</summary>
    public static IReadOnlyList<Rgb> Tab10 { get; } =
    [
        Rgb.FromHex("#1f77b4"), Rgb.FromHex("#ff7f0e"), Rgb.FromHex("#2ca02c"), Rgb.FromHex("#d62728"), Rgb.FromHex("#9467bd"),
        Rgb.FromHex("#8c564b"), Rgb.FromHex("#e377c2"), Rgb.FromHex("#7f7f7f"), Rgb.FromHex("#bcbd22"), Rgb.FromHex("#17becf"),
    ];

    /// <summary>The colour of class or series <paramref name="index"/> (≥ 0).</summary>
    public static Rgb Color(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return Tab10[index % Tab10.Count];
    }
}
