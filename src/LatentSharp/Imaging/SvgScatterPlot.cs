using LatentSharp.Imaging.Internal;

namespace LatentSharp.Imaging;

/// <summary>
/// A scatter plot of 2-D points coloured by integer label, as an SVG document: the layout of <see cref="SvgLinePlot"/>
/// (framed plot area, grid lines, tick numbers on both axes, axis labels, title) with a legend of class names on the
/// right. Later points paint over earlier ones: pass a shuffled draw order, so no class covers the others just because
/// it comes last.
/// </summary>
public sealed class SvgScatterPlot
{
    /// <summary>Width of the document, in pixels.</summary>
    public int Width { get; init; } = 640;

    /// <summary>Height of the document, in pixels.</summary>
    public int Height { get; init; } = 520;

    /// <summary>Text on top of the plot.</summary>
    public string Title { get; init; } = "";

    /// <summary>Text under the x axis.</summary>
    public string XLabel { get; init; } = "";

    /// <summary>Text above the y axis.</summary>
    public string YLabel { get; init; } = "";

    /// <summary>Radius of each point's dot, in pixels.</summary>
    public double PointRadius { get; init; } = 1.5;

    /// <summary>
    /// Plots <paramref name="points"/> ([N, 2] row-major: x then y) with colours <see cref="Palette.Color"/> of
    /// <paramref name="labels"/> ([N], each in [0, classNames.Count)). Non-finite points are left out. Points are drawn
    /// in <paramref name="drawOrder"/> ([N] point indices) when given, else in their own order.
    /// </summary>
    public string Render(ReadOnlySpan<float> points, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames, ReadOnlySpan<int> drawOrder = default)
    {
        ScatterPlot.Check(points, labels, classNames, drawOrder);
        ArgumentOutOfRangeException.ThrowIfNegative(PointRadius);
        int n = points.Length / 2;

        var (xMin, xMax, yMin, yMax) = ScatterPlot.Extent(points);
        double xPad = 0.02 * (xMax - xMin), yPad = 0.02 * (yMax - yMin);
        AxisTicks xAxis = AxisTicks.For(xMin - xPad, xMax + xPad), yAxis = AxisTicks.For(yMin - yPad, yMax + yPad);

        var chart = new SvgChart(Width, Height);
        double legendWidth = classNames.Count == 0 ? SvgChart.Pad : 45 + 6.5 * classNames.Max(c => c.Length);
        var (X, Y) = chart.ValueAxes(xAxis, yAxis, Title, XLabel, YLabel, legendWidth);

        // One fill per class through a style rule keeps each of the thousands of dots short.
        chart.Raw("<style>");
        for (int c = 0; c < classNames.Count; c++) chart.Append($".ls-class-{c}{{fill:{Palette.Color(c).ToHex()}}}");
        chart.Raw("</style>\n<g stroke=\"none\">\n");
        string r = SvgChart.N(PointRadius);
        for (int k = 0; k < n; k++)
        {
            int i = drawOrder.IsEmpty ? k : drawOrder[k];
            float x = points[2 * i], y = points[2 * i + 1];
            if (!float.IsFinite(x) || !float.IsFinite(y)) continue;
            chart.Append($"<circle cx=\"{SvgChart.N(X(x))}\" cy=\"{SvgChart.N(Y(y))}\" r=\"{r}\" class=\"ls-class-{labels[i]}\"/>\n");
        }
        chart.Raw("</g>\n");
        chart.Frame();   // on top of the points, so a point on the edge does not break it

        for (int c = 0; c < classNames.Count; c++) chart.LegendEntry(c, classNames[c], Palette.Color(c).ToHex(), swatch: true);
        return chart.Close();
    }
}
