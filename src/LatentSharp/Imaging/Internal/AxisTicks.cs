using System.Globalization;

namespace LatentSharp.Imaging.Internal;

/// <summary>
/// An axis with "nice" ticks: a 1-2-5 step giving about the requested number of ticks, and limits widened to the
/// outer ticks so the data never touches the frame unlabelled.
/// </summary>
internal sealed record AxisTicks(double Low, double High, double[] Ticks, int Decimals)
{
    /// <summary>
    /// Ticks for data in [<paramref name="min"/>, <paramref name="max"/>]. A single value is widened to a unit-sized range
    /// around it; non-finite limits become [0, 1]. <paramref name="integers"/> keeps the step at least 1 (epochs).
    /// </summary>
    public static AxisTicks For(double min, double max, int target = 5, bool integers = false)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
        if (max < min) (min, max) = (max, min);
        if (max - min <= 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            double pad = integers ? 1 : Math.Max(0.5, Math.Abs(min) * 0.05);
            (min, max) = (min - pad, max + pad);
        }
        double raw = (max - min) / Math.Max(1, target);
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double residual = raw / magnitude;
        double step = (residual < 1.5 ? 1 : residual < 3 ? 2 : residual < 7 ? 5 : 10) * magnitude;
        if (integers) step = Math.Max(1, Math.Round(step));

        long first = (long)Math.Floor(min / step + 1e-9), last = (long)Math.Ceiling(max / step - 1e-9);
        double[] ticks = new double[last - first + 1];
        for (long i = first; i <= last; i++) ticks[i - first] = i * step;
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        return new AxisTicks(first * step, last * step, ticks, decimals);
    }

    /// <summary>A tick's label with just enough decimals for the step; never "-0".</summary>
    public string Label(double value)
    {
        string text = value.ToString("F" + Decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return text.TrimStart('-').All(c => c is '0' or '.') ? text.TrimStart('-') : text;
    }

    /// <summary>Where <paramref name="value"/> falls between the limits: 0 at <see cref="Low"/>, 1 at <see cref="High"/>.</summary>
    public double Fraction(double value) => (value - Low) / (High - Low);
}
