using LatentSharp.Imaging.Internal;

namespace LatentSharp.Imaging;

/// <summary>A tick on an axis of an <see cref="SvgImagePlot"/>.</summary>
/// <param name="Fraction">Where the tick is: 0 at the image's left (x) or bottom (y) edge, 1 at its right or top edge.</param>
/// <param name="Label">The text beside the tick.</param>
public readonly record struct AxisTick(double Fraction, string Label);

/// <summary>
/// An image (a grid of decoded images, say) with axes as an SVG document: the image embedded as a PNG data URI, drawn
/// pixel for pixel (scaled by <see cref="Scale"/>), with tick marks and values along its bottom and left edges, axis
/// labels and a title, in the layout of <see cref="SvgLinePlot"/>.
/// </summary>
public sealed class SvgImagePlot
{
    /// <summary>Text on top of the plot.</summary>
    public string Title { get; init; } = "";

    /// <summary>Text under the x axis.</summary>
    public string XLabel { get; init; } = "";

    /// <summary>Text above the y axis.</summary>
    public string YLabel { get; init; } = "";

    /// <summary>Screen pixels per image pixel.</summary>
    public int Scale { get; init; } = 1;

    /// <summary>The document: <paramref name="image"/> framed, with <paramref name="xTicks"/> under it and <paramref name="yTicks"/> left of it.</summary>
    public string Render(Image image, IReadOnlyList<AxisTick> xTicks, IReadOnlyList<AxisTick> yTicks)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(xTicks);
        ArgumentNullException.ThrowIfNull(yTicks);
        ArgumentOutOfRangeException.ThrowIfLessThan(Scale, 1);
        int w = image.Width * Scale, h = image.Height * Scale;

        // The document's size follows from the image: the chart's margins around a plot area of w × h (a long title widens it).
        double left = SvgChart.Pad + 8 + 6.5 * yTicks.Select(t => t.Label.Length).DefaultIfEmpty(0).Max();
        int top = SvgChart.Pad + (Title.Length == 0 ? 0 : 22) + (YLabel.Length == 0 ? 0 : 14);
        int below = SvgChart.Pad + 18 + (XLabel.Length == 0 ? 0 : 14);
        int width = Math.Max((int)Math.Ceiling(left + w + SvgChart.Pad), (int)Math.Ceiling(7.5 * Title.Length) + 2 * SvgChart.Pad);
        var chart = new SvgChart(width, top + h + below);
        chart.Layout(yTicks.Select(t => t.Label), Title, XLabel, YLabel, width - left - w - SvgChart.Pad);

        SvgTick[] x = xTicks.Select(t => new SvgTick(chart.Left + t.Fraction * w, t.Label)).ToArray();
        SvgTick[] y = yTicks.Select(t => new SvgTick(chart.Bottom - t.Fraction * h, t.Label)).ToArray();
        chart.Labels(Title, XLabel, YLabel);
        chart.Append($"<image x=\"{SvgChart.N(chart.Left)}\" y=\"{SvgChart.N(chart.Top)}\" width=\"{w}\" height=\"{h}\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,{Convert.ToBase64String(Png.Encode(image))}\"/>\n");
        chart.TickMarks(x, y);
        chart.TickLabels(x, y);
        chart.Frame();
        return chart.Close();
    }
}
