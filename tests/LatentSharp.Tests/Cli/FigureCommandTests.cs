using LatentSharp.Cli;
using LatentSharp.Evaluation;
using LatentSharp.Imaging;
using LatentSharp.Reports;

namespace LatentSharp.Tests.Cli;

/// <summary>End to end: every figure verb on tiny models trained on the shipped sample, its file, and its argument errors.</summary>
public sealed class FigureCommandTests(TrainedModels models) : IClassFixture<TrainedModels>, IDisposable
{
    private const int Tile = 28 * 2, Margin = 2;
    private static readonly int TitleBand = BitmapFont.GlyphHeight + 6, ColumnBand = BitmapFont.GlyphHeight + 4;

    private readonly string _out = Directory.CreateTempSubdirectory("ls-figure-out-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args) => Latent.Run(args);

    /// <summary>Runs a verb on the VAE (or <paramref name="checkpoint"/>) into a fresh file and decodes it.</summary>
    private Image Figure(string verb, string[] options, string? checkpoint = null)
    {
        string file = Path.Combine(_out, verb + "-" + Guid.NewGuid().ToString("N") + ".png");
        var (code, output, error) = Run([verb, "-m", checkpoint ?? models.Vae, "-o", file, "--threads", "1", .. options]);
        Assert.True(code == 0, error);
        Assert.Contains(file, output);
        return Png.Read(file);
    }

    private static int GridWidth(int columns, int labelWidth = 0) => labelWidth + columns * Tile + (columns + 1) * Margin;

    private static int GridHeight(int rows) => rows * Tile + (rows + 1) * Margin;

    private static int LabelWidth(string longest) => BitmapFont.MeasureText(longest).Width + 2 * Margin + 2;

    private void AssertFails(string expected, params string[] args)
    {
        var (code, _, error) = Run([.. args, "-o", Path.Combine(_out, "never.png")]);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, error);
        Assert.False(File.Exists(Path.Combine(_out, "never.png")));
    }

    [Fact]
    public void Sample_WritesAGridOfDecoderMeans()
    {
        Image image = Figure("sample", ["--count", "16", "--columns", "4"]);
        Assert.Equal((GridWidth(4), GridHeight(4), 1), (image.Width, image.Height, image.Channels));
    }

    [Fact]
    public void Sample_Sampled_AddsARowOfPixelDrawsUnderEachRow()
    {
        Image image = Figure("sample", ["--count", "8", "--columns", "4", "--sampled"]);
        Assert.Equal((GridWidth(4, LabelWidth("drawn")), GridHeight(4)), (image.Width, image.Height));
    }

    [Fact]
    public void Sample_DefaultOutput_IsBesideTheCheckpoint()
    {
        var (code, _, error) = Run("sample", "-m", models.Vae, "--count", "4");
        Assert.True(code == 0, error);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(models.Vae)!, "model-samples.png")));
    }

    [Fact]
    public void Sample_Autoencoder_DecodesAFittedGaussian_ButHasNoPixelDraws()
    {
        Image image = Figure("sample", ["--count", "8", "--columns", "8"], models.Autoencoder);
        Assert.Equal((GridWidth(8), GridHeight(1)), (image.Width, image.Height));
        AssertFails("--sampled", "sample", "-m", models.Autoencoder, "--sampled");
    }

    [Fact]
    public void Reconstruct_ShowsDataOverReconstructions()
    {
        Image image = Figure("reconstruct", ["--count", "8", "--columns", "4", "--start", "10"]);
        Assert.Equal((GridWidth(4, LabelWidth("recon")), GridHeight(4)), (image.Width, image.Height));
    }

    [Fact]
    public void Interpolate_BothPaths_TwoRowsWithTheOriginalsAtTheEnds()
    {
        Image image = Figure("interpolate", ["--from", "3", "--to", "7", "--steps", "5"]);
        Assert.Equal((GridWidth(7, LabelWidth("linear")), TitleBand + ColumnBand + GridHeight(2)), (image.Width, image.Height));
        Image linear = Figure("interpolate", ["--from", "3", "--steps", "5", "--path", "linear"]);
        Assert.Equal(TitleBand + ColumnBand + GridHeight(1), linear.Height);
    }

    [Theory]
    [InlineData("--from", "1000", "--from")]
    [InlineData("--to", "-1", "--to")]
    [InlineData("--steps", "1", "--steps")]
    [InlineData("--path", "cubic", "cubic")]
    public void Interpolate_BadArguments_FailNamingTheOption(string option, string value, string expected) =>
        AssertFails(expected, "interpolate", "-m", models.Vae, option, value);

    [Fact]
    public void Traverse_OneRowPerChosenDimension()
    {
        Image image = Figure("traverse", ["--index", "4", "--dims", "1,0", "--steps", "5", "--range", "2"]);
        Assert.Equal((GridWidth(6, LabelWidth("z0")), TitleBand + ColumnBand + GridHeight(2)), (image.Width, image.Height));
        Image top = Figure("traverse", ["--top", "1", "--steps", "3"]);
        Assert.Equal(TitleBand + ColumnBand + GridHeight(1), top.Height);
        Image all = Figure("traverse", ["--steps", "3"], models.Autoencoder);
        Assert.Equal(TitleBand + ColumnBand + GridHeight(3), all.Height);
    }

    [Theory]
    [InlineData("--dims", "0,2", "--dims")]
    [InlineData("--dims", "0,x", "--dims")]
    [InlineData("--dims", "1,1", "--dims")]
    [InlineData("--top", "3", "--top")]
    [InlineData("--index", "1000", "--index")]
    [InlineData("--range", "0", "--range")]
    public void Traverse_BadArguments_FailNamingTheOption(string option, string value, string expected) =>
        AssertFails(expected, "traverse", "-m", models.Vae, option, value);

    [Fact]
    public void Traverse_Layer_SweepsOneLayerOfTheHierarchicalVae()
    {
        // Layer 2 has two dimensions: both rows by default; layer 1's dimension 3 alone when named.
        Image top = Figure("traverse", ["--layer", "2", "--steps", "3"], models.Hierarchical);
        Assert.Equal((GridWidth(3, LabelWidth("z2[0]")), GridHeight(2)), (top.Width, top.Height));
        Image one = Figure("traverse", ["--layer", "1", "--dims", "3", "--steps", "4"], models.Hierarchical);
        Assert.Equal((GridWidth(4, LabelWidth("z1[3]")), GridHeight(1)), (one.Width, one.Height));
        var (code, output, error) = Run("traverse", "-m", models.Hierarchical, "--layer", "1", "--top", "2", "--threads", "1");
        Assert.True(code == 0, error);
        Assert.Contains("model-layer1-traversal.png", output);
    }

    [Theory]
    [InlineData("3", null, "--layer must be between 1 and 2")]
    [InlineData("2", "2", "layer 2 has 2 (0 to 1)")]
    public void Traverse_BadLayerOrDimension_SaysWhatExists(string layer, string? dims, string expected) =>
        AssertFails(expected, ["traverse", "-m", models.Hierarchical, "--layer", layer, .. dims is null ? Array.Empty<string>() : ["--dims", dims]]);

    [Fact]
    public void Traverse_LayerOfAOneLayerModel_IsRefused() => AssertFails("hierarchical", "traverse", "-m", models.Vae, "--layer", "1");

    [Fact]
    public void Traverse_DimsAndTop_AreExclusive() => AssertFails("--dims and --top", "traverse", "-m", models.Vae, "--dims", "0", "--top", "1");

    [Fact]
    public void Edit_ShowsInputReconstructionAndEdit()
    {
        Image image = Figure("edit", ["--index", "2", "--set", "0=1.5,1=-2"]);
        Assert.Equal(TitleBand + ColumnBand + GridHeight(1), image.Height);
        Assert.True(image.Width >= GridWidth(3));
    }

    [Theory]
    [InlineData("0=abc")]
    [InlineData("0:1")]
    [InlineData("2=1")]
    [InlineData("0=1,0=2")]
    [InlineData(",")]
    public void Edit_MalformedSet_FailsNamingTheOption(string set) => AssertFails("--set", "edit", "-m", models.Vae, "--set", set);

    [Fact]
    public void Edit_WithoutSet_FailsNamingTheOption() => AssertFails("--set", "edit", "-m", models.Vae);

    [Fact]
    public void Embed_ScattersTheTestCodes_DirectlyOrByPca()
    {
        Image image = Figure("embed", []);
        Assert.Equal((640, 520, 3), (image.Width, image.Height, image.Channels));
        // Ten class colours appear (the shipped sample has every class).
        for (int c = 0; c < 10; c++) Assert.Contains(Palette.Color(c), Enumerable.Range(0, image.Width * image.Height).Select(i => image.GetPixel(i % image.Width, i / image.Width)));
        Image projected = Figure("embed", ["--count", "300"], models.Autoencoder);
        Assert.Equal((640, 520), (projected.Width, projected.Height));
        AssertFails("--count", "embed", "-m", models.Vae, "--count", "1");
    }

    [Fact]
    public void Manifold_IsAStepsBySizeGrid()
    {
        Image image = Figure("manifold", ["--steps", "5"]);
        Assert.Equal(TitleBand + 5 * Tile, image.Height);
        Assert.True(image.Width >= 5 * Tile);   // a title wider than the grid widens the picture
        Image ae = Figure("manifold", ["--steps", "14", "--dims", "2,0"], models.Autoencoder);
        Assert.Equal(TitleBand + 14 * 28, ae.Height);   // scale 1 above 12 steps
    }

    [Theory]
    [InlineData("embed", "model-embedding.svg", "z0")]
    [InlineData("manifold", "model-manifold.svg", "z0")]
    public void LabelledFigures_ByDefault_AreSvgWithRealText(string verb, string file, string axisLabel)
    {
        string checkpoint = Path.Combine(_out, "model.safetensors");
        File.Copy(models.Vae, checkpoint, overwrite: true);
        var (code, output, error) = Run(verb, "-m", checkpoint, "--threads", "1");
        Assert.True(code == 0, error);
        string path = Path.Combine(_out, file);
        Assert.Contains(path, output);
        System.Xml.Linq.XElement root = System.Xml.Linq.XDocument.Load(path).Root!;
        var texts = root.Descendants((System.Xml.Linq.XNamespace)"http://www.w3.org/2000/svg" + "text").Select(t => t.Value).ToList();
        Assert.Contains(texts, t => t.Contains(axisLabel, StringComparison.Ordinal));
        Assert.True(texts.Count(t => double.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out _)) >= 6, "tick values on both axes");
    }

    [Theory]
    [InlineData("--steps", "1", "--steps")]
    [InlineData("--dims", "0", "--dims")]
    [InlineData("--dims", "0,5", "--dims")]
    public void Manifold_BadArguments_FailNamingTheOption(string option, string value, string expected) =>
        AssertFails(expected, "manifold", "-m", models.Vae, option, value);

    [Fact]
    public void Report_IsOneSelfContainedPage_WithTheEvalTableWhenPresent()
    {
        string run = Path.Combine(_out, "run");
        Directory.CreateDirectory(run);
        string checkpoint = Path.Combine(run, "model.safetensors");
        File.Copy(models.Vae, checkpoint);
        var (code, output, error) = Run("report", "-m", checkpoint, "--threads", "1");
        Assert.True(code == 0, error);
        string path = Path.Combine(run, RunReport.FileName);
        Assert.Contains(path, output);
        string html = File.ReadAllText(path);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.True(html.Split("<svg").Length - 1 >= 4, "training curves: elbo, reconstruction, kl, active units");
        // Samples, reconstructions, interpolation and traversal as PNGs; the embedding and the manifold as SVG figures,
        // the manifold's grid a PNG inside its SVG.
        string[] images = html.Split("data:image/png;base64,")[1..];
        Assert.Equal(5, images.Length);
        Assert.Equal(2, html.Split("<figure><svg").Length - 1);
        foreach (string encoded in images) Assert.True(Png.Decode(Convert.FromBase64String(encoded[..encoded.IndexOf('"')])).Width > 50);
        Assert.Contains("latent eval", html);
        Assert.DoesNotContain("src=\"runs/", html);

        EvaluationReportWriter.Write(new EvaluationReport { Model = "tiny <vae>", Dataset = "sample", Split = "test", Images = 1000, Dimensions = 784, Elbo = -301.5 },
            Path.Combine(run, EvaluationReportWriter.DefaultFileName));
        string withEval = Path.Combine(_out, "with-eval.html");
        Assert.Equal(0, Run("report", "-m", checkpoint, "-o", withEval).Code);
        string evalHtml = File.ReadAllText(withEval);
        Assert.Contains("-301.50", evalHtml);
        Assert.Contains("tiny &lt;vae&gt;", evalHtml);
    }

    [Fact]
    public void Report_Autoencoder_Works()
    {
        string path = Path.Combine(_out, "ae.html");
        var (code, _, error) = Run("report", "-m", models.Autoencoder, "-o", path);
        Assert.True(code == 0, error);
        Assert.Contains("loss", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("sample")]
    [InlineData("reconstruct")]
    [InlineData("interpolate")]
    [InlineData("traverse")]
    [InlineData("embed")]
    [InlineData("manifold")]
    [InlineData("report")]
    public void EveryVerb_MissingCheckpoint_SaysWhichFile(string verb)
    {
        var (code, _, error) = Run(verb, "-m", Path.Combine(_out, "missing.safetensors"));
        Assert.Equal(CommandRunner.DataError, code);
        Assert.Contains("missing.safetensors", error);
    }

    [Fact]
    public void EveryVerb_WithoutModel_SaysTheOptionIsRequired()
    {
        var (code, _, error) = Run("embed");
        Assert.NotEqual(0, code);
        Assert.Contains("--model", error);
    }
}
