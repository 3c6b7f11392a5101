using System.Xml.Linq;
using LatentSharp.Imaging;

namespace LatentSharp.Tests.Imaging;

public class SvgFigureTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static List<string> Texts(string svg) => XDocument.Parse(svg).Root!.Descendants(Svg + "text").Select(t => t.Value).ToList();

    [Fact]
    public void ScatterPlot_IsWellFormedSvg_WithTickValuesAxisLabelsAndALegend()
    {
        float[] points = [-2.5f, 0f, 0f, 1f, 3.5f, 2f, float.NaN, 1f];
        string svg = new SvgScatterPlot { Title = "codes", XLabel = "z0", YLabel = "z1" }.Render(points, [0, 1, 1, 0], ["T-shirt/top", "Trouser"]);
        XElement root = XDocument.Parse(svg).Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal(3, root.Descendants(Svg + "circle").Count());   // the NaN point is left out
        var texts = Texts(svg);
        foreach (string text in new[] { "codes", "z0", "z1", "T-shirt/top", "Trouser", "-2", "0", "2" }) Assert.Contains(text, texts);
        Assert.Contains(".ls-class-1{fill:" + Palette.Color(1).ToHex() + "}", svg);
    }

    [Fact]
    public void ScatterPlot_DrawsInTheGivenOrder_AndEscapesNames()
    {
        string svg = new SvgScatterPlot().Render([0f, 0f, 1f, 1f], [0, 1], ["<a>", "b & c"], [1, 0]);
        var classes = XDocument.Parse(svg).Root!.Descendants(Svg + "circle").Select(c => (string)c.Attribute("class")!).ToList();
        Assert.Equal(["ls-class-1", "ls-class-0"], classes);
        Assert.Contains("<a>", Texts(svg));
        Assert.Contains("b & c", Texts(svg));
    }

    [Fact]
    public void ScatterPlot_LabelWithoutAName_Throws() =>
        Assert.Throws<ArgumentException>(() => new SvgScatterPlot().Render([0f, 0f], [3], ["a"]));

    [Fact]
    public void ImagePlot_EmbedsTheImageAsAPng_WithTheTicksAlongItsEdges()
    {
        var image = new Image(30, 20, 1, Rgb.Gray(128));
        string svg = new SvgImagePlot { Title = "grid", XLabel = "z0", YLabel = "z1", Scale = 2 }
            .Render(image, [new AxisTick(0.5, "0"), new AxisTick(0.9, "1.28")], [new AxisTick(0.1, "-1.28")]);
        XElement root = XDocument.Parse(svg).Root!;
        XElement embedded = root.Descendants(Svg + "image").Single();
        string href = (string)embedded.Attribute("href")!;
        Assert.StartsWith("data:image/png;base64,", href);
        Image decoded = Png.Decode(Convert.FromBase64String(href["data:image/png;base64,".Length..]));
        Assert.Equal((30, 20), (decoded.Width, decoded.Height));
        Assert.Equal(("60", "40"), ((string)embedded.Attribute("width")!, (string)embedded.Attribute("height")!));
        var texts = Texts(svg);
        foreach (string text in new[] { "grid", "z0", "z1", "0", "1.28", "-1.28" }) Assert.Contains(text, texts);
        // The x tick at the middle sits at the middle of the image.
        double left = double.Parse((string)embedded.Attribute("x")!, System.Globalization.CultureInfo.InvariantCulture);
        XElement middle = root.Descendants(Svg + "text").First(t => t.Value == "0");
        Assert.Equal(left + 30, double.Parse((string)middle.Attribute("x")!, System.Globalization.CultureInfo.InvariantCulture), 1);
    }
}
