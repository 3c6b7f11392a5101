using LatentSharp.Imaging.Internal;

namespace LatentSharp.Imaging;

/// <summary>One named line of a <see cref="SvgLinePlot"/>: y over x (e.g. a metric over epochs). Non-finite y values break the line.</summary>
public sealed record LineSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>
/// A line chart as an inline SVG string (for HTML reports): framed axes with grid lines, ticks and numbers, axis labels,
/// a title and a legend. Every number is written in the invariant culture and every text is XML-escaped.
/// Each point also gets a dot, so a one-epoch run still shows.
/// </summary>
public sealed class SvgLinePlot
{
    private const int LegendWidth = 110;

    /// <summary>The chart width, in SVG pixels.</summary>
    public int Width { get; init; } = 520;
    /// <summary>The chart height, in SVG pixels.</summary>
    public int Height { get; init; } = 300;
    /// <summary>The line above the chart; empty for none.</summary>
    public string Title { get; init; } = "";
    /// <summary>The label under the x axis ("epoch" by default); empty for none.</summary>
    public string XLabel { get; init; } = "epoch";
    /// <summary>The label of the y axis; empty for none.</summary>
    public string YLabel { get; init; } = "";

    /// <summary>Keep the x ticks on whole numbers (epochs).</summary>
    public bool IntegerX { get; init; } = true;

    /// <summary>The chart of <paramref name="series"/> as an <c>&lt;svg&gt;</c> element; throws <see cref="ArgumentException"/> when a series' x and y counts differ.</summary>
    public string Render(IReadOnlyList<LineSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        foreach (LineSeries s in series)
            if (s.X.Count != s.Y.Count)
                throw new ArgumentException($"Series \"{s.Name}\" has {s.X.Count} x values but {s.Y.Count} y values.", nameof(series));

        var finite = series.SelectMany(s => s.X.Zip(s.Y)).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToList();
        AxisTicks xAxis = finite.Count == 0 ? AxisTicks.For(0, 1, integers: IntegerX) : AxisTicks.For(finite.Min(p => p.First), finite.Max(p => p.First), 6, IntegerX);
        AxisTicks yAxis = finite.Count == 0 ? AxisTicks.For(0, 1) : AxisTicks.For(finite.Min(p => p.Second), finite.Max(p => p.Second), 5);

        var chart = new SvgChart(Width, Height);
        var (X, Y) = chart.ValueAxes(xAxis, yAxis, Title, XLabel, YLabel, LegendWidth);
        chart.Frame();

        for (int s = 0; s < series.Count; s++)
        {
            string color = Palette.Color(s).ToHex();
            chart.Append($"<g stroke=\"{color}\" fill=\"{color}\">\n");
            var run = new List<string>();
            void Flush()
            {
                if (run.Count > 1) chart.Append($"<polyline fill=\"none\" stroke-width=\"2\" points=\"{string.Join(" ", run)}\"/>\n");
                run.Clear();
            }
            for (int i = 0; i < series[s].X.Count; i++)
            {
                double x = series[s].X[i], y = series[s].Y[i];
                if (!double.IsFinite(x) || !double.IsFinite(y))
                {
                    Flush();
                    continue;
                }
                run.Add($"{N(X(x))},{N(Y(y))}");
                chart.Append($"<circle cx=\"{N(X(x))}\" cy=\"{N(Y(y))}\" r=\"2.5\" stroke=\"none\"/>\n");
            }
            Flush();
            chart.Raw("</g>\n");
            chart.LegendEntry(s, series[s].Name, color, swatch: false);
        }
        return chart.Close();
    }

    private static string N(double v) => SvgChart.N(v);
}
