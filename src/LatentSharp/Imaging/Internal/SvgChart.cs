using System.Globalization;
using System.Text;

namespace LatentSharp.Imaging.Internal;

/// <summary>A tick of an SVG chart's axis: where it is, in pixels along the axis, and the text under or beside it.</summary>
internal readonly record struct SvgTick(double Pixel, string Label);

/// <summary>
/// What the SVG charts (<see cref="SvgLinePlot"/>, <see cref="SvgScatterPlot"/>, <see cref="SvgImagePlot"/>) share: the
/// header, the title and axis labels, the plot area's layout, grid lines, tick numbers, the frame and legend rows. Every
/// number is written in the invariant culture and every text is XML-escaped.
/// </summary>
internal sealed class SvgChart
{
    public const int Pad = 10;

    private readonly StringBuilder _svg = new();

    public SvgChart(int width, int height)
    {
        (Width, Height) = (width, height);
        Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        Append($"<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n");
    }

    public int Width { get; }

    public int Height { get; }

    public double Left { get; private set; }

    public double Top { get; private set; }

    public double Right { get; private set; }

    public double Bottom { get; private set; }

    /// <summary>
    /// Places the plot area: room on the left for the longest y tick label, on top for the title and the y-axis label,
    /// below for the x tick labels and the x-axis label, and <paramref name="legendWidth"/> on the right.
    /// </summary>
    public void Layout(IEnumerable<string> yTickLabels, string title, string xLabel, string yLabel, double legendWidth)
    {
        Left = Pad + 8 + 6.5 * yTickLabels.Select(l => l.Length).DefaultIfEmpty(0).Max();
        Right = Width - Pad - legendWidth;
        Top = Pad + (title.Length == 0 ? 0 : 22) + (yLabel.Length == 0 ? 0 : 14);
        Bottom = Height - Pad - 18 - (xLabel.Length == 0 ? 0 : 14);
        if (Right - Left < 20 || Bottom - Top < 20)
            throw new ArgumentException($"A {Width}x{Height} chart leaves no room for the plot area; make it larger.");
    }

    /// <summary>
    /// Lays the chart out for value axes <paramref name="xAxis"/> and <paramref name="yAxis"/>, draws the title, axis labels,
    /// grid and tick labels, and returns the maps from data values to SVG coordinates.
    /// </summary>
    public (Func<double, double> X, Func<double, double> Y) ValueAxes(AxisTicks xAxis, AxisTicks yAxis, string title, string xLabel,
        string yLabel, double legendWidth)
    {
        Layout(yAxis.Ticks.Select(yAxis.Label), title, xLabel, yLabel, legendWidth);
        double X(double v) => Left + xAxis.Fraction(v) * (Right - Left);
        double Y(double v) => Bottom - yAxis.Fraction(v) * (Bottom - Top);
        SvgTick[] xTicks = xAxis.Ticks.Select(t => new SvgTick(X(t), xAxis.Label(t))).ToArray();
        SvgTick[] yTicks = yAxis.Ticks.Select(t => new SvgTick(Y(t), yAxis.Label(t))).ToArray();
        Labels(title, xLabel, yLabel);
        Grid(xTicks, yTicks);
        TickLabels(xTicks, yTicks);
        return (X, Y);
    }

    /// <summary>The title centred on top, the y-axis label above the plot area's top left, the x-axis label under it.</summary>
    public void Labels(string title, string xLabel, string yLabel)
    {
        if (title.Length != 0)
            Append($"<text x=\"{N(Width / 2.0)}\" y=\"{Pad + 14}\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{Escape(title)}</text>\n");
        if (yLabel.Length != 0)
            Append($"<text x=\"{N(Pad)}\" y=\"{N(Top - 6)}\" text-anchor=\"start\">{Escape(yLabel)}</text>\n");   // from the left edge: never clipped
        if (xLabel.Length != 0)
            Append($"<text x=\"{N((Left + Right) / 2)}\" y=\"{N(Height - Pad)}\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n");
    }

    /// <summary>Light grid lines across the plot area at the ticks.</summary>
    public void Grid(IReadOnlyList<SvgTick> xTicks, IReadOnlyList<SvgTick> yTicks)
    {
        Raw("<g stroke=\"#e6e6e6\" stroke-width=\"1\">\n");
        foreach (SvgTick t in xTicks) Append($"<line x1=\"{N(t.Pixel)}\" y1=\"{N(Top)}\" x2=\"{N(t.Pixel)}\" y2=\"{N(Bottom)}\"/>\n");
        foreach (SvgTick t in yTicks) Append($"<line x1=\"{N(Left)}\" y1=\"{N(t.Pixel)}\" x2=\"{N(Right)}\" y2=\"{N(t.Pixel)}\"/>\n");
        Raw("</g>\n");
    }

    /// <summary>Short tick marks outside the plot area (for a plot whose area a grid would cover, such as an image).</summary>
    public void TickMarks(IReadOnlyList<SvgTick> xTicks, IReadOnlyList<SvgTick> yTicks)
    {
        Raw("<g stroke=\"#282828\" stroke-width=\"1\">\n");
        foreach (SvgTick t in xTicks) Append($"<line x1=\"{N(t.Pixel)}\" y1=\"{N(Bottom)}\" x2=\"{N(t.Pixel)}\" y2=\"{N(Bottom + 4)}\"/>\n");
        foreach (SvgTick t in yTicks) Append($"<line x1=\"{N(Left - 4)}\" y1=\"{N(t.Pixel)}\" x2=\"{N(Left)}\" y2=\"{N(t.Pixel)}\"/>\n");
        Raw("</g>\n");
    }

    /// <summary>The tick numbers: under the plot area for x, right-aligned left of it for y.</summary>
    public void TickLabels(IReadOnlyList<SvgTick> xTicks, IReadOnlyList<SvgTick> yTicks)
    {
        Raw("<g fill=\"#282828\">\n");
        foreach (SvgTick t in xTicks) Append($"<text x=\"{N(t.Pixel)}\" y=\"{N(Bottom + 15)}\" text-anchor=\"middle\">{Escape(t.Label)}</text>\n");
        foreach (SvgTick t in yTicks) Append($"<text x=\"{N(Left - 6)}\" y=\"{N(t.Pixel + 4)}\" text-anchor=\"end\">{Escape(t.Label)}</text>\n");
        Raw("</g>\n");
    }

    /// <summary>The plot area's outline.</summary>
    public void Frame() =>
        Append($"<rect x=\"{N(Left)}\" y=\"{N(Top)}\" width=\"{N(Right - Left)}\" height=\"{N(Bottom - Top)}\" fill=\"none\" stroke=\"#282828\"/>\n");

    /// <summary>Row <paramref name="row"/> of the legend right of the plot area: a short line or a swatch, then the name.</summary>
    public void LegendEntry(int row, string name, string color, bool swatch)
    {
        double y = Top + 6 + 16 * row;
        if (swatch) Append($"<rect x=\"{N(Right + 17)}\" y=\"{N(y - 4)}\" width=\"8\" height=\"8\" fill=\"{color}\"/>");
        else Append($"<line x1=\"{N(Right + 12)}\" y1=\"{N(y)}\" x2=\"{N(Right + 30)}\" y2=\"{N(y)}\" stroke=\"{color}\" stroke-width=\"2\"/>");
        Append($"<text x=\"{N(Right + 35)}\" y=\"{N(y + 4)}\">{Escape(name)}</text>\n");
    }

    /// <summary>Appends markup whose numbers are formatted in the invariant culture.</summary>
    public void Append(FormattableString markup) => _svg.Append(markup.ToString(CultureInfo.InvariantCulture));

    /// <summary>Appends markup as it is.</summary>
    public void Raw(string markup) => _svg.Append(markup);

    /// <summary>The finished document.</summary>
    public string Close() => _svg.Append("</svg>\n").ToString();

    /// <summary>A coordinate with at most one decimal.</summary>
    public static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    public static string Escape(string text) => Markup.Escape(text);
}
