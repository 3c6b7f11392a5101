using System.Globalization;
using LatentSharp.Models;

namespace LatentSharp.Reports;

/// <summary>
/// A 2-D view of codes [N, L] and its way back: codes of one or two dimensions are shown as they are (one dimension against
/// 0); wider codes on the plane of their first two principal axes, whose point (x, y) maps back to the code mean + x·u₁ + y·u₂.
/// The embedding scatter and the explorer's scatter share it.
/// </summary>
public sealed class LatentPlane
{
    private readonly Pca? _projection;   // L > 2: the plane of the two principal axes of the codes

    private LatentPlane(int latentSize, Pca? projection)
    {
        LatentSize = latentSize;
        _projection = projection;
    }

    /// <summary>L, the width of the codes.</summary>
    public int LatentSize { get; }

    /// <summary>True when the plane is that of the principal axes (L &gt; 2).</summary>
    public bool IsProjected => _projection is not null;

    /// <summary>The fraction of the codes' variance along each axis of a projected plane; null when nothing is projected.</summary>
    public double[]? ExplainedVarianceRatio => _projection?.ExplainedVarianceRatio;

    /// <summary>The plane of <paramref name="codes"/> ([n, L]): PCA for L &gt; 2 when there are at least two codes, else their first two dimensions.</summary>
    public static LatentPlane Fit(float[] codes, int n, int latentSize)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latentSize);
        return new LatentPlane(latentSize, latentSize > 2 && n >= 2 ? Pca.Fit(codes, n, latentSize, 2) : null);
    }

    /// <summary>The codes' points in the plane, x and y interleaved. [n, L] → [n, 2]</summary>
    public float[] Project(float[] codes, int n)
    {
        if (_projection is not null) return _projection.Encode(codes, n);
        int l = LatentSize;
        var points = new float[2 * n];
        for (int i = 0; i < n; i++)
        {
            points[2 * i] = codes[i * l];
            points[2 * i + 1] = l > 1 ? codes[i * l + 1] : 0f;
        }
        return points;
    }

    /// <summary>The code at point (x, y) of the plane; dimensions off the plane at 0 when nothing is projected. [L]</summary>
    public float[] CodeAt(float x, float y) => LatentSize switch
    {
        1 => [x],
        2 => [x, y],
        _ => _projection is null ? [x, y, .. new float[LatentSize - 2]] : _projection.Decode([x, y], 1),
    };

    /// <summary>The horizontal axis's label: "z0", or "PC1 of 20-D codes (31% of variance)".</summary>
    public string XLabel => _projection is null ? "z0" : $"PC1 of {LatentSize}-D codes ({Percent(_projection.ExplainedVarianceRatio[0])} of variance)";

    /// <summary>The vertical axis's label: "z1", "" for one dimension, or "PC2 (12%)".</summary>
    public string YLabel => _projection is not null ? $"PC2 ({Percent(_projection.ExplainedVarianceRatio[1])})" : LatentSize == 1 ? "" : "z1";

    /// <summary>Both axes in words: "z0, z1" or "principal axes 1 and 2 of the codes (43% of their variance)".</summary>
    public string Axes => LatentSize switch
    {
        1 => "z0 (one latent dimension)",
        2 => "z0, z1",
        _ => _projection is null ? "z0, z1" : $"principal axes 1 and 2 of the codes ({_projection.ExplainedVarianceRatio.Sum():P0} of their variance)",
    };

    private static string Percent(double fraction) => (100 * fraction).ToString("F0", CultureInfo.InvariantCulture) + "%";
}
