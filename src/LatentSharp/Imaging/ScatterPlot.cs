using LatentSharp.Imaging.Internal;

namespace LatentSharp.Imaging;

/// <summary>
/// A scatter plot of 2-D points coloured by integer label, as an RGB image: a framed plot area with grid lines, ticks
/// and numbers on both axes, axis labels, a title on top and a legend of class names on the right. Later points paint
/// over earlier ones: pass a shuffled draw order, so no class is painted over all the others just because it comes last.
/// </summary>
public sealed class ScatterPlot
{
    private const int Pad = 8, TickLength = 4, SwatchSize = 8;

    /// <summary>The image width, in pixels.</summary>
    public int Width { get; init; } = 640;
    /// <summary>The image height, in pixels.</summary>
    public int Height { get; init; } = 520;
    /// <summary>The line above the plot; empty for none.</summary>
    public string Title { get; init; } = "";
    /// <summary>The label under the x axis; empty for none.</summary>
    public string XLabel { get; init; } = "";
    /// <summary>The label of the y axis; empty for none.</summary>
    public string YLabel { get; init; } = "";

    /// <summary>Each point is a (2r + 1)-pixel square.</summary>
    public int PointRadius { get; init; } = 1;

    /// <summary>The colour behind the plot and legend.</summary>
    public Rgb Background { get; init; } = Rgb.White;

    /// <summary>
    /// Plots <paramref name="points"/> ([N, 2] row-major: x then y) with colours <see cref="Palette.Color"/> of
    /// <paramref name="labels"/> ([N], each in [0, classNames.Count)). Non-finite points are left out. Points are drawn
    /// in <paramref name="drawOrder"/> ([N] point indices) when given, else in their own order.
    /// </summary>
    public Image Render(ReadOnlySpan<float> points, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames, ReadOnlySpan<int> drawOrder = default) =>
        RenderWithFrame(points, labels, classNames, drawOrder).Image;

    internal (Image Image, PlotFrame Frame) RenderWithFrame(ReadOnlySpan<float> points, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames, ReadOnlySpan<int> drawOrder = default)
    {
        Check(points, labels, classNames, drawOrder);
        int n = points.Length / 2;
        ArgumentOutOfRangeException.ThrowIfNegative(PointRadius);

        var (xMin, xMax, yMin, yMax) = Extent(points);
        double xPad = 0.02 * (xMax - xMin), yPad = 0.02 * (yMax - yMin);
        AxisTicks xAxis = AxisTicks.For(xMin - xPad, xMax + xPad), yAxis = AxisTicks.For(yMin - yPad, yMax + yPad);

        // Layout, top to bottom: title, y-axis label, plot, x tick numbers, x-axis label; legend right of the plot.
        int titleHeight = Title.Length == 0 ? 0 : 2 * BitmapFont.GlyphHeight + Pad;
        int top = Pad + titleHeight + (YLabel.Length == 0 ? 0 : BitmapFont.LineHeight + 2);
        int yTickWidth = yAxis.Ticks.Max(t => BitmapFont.MeasureText(yAxis.Label(t)).Width);
        int left = Pad + yTickWidth + 3 + TickLength;
        int legendWidth = classNames.Count == 0 ? 0 : 2 * Pad + SwatchSize + 4 + classNames.Max(c => BitmapFont.MeasureText(c).Width);
        int right = Width - Pad - legendWidth - Pad;
        int bottom = Height - Pad - TickLength - 3 - BitmapFont.GlyphHeight - (XLabel.Length == 0 ? 0 : BitmapFont.LineHeight + 3);
        if (right - left < 20 || bottom - top < 20)
            throw new ArgumentException($"A {Width}x{Height} image leaves no room for the plot area; make it larger.");
        var frame = new PlotFrame(left, top, right, bottom, xAxis, yAxis);

        var image = new Image(Width, Height, 3, Background);
        var grid = Rgb.Gray(230);
        var ink = Rgb.Gray(40);
        foreach (double t in xAxis.Ticks)
        {
            int px = frame.PixelX(t);
            image.FillRect(px, top, 1, bottom - top, grid);
            image.FillRect(px, bottom, 1, TickLength, ink);
            string text = xAxis.Label(t);
            BitmapFont.DrawText(image, px - BitmapFont.MeasureText(text).Width / 2, bottom + TickLength + 3, text, ink);
        }
        foreach (double t in yAxis.Ticks)
        {
            int py = frame.PixelY(t);
            image.FillRect(left, py, right - left, 1, grid);
            image.FillRect(left - TickLength, py, TickLength, 1, ink);
            string text = yAxis.Label(t);
            BitmapFont.DrawText(image, left - TickLength - 3 - BitmapFont.MeasureText(text).Width, py - BitmapFont.GlyphHeight / 2, text, ink);
        }

        for (int k = 0; k < n; k++)
        {
            int i = drawOrder.IsEmpty ? k : drawOrder[k];
            float x = points[2 * i], y = points[2 * i + 1];
            if (!float.IsFinite(x) || !float.IsFinite(y)) continue;
            int r = PointRadius;
            image.FillRect(frame.PixelX(x) - r, frame.PixelY(y) - r, 2 * r + 1, 2 * r + 1, Palette.Color(labels[i]));
        }

        // The frame goes on top of the points, so a point on the edge does not break it.
        image.FillRect(left, top, right - left + 1, 1, ink);
        image.FillRect(left, bottom, right - left + 1, 1, ink);
        image.FillRect(left, top, 1, bottom - top, ink);
        image.FillRect(right, top, 1, bottom - top, ink);

        if (Title.Length != 0)
            BitmapFont.DrawText(image, Math.Max(Pad, (Width - BitmapFont.MeasureText(Title, 2).Width) / 2), Pad, Title, Rgb.Black, scale: 2);
        if (YLabel.Length != 0)
            BitmapFont.DrawText(image, Math.Max(Pad, left - BitmapFont.MeasureText(YLabel).Width / 2), top - BitmapFont.LineHeight - 2, YLabel, ink);
        if (XLabel.Length != 0)
            BitmapFont.DrawText(image, (left + right - BitmapFont.MeasureText(XLabel).Width) / 2, Height - Pad - BitmapFont.GlyphHeight, XLabel, ink);

        int legendX = right + 2 * Pad, legendY = top;
        for (int c = 0; c < classNames.Count; c++)
        {
            int rowY = legendY + c * (BitmapFont.LineHeight + 4);
            image.FillRect(legendX, rowY, SwatchSize, SwatchSize, Palette.Color(c));
            BitmapFont.DrawText(image, legendX + SwatchSize + 4, rowY + 1, classNames[c], ink);
        }
        return (image, frame);
    }

    /// <summary>Refuses points that are not pairs, labels without a name and a draw order that is not one index per point.</summary>
    internal static void Check(ReadOnlySpan<float> points, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames, ReadOnlySpan<int> drawOrder)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (points.Length % 2 != 0) throw new ArgumentException($"Points are [N, 2] pairs; got {points.Length} values.", nameof(points));
        int n = points.Length / 2;
        if (labels.Length != n) throw new ArgumentException($"{n} points need {n} labels, got {labels.Length}.", nameof(labels));
        foreach (int label in labels)
            if ((uint)label >= (uint)classNames.Count)
                throw new ArgumentException($"Label {label} has no class name: {classNames.Count} names given.", nameof(labels));
        if (!drawOrder.IsEmpty && drawOrder.Length != n)
            throw new ArgumentException($"{n} points need a draw order of {n} indices, got {drawOrder.Length}.", nameof(drawOrder));
        foreach (int index in drawOrder)
            if ((uint)index >= (uint)n)
                throw new ArgumentException($"Draw order index {index} is not one of the {n} points.", nameof(drawOrder));
    }

    internal static (double XMin, double XMax, double YMin, double YMax) Extent(ReadOnlySpan<float> points)
    {
        double xMin = double.PositiveInfinity, xMax = double.NegativeInfinity, yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        for (int i = 0; i + 1 < points.Length; i += 2)
        {
            float x = points[i], y = points[i + 1];
            if (!float.IsFinite(x) || !float.IsFinite(y)) continue;
            (xMin, xMax, yMin, yMax) = (Math.Min(xMin, x), Math.Max(xMax, x), Math.Min(yMin, y), Math.Max(yMax, y));
        }
        return double.IsFinite(xMin) ? (xMin, xMax, yMin, yMax) : (0, 1, 0, 1);
    }
}

/// <summary>Where a plot's data area lies in the image (pixels, y down) and how data coordinates map onto it.</summary>
internal readonly record struct PlotFrame(int Left, int Top, int Right, int Bottom, AxisTicks XAxis, AxisTicks YAxis)
{
    public int PixelX(double x) => Left + (int)Math.Round(XAxis.Fraction(x) * (Right - Left));

    public int PixelY(double y) => Bottom - (int)Math.Round(YAxis.Fraction(y) * (Bottom - Top));
}
