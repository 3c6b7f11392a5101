using LatentSharp.Data;
using LatentSharp.Imaging;
using LatentSharp.Models;
using LatentSharp.Reports;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Reports;

/// <summary>
/// Figures of models of colour images, 3x4x6 (not square): a pure red test image and a pure blue one must come out red
/// and blue in the PNG, one tile each wherever the figure shows them.
/// </summary>
public class ColourFiguresTests
{
    private const int C = 3, H = 4, W = 6, Plane = H * W;

    /// <summary>Pixels a 4x6 tile covers at the grids' default scale of 2.</summary>
    private const int TileArea = H * 2 * W * 2;

    private static readonly Rgb Red = new(255, 0, 0), Blue = new(0, 0, 255);

    private static LatentModel TinyModel(string kind = "vae", int classes = 0) =>
        ModelCatalog.Build(new ModelSpec { Kind = kind, Channels = C, Height = H, Width = W, LatentSize = 2, Hidden = [8], ConvChannels = [4], Classes = classes, Likelihood = kind == "ae" ? "bce" : "bernoulli" }, new Rng(3));

    /// <summary>20 colour images: image 0 all red, image 1 all blue, the others noise in (0.1, 0.9); labels 0, 1, 2, 0, ...</summary>
    private static Dataset ColourData(int n = 20)
    {
        var pixels = new float[n * C * Plane];
        new Rng(5).FillUniform(pixels, 0.1f, 0.9f);
        Span<float> red = pixels.AsSpan(0, C * Plane), blue = pixels.AsSpan(C * Plane, C * Plane);
        red.Clear();
        red[..Plane].Fill(1f);
        blue.Clear();
        blue[(2 * Plane)..].Fill(1f);
        return new Dataset("colour", n, C, H, W, pixels, Enumerable.Range(0, n).Select(i => i % 3).ToArray(), ["a", "b", "c"]);
    }

    /// <summary>The figure as a viewer sees it: written as PNG and read back.</summary>
    private static Image ThroughPng(Image figure) => Png.Decode(Png.Encode(figure));

    private static int Count(Image image, Rgb colour)
    {
        int count = 0;
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                if (image.GetPixel(x, y) == colour) count++;
        return count;
    }

    private static void AssertColourTiles(Image figure, int red, int blue)
    {
        Image image = ThroughPng(figure);
        Assert.Equal(3, image.Channels);
        Assert.Equal(red * TileArea, Count(image, Red));
        Assert.Equal(blue * TileArea, Count(image, Blue));
    }

    [Theory]
    [InlineData("vae")]
    [InlineData("conv-vae")]
    [InlineData("ae")]
    public void Reconstructions_ColourData_ShowTheRedAndBlueImagesInColour(string kind)
    {
        LatentModel model = kind == "conv-vae"
            ? ModelCatalog.Build(new ModelSpec { Kind = kind, Channels = C, Height = 4, Width = 8, LatentSize = 2, ConvChannels = [4, 4] }, new Rng(3))
            : TinyModel(kind);
        Dataset data = kind == "conv-vae" ? Wider(ColourData()) : ColourData();
        Image image = ThroughPng(Figures.Reconstructions(model, data, count: 8, columns: 4));
        int area = model.Spec.Height * 2 * model.Spec.Width * 2;
        Assert.Equal((3, area, area), (image.Channels, Count(image, Red), Count(image, Blue)));
    }

    /// <summary>The data 4x8: each image's rows twice as long (the conv-vae's two stride-2 layers need widths divisible by 4).</summary>
    private static Dataset Wider(Dataset data)
    {
        var pixels = new float[data.Count * C * H * 8];
        for (int i = 0; i < data.Count; i++)
            for (int c = 0; c < C; c++)
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < 8; x++)
                        pixels[((i * C + c) * H + y) * 8 + x] = data.Image(i)[(c * H + y) * W + x % W];
        return new Dataset("wider", data.Count, C, H, 8, pixels, data.Labels, data.ClassNames);
    }

    [Fact]
    public void Samples_OfAColourModel_AreAnRgbGridOfItsSize()
    {
        Image image = Figures.Samples(TinyModel(), 8, new Rng(1), ColourData(), columns: 4);
        var grid = new ImageGrid();
        Assert.Equal((3, 4 * W * 2 + 5 * grid.Margin, 2 * H * 2 + 3 * grid.Margin), (image.Channels, image.Width, image.Height));
    }

    [Fact]
    public void Samples_OfAConditionalColourModel_AreRgb()
    {
        Image image = Figures.Samples(TinyModel("cvae", classes: 3), 8, new Rng(1), ColourData(), columns: 2);
        Assert.Equal(3, image.Channels);
    }

    [Fact]
    public void SamplesWithPixelDraws_OfAColourModel_AreRgb()
    {
        Assert.Equal(3, LatentFigures.SamplesWithPixelDraws(TinyModel(), 4, new Rng(1), columns: 2).Channels);
    }

    [Fact]
    public void Interpolation_FromRedToBlue_ShowsBothEndsInColour()
    {
        Dataset data = ColourData();
        Image image = LatentFigures.Interpolation(TinyModel(), data.Image(0), data.Image(1), 3, [InterpolationPath.Linear, InterpolationPath.Spherical], H, W);
        AssertColourTiles(image, red: 2, blue: 2);
    }

    [Fact]
    public void Traversal_OfTheRedImage_ShowsItAtTheStartOfEachRow()
    {
        Image image = LatentFigures.Traversal(TinyModel(), ColourData().Image(0), [0, 1], LatentFrame.StandardNormal(2), 3, 4, H, W);
        AssertColourTiles(image, red: 2, blue: 0);
    }

    [Fact]
    public void Edit_OfTheBlueImage_ShowsItFirst()
    {
        Image image = LatentFigures.Edit(TinyModel(), ColourData().Image(1), new Dictionary<int, float> { [0] = 1f }, H, W);
        AssertColourTiles(image, red: 0, blue: 1);
    }

    [Fact]
    public void Manifold_OfAColourModel_IsRgb()
    {
        Image image = LatentFigures.Manifold(TinyModel(), LatentFrame.StandardNormal(2), 3, 0, 1, H, W);
        Assert.Equal((3, 3 * W * 2, 3 * H * 2), (image.Channels, image.Width, image.Height));
    }

    [Fact]
    public void LayerTraversal_OfAColourHierarchicalModel_IsRgb()
    {
        LatentModel model = ModelCatalog.Build(new ModelSpec { Kind = "hvae", Channels = C, Height = H, Width = W, LatentSizes = [3, 2], Hidden = [8] }, new Rng(3));
        Image image = LayerTraversals.Render(model, ColourData().Image(0), layer: 2, steps: 3);
        Assert.Equal((3, 3 * W * 2 + 4 * new ImageGrid().Margin), (image.Channels, image.Width - (BitmapFont.MeasureText("z2[0]").Width + 2 * new ImageGrid().Margin + 2)));
    }

    [Fact]
    public void SamplesByClass_ColourImages_AreDrawnInColour()
    {
        Image image = LatentFigures.SamplesByClass((c, n) =>
        {
            var images = new float[n * C * Plane];
            for (int i = 0; i < n; i++) images.AsSpan((i * C + (c == 0 ? 0 : 2)) * Plane, Plane).Fill(1f);   // class 0 red, class 1 blue
            return images;
        }, ["red", "blue"], 2, C, H, W);
        AssertColourTiles(image, red: 2, blue: 2);
    }
}
