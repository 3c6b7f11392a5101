using LatentSharp.Imaging;

namespace LatentSharp.Tests.Imaging;

public class ScatterPlotTests
{
    private static int CountColour(Image image, Rgb colour, int x0, int y0, int x1, int y1)
    {
        int count = 0;
        for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            if (image.GetPixel(x, y) == colour) count++;
        return count;
    }

    [Fact]
    public void Render_PutsEachClassColourInItsQuadrant()
    {
        // Class 0 up and right, class 1 down and left, class 2 down and right; y grows upwards in data space.
        float[] points = [1f, 1f, 0.8f, 0.9f, -1f, -1f, -0.9f, -0.7f, 1f, -1f];
        int[] labels = [0, 0, 1, 1, 2];
        var plot = new ScatterPlot { Title = "test", XLabel = "z0", YLabel = "z1" };
        var (image, frame) = plot.RenderWithFrame(points, labels, ["up", "down", "right"]);

        Assert.Equal((640, 520, 3), (image.Width, image.Height, image.Channels));
        int midX = frame.PixelX(0), midY = frame.PixelY(0);
        Rgb c0 = Palette.Color(0), c1 = Palette.Color(1), c2 = Palette.Color(2);
        Assert.True(CountColour(image, c0, midX, frame.Top, frame.Right, midY) >= 9);
        Assert.True(CountColour(image, c1, frame.Left, midY, midX, frame.Bottom) >= 9);
        Assert.True(CountColour(image, c2, midX, midY, frame.Right, frame.Bottom) >= 9);
        Assert.Equal(0, CountColour(image, c0, frame.Left, frame.Top, frame.Right, frame.Bottom) - CountColour(image, c0, midX, frame.Top, frame.Right, midY));
        Assert.Equal(0, CountColour(image, c1, midX, frame.Top, frame.Right, frame.Bottom));
        // The legend, right of the plot, shows every class colour.
        foreach (Rgb c in new[] { c0, c1, c2 }) Assert.True(CountColour(image, c, frame.Right + 1, 0, image.Width, image.Height) >= 64);
    }

    [Fact]
    public void Render_AxesHaveTicksWhoseNumbersBracketTheData()
    {
        var (_, frame) = new ScatterPlot().RenderWithFrame([-2.3f, 0.1f, 4.2f, 7.9f], [0, 0], ["a"]);
        Assert.True(frame.XAxis.Low <= -2.3 && frame.XAxis.High >= 4.2);
        Assert.True(frame.YAxis.Low <= 0.1 && frame.YAxis.High >= 7.9);
        Assert.InRange(frame.XAxis.Ticks.Length, 3, 12);
        Assert.Equal(frame.Left, frame.PixelX(frame.XAxis.Low));
        Assert.Equal(frame.Top, frame.PixelY(frame.YAxis.High));
    }

    [Fact]
    public void Render_SinglePointAndNonFiniteValues_StillDraw()
    {
        Image image = new ScatterPlot().Render([3f, 3f, float.NaN, 1f], [0, 0], ["only"]);
        Assert.True(CountColour(image, Palette.Color(0), 0, 0, image.Width, image.Height) > 64);
    }

    [Fact]
    public void Render_WithDrawOrder_PaintsTheLastDrawnPointOnTop()
    {
        // Two classes at the same place, then a third point that fixes the extent; the draw order decides the colour.
        float[] points = [0f, 0f, 0f, 0f, 1f, 1f];
        int[] labels = [0, 1, 0];
        var plot = new ScatterPlot();
        var (firstOnTop, frame) = plot.RenderWithFrame(points, labels, ["a", "b"], [1, 0, 2]);
        var (secondOnTop, _) = plot.RenderWithFrame(points, labels, ["a", "b"], [0, 1, 2]);
        int x = frame.PixelX(0), y = frame.PixelY(0);
        Assert.Equal(Palette.Color(0), firstOnTop.GetPixel(x, y));
        Assert.Equal(Palette.Color(1), secondOnTop.GetPixel(x, y));
    }

    [Fact]
    public void Render_DrawOrderOfWrongLengthOrIndex_SaysSo()
    {
        var plot = new ScatterPlot();
        var shortOrder = Assert.Throws<ArgumentException>(() => plot.Render([0f, 0f, 1f, 1f], [0, 0], ["a"], [0]));
        Assert.Contains("draw order of 2", shortOrder.Message);
        var badIndex = Assert.Throws<ArgumentException>(() => plot.Render([0f, 0f, 1f, 1f], [0, 0], ["a"], [0, 2]));
        Assert.Contains("index 2", badIndex.Message);
    }

    [Fact]
    public void Render_LabelWithoutName_SaysSo()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ScatterPlot().Render([0f, 0f], [3], ["a", "b"]));
        Assert.Contains("Label 3", ex.Message);
    }
}
