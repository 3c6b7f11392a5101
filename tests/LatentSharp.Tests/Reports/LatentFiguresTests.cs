using LatentSharp.Data;
using LatentSharp.Imaging;
using LatentSharp.Models;
using LatentSharp.Reports;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Reports;

public class LatentFiguresTests
{
    private const int H = 4, W = 4;

    private static LatentModel TinyModel(string kind = "vae", int latent = 2) =>
        ModelCatalog.Build(new ModelSpec { Kind = kind, LatentSize = latent, Hidden = [8], Height = H, Width = W, Likelihood = kind == "ae" ? "bce" : "bernoulli" }, new Rng(3));

    private static Dataset TinyData(int n = 20)
    {
        var rng = new Rng(5);
        var pixels = new float[n * H * W];
        rng.FillUniform(pixels, 0, 1);
        return new Dataset("tiny", n, H, W, pixels, Enumerable.Range(0, n).Select(i => i % 3).ToArray(), ["a", "b", "c"]);
    }

    private static double Norm(ReadOnlySpan<float> z)
    {
        double s = 0;
        foreach (float v in z) s += v * (double)v;
        return Math.Sqrt(s);
    }

    [Theory]
    [InlineData(InterpolationPath.Linear)]
    [InlineData(InterpolationPath.Spherical)]
    public void Interpolate_StartsAndEndsAtTheCodes(InterpolationPath path)
    {
        float[] from = [1f, -2f, 0.5f], to = [-0.5f, 1f, 2f];
        float[] codes = LatentFigures.Interpolate(from, to, 5, path);
        Assert.Equal(15, codes.Length);
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(from[j], codes[j], 5);
            Assert.Equal(to[j], codes[12 + j], 5);
        }
    }

    [Fact]
    public void Interpolate_Linear_MidpointIsTheMean()
    {
        float[] codes = LatentFigures.Interpolate([0f, 2f], [4f, -2f], 3, InterpolationPath.Linear);
        Assert.Equal([2f, 0f], codes.AsSpan(2, 2).ToArray());
    }

    [Fact]
    public void Interpolate_Spherical_BetweenCodesOfEqualNorm_KeepsTheNorm()
    {
        float[] codes = LatentFigures.Interpolate([3f, 0f], [0f, 3f], 7, InterpolationPath.Spherical);
        for (int s = 0; s < 7; s++) Assert.Equal(3.0, Norm(codes.AsSpan(2 * s, 2)), 4);
        // The linear path cuts through the middle: its midpoint is shorter.
        float[] linear = LatentFigures.Interpolate([3f, 0f], [0f, 3f], 3, InterpolationPath.Linear);
        Assert.True(Norm(linear.AsSpan(2, 2)) < 2.2);
    }

    [Fact]
    public void Interpolate_Spherical_ParallelOrZeroCodes_FallBackToLinear()
    {
        Assert.Equal(LatentFigures.Interpolate([1f, 1f], [2f, 2f], 4, InterpolationPath.Linear), LatentFigures.Interpolate([1f, 1f], [2f, 2f], 4, InterpolationPath.Spherical));
        Assert.Equal(LatentFigures.Interpolate([0f, 0f], [2f, 1f], 4, InterpolationPath.Linear), LatentFigures.Interpolate([0f, 0f], [2f, 1f], 4, InterpolationPath.Spherical));
    }

    [Fact]
    public void MostActiveDimensions_OrdersByVarianceOfTheCodes()
    {
        // Dimension 2 varies most, then 0; dimension 1 is constant.
        float[] codes = [1f, 5f, -10f, -1f, 5f, 10f, 0.5f, 5f, 3f];
        Assert.Equal([2, 0], LatentFigures.MostActiveDimensions(codes, 3, 3, 2));
        Assert.Equal([0, 1, 2], LatentFigures.DefaultTraversalDimensions(codes, 3, 3));
    }

    [Fact]
    public void Traversal_OneRowPerDimension_InputInTheFirstColumn()
    {
        LatentModel model = TinyModel();
        Dataset data = TinyData();
        Image image = LatentFigures.Traversal(model, data.Image(0), [1, 0], LatentFrame.StandardNormal(2), 3, 5, H, W);
        var grid = new ImageGrid();
        int labelWidth = BitmapFont.MeasureText("z1").Width + 2 * grid.Margin + 2;
        Assert.Equal(labelWidth + 6 * W * grid.Scale + 7 * grid.Margin, image.Width);
        Assert.Equal(BitmapFont.GlyphHeight + 4 + 2 * H * grid.Scale + 3 * grid.Margin, image.Height);
        // Top-left pixel of the first tile is the input's first pixel.
        int x = labelWidth + grid.Margin, y = BitmapFont.GlyphHeight + 4 + grid.Margin;
        Assert.Equal(Image.ToByte(data.Image(0)[0]), image.GetPixel(x, y).R);
    }

    [Fact]
    public void Traversal_DimensionBeyondTheLatent_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            LatentFigures.Traversal(TinyModel(), TinyData().Image(0), [2], LatentFrame.StandardNormal(2), 3, 5, H, W));
        Assert.Contains("dimension 2", ex.Message);
    }

    [Fact]
    public void Manifold_IsASquareGridOfDecodedCodes_AndNeedsTwoDimensions()
    {
        Image image = LatentFigures.Manifold(TinyModel(), LatentFrame.StandardNormal(2), 6, 0, 1, H, W);
        Assert.Equal((6 * W * 2, 6 * H * 2), (image.Width, image.Height));
        Assert.Throws<ArgumentException>(() => LatentFigures.Manifold(TinyModel(latent: 1), LatentFrame.StandardNormal(1), 6, 0, 1, H, W));
        Assert.Throws<ArgumentException>(() => LatentFigures.Manifold(TinyModel(), LatentFrame.StandardNormal(2), 6, 1, 1, H, W));
    }

    [Fact]
    public void ManifoldSvg_HasTheLatentValuesOfTheGridOnBothAxes()
    {
        string svg = LatentFigures.ManifoldSvg(TinyModel(), LatentFrame.StandardNormal(2), 5, 1, 0, H, W, "manifold");
        System.Xml.Linq.XElement root = System.Xml.Linq.XDocument.Parse(svg).Root!;
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        var texts = root.Descendants(ns + "text").Select(t => t.Value).ToList();
        // Quantiles (i + 1/2)/5 of N(0, 1): ±1.28, ±0.52, 0, on each axis; the axes name their dimensions.
        foreach (string value in new[] { "-1.28", "-0.52", "0", "0.52", "1.28" }) Assert.Equal(2, texts.Count(t => t == value));
        Assert.Contains("z1", texts);
        Assert.Contains("z0", texts);
        Assert.Single(root.Descendants(ns + "image"));
        Assert.Throws<ArgumentException>(() => LatentFigures.ManifoldSvg(TinyModel(), LatentFrame.StandardNormal(2), 5, 1, 1, H, W));
    }

    [Fact]
    public void EmbeddingSvg_HasOnePointPerImage()
    {
        string svg = LatentFigures.EmbeddingSvg(TinyModel(latent: 5), TinyData());
        Assert.Equal(20, svg.Split("<circle").Length - 1);
        Assert.Contains("PC1", svg);
    }

    [Fact]
    public void Embedding_HigherDimensionalCodes_AreProjected()
    {
        Image image = LatentFigures.Embedding(TinyModel(latent: 5), TinyData());
        Assert.Equal((640, 520, 3), (image.Width, image.Height, image.Channels));
    }

    [Fact]
    public void Frame_OfAnAutoencoder_IsFittedToItsCodes_OfAVae_IsThePrior()
    {
        Dataset data = TinyData();
        LatentModel ae = TinyModel("ae", 3);
        float[] codes = LatentFigures.Codes(ae, data);
        LatentFrame fitted = LatentFrame.For(ae, codes, data.Count);
        double mean0 = Enumerable.Range(0, data.Count).Average(i => codes[3 * i]);
        Assert.Equal(mean0, fitted.Center[0], 5);
        Assert.True(fitted.Scale.All(s => s > 0));
        LatentFrame prior = LatentFrame.For(TinyModel(), [], 0);
        Assert.Equal([0.0, 0.0], prior.Center);
        Assert.Equal([1.0, 1.0], prior.Scale);
    }

    [Fact]
    public void SamplesByClass_GivesOneLabelledRowPerClass()
    {
        // The seam for conditional models: a fake sampler paints class c at level c / 2.
        Image image = LatentFigures.SamplesByClass((c, n) => Enumerable.Repeat(c / 2f, n * H * W).ToArray(), ["zero", "half", "one"], 4, H, W);
        var grid = new ImageGrid();
        int labelWidth = BitmapFont.MeasureText("zero").Width + 2 * grid.Margin + 2;
        for (int c = 0; c < 3; c++)
            Assert.Equal(Image.ToByte(c / 2f), image.GetPixel(labelWidth + grid.Margin, grid.Margin + c * (H * grid.Scale + grid.Margin)).R);
        Assert.Throws<ArgumentException>(() => LatentFigures.SamplesByClass((c, n) => new float[1], ["a"], 2, H, W));
    }

    [Fact]
    public void OtherClassIndex_FindsTheNextImageOfAnotherClass()
    {
        Dataset data = TinyData();   // labels 0, 1, 2, 0, 1, 2, ...
        Assert.Equal(1, LatentFigures.OtherClassIndex(data, 0));
        Assert.Equal(0, LatentFigures.OtherClassIndex(data, 19));   // label 1 at 19 wraps to index 0 (label 0)
        Assert.Equal("image 4 (b)", LatentFigures.Describe(data, 4));
    }

    [Fact]
    public void TrainingCurves_OneChartPerMetricAndOneForActiveUnits()
    {
        var history = new List<EpochReport>
        {
            new(1, 1e-3, new Dictionary<string, double> { ["elbo"] = -300, ["kl"] = 5 }, new Dictionary<string, double> { ["elbo"] = -290, ["kl"] = 6 }, 2, 1, 1),
            new(2, 1e-3, new Dictionary<string, double> { ["elbo"] = -280, ["kl"] = 7 }, new Dictionary<string, double> { ["elbo"] = -285, ["kl"] = 7 }, 2, 1, 1),
        };
        IReadOnlyList<string> charts = RunReport.TrainingCurves(history);
        Assert.Equal(3, charts.Count);
        Assert.Contains("ELBO", charts[0]);
        Assert.Contains("active units", charts[2]);
        foreach (string svg in charts) System.Xml.Linq.XDocument.Parse(svg);
    }

    [Fact]
    public void HtmlReport_EscapesTextAndEmbedsImages()
    {
        string html = new HtmlReport("a <b> & c").Paragraph("<script>alert(1)</script>").Figure(new Image(2, 2, 1), "x \"y\"").ToHtml();
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.Contains("<title>a &lt;b&gt; &amp; c</title>", html);
        Assert.Contains("data:image/png;base64,", html);
        Assert.Contains("alt=\"x &quot;y&quot;\"", html);
    }
}
