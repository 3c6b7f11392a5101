using System.Globalization;
using System.Xml.Linq;
using LatentSharp.Imaging;

namespace LatentSharp.Tests.Imaging;

public class SvgLinePlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Render_IsWellFormedSvgWithOneLinePerSeriesAndALegend()
    {
        string svg = new SvgLinePlot { Title = "ELBO", YLabel = "nats" }.Render(
        [
            new LineSeries("train", [1, 2, 3], [-280.5, -270.25, -265]),
            new LineSeries("test", [1, 2, 3], [-277, -272.5, -264.5]),
        ]);
        XElement root = XDocument.Parse(svg).Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal(2, root.Descendants(Svg + "polyline").Count());
        Assert.Equal(6, root.Descendants(Svg + "circle").Count());
        var texts = root.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("ELBO", texts);
        Assert.Contains("train", texts);
        Assert.Contains("test", texts);
        Assert.Contains("epoch", texts);
        Assert.Contains("2", texts);   // an integer epoch tick
    }

    [Fact]
    public void Render_EscapesMarkupInNames()
    {
        string svg = new SvgLinePlot { Title = "a < b & \"c\"" }.Render([new LineSeries("<script>", [1], [1])]);
        XElement root = XDocument.Parse(svg).Root!;
        var texts = root.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("a < b & \"c\"", texts);
        Assert.Contains("<script>", texts);
        Assert.DoesNotContain("<script>", svg);
    }

    [Fact]
    public void Render_UsesInvariantNumbersWhateverTheCulture()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            CultureInfo.CurrentCulture = comma;
            string svg = new SvgLinePlot().Render([new LineSeries("kl", [1, 2], [0.25, 1.75])]);
            XElement root = XDocument.Parse(svg).Root!;
            foreach (XElement circle in root.Descendants(Svg + "circle"))
                Assert.True(double.TryParse(circle.Attribute("cy")!.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            var labels = root.Descendants(Svg + "text").Select(t => t.Value).ToList();
            Assert.Contains(labels, l => l.Contains('.'));
            Assert.DoesNotContain(labels, l => l.Contains(','));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Render_NonFiniteValue_BreaksTheLine()
    {
        string svg = new SvgLinePlot().Render([new LineSeries("loss", [1, 2, 3, 4, 5], [3, 2, double.NaN, 1.5, 1])]);
        XElement root = XDocument.Parse(svg).Root!;
        Assert.Equal(2, root.Descendants(Svg + "polyline").Count());
        Assert.Equal(4, root.Descendants(Svg + "circle").Count());
    }
}
