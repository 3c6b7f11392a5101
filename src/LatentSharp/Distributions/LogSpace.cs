namespace LatentSharp.Distributions;

/// <summary>Sums of probabilities held as logarithms, in double (for metrics; the tensor ops have their own LogSumExp).</summary>
public static class LogSpace
{
    /// <summary>log (1/K) Σ_k exp(v_k), stable for any magnitudes: −∞ when every v_k is −∞, +∞ when one is +∞.</summary>
    public static double LogMeanExp(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty) throw new ArgumentException("Need at least one value.", nameof(values));
        double max = double.NegativeInfinity;
        foreach (double v in values) max = Math.Max(max, v);
        if (double.IsInfinity(max)) return max;
        double sum = 0;
        foreach (double v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum / values.Length);
    }
}
