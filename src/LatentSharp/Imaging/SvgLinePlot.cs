using System.Globalization;
using System.Text;
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
    private const int Pad = 10, LegendWidth = 110;

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

        double left = Pad + 8 + 6.5 * yAxis.Ticks.Max(t => yAxis.Label(t).Length), right = Width - Pad - LegendWidth;
        double top = Pad + (Title.Length == 0 ? 0 : 22) + (YLabel.Length == 0 ? 0 : 14), bottom = Height - Pad - 18 - (XLabel.Length == 0 ? 0 : 14);
        double X(double v) => left + xAxis.Fraction(v) * (right - left);
        double Y(double v) => bottom - yAxis.Fraction(v) * (bottom - top);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"#ffffff\"/>\n");
        if (Title.Length != 0)
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(Width / 2.0)}\" y=\"{Pad + 14}\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{Escape(Title)}</text>\n");
        if (YLabel.Length != 0)
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(Pad)}\" y=\"{N(top - 6)}\" text-anchor=\"start\">{Escape(YLabel)}</text>\n");   // from the left edge: never clipped
        if (XLabel.Length != 0)
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N((left + right) / 2)}\" y=\"{N(Height - Pad)}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n");

        svg.Append("<g stroke=\"#e6e6e6\" stroke-width=\"1\">\n");
        foreach (double t in xAxis.Ticks) svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(X(t))}\" y1=\"{N(top)}\" x2=\"{N(X(t))}\" y2=\"{N(bottom)}\"/>\n");
        foreach (double t in yAxis.Ticks) svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(left)}\" y1=\"{N(Y(t))}\" x2=\"{N(right)}\" y2=\"{N(Y(t))}\"/>\n");
        svg.Append("</g>\n<g fill=\"#282828\">\n");
        foreach (double t in xAxis.Ticks)
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(X(t))}\" y=\"{N(bottom + 15)}\" text-anchor=\"middle\">{Escape(xAxis.Label(t))}</text>\n");
        foreach (double t in yAxis.Ticks)
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(left - 6)}\" y=\"{N(Y(t) + 4)}\" text-anchor=\"end\">{Escape(yAxis.Label(t))}</text>\n");
        svg.Append("</g>\n");
        svg.Append(CultureInfo.InvariantCulture,
            $"<rect x=\"{N(left)}\" y=\"{N(top)}\" width=\"{N(right - left)}\" height=\"{N(bottom - top)}\" fill=\"none\" stroke=\"#282828\"/>\n");

        for (int s = 0; s < series.Count; s++)
        {
            string color = Palette.Color(s).ToHex();
            svg.Append(CultureInfo.InvariantCulture, $"<g stroke=\"{color}\" fill=\"{color}\">\n");
            var run = new List<string>();
            void Flush()
            {
                if (run.Count > 1) svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke-width=\"2\" points=\"{string.Join(" ", run)}\"/>\n");
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
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(X(x))}\" cy=\"{N(Y(y))}\" r=\"2.5\" stroke=\"none\"/>\n");
            }
            Flush();
            svg.Append("</g>\n");

            double legendY = top + 6 + 16 * s;
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{N(right + 12)}\" y1=\"{N(legendY)}\" x2=\"{N(right + 30)}\" y2=\"{N(legendY)}\" stroke=\"{color}\" stroke-width=\"2\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(right + 35)}\" y=\"{N(legendY + 4)}\">{Escape(series[s].Name)}</text>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Escape(string text) => Markup.Escape(text);
}
