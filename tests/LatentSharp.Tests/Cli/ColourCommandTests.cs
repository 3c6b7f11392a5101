using System.Net.Http.Json;
using System.Text.Json;
using LatentSharp.Cli;
using LatentSharp.Cli.Serving;
using LatentSharp.Data;
using LatentSharp.Imaging;
using LatentSharp.Reports;
using LatentSharp.Training;

namespace LatentSharp.Tests.Cli;

/// <summary>
/// Tiny models trained once per test class on the shipped colour set, emoji-sample (3x32x32; 1 epoch, 2 threads): an MLP
/// VAE and a conv-vae, both with a 2-D latent.
/// </summary>
public sealed class ColourModels : IDisposable
{
    public ColourModels()
    {
        Folder = Directory.CreateTempSubdirectory("ls-colour-").FullName;
        Vae = Train("vae", "--hidden", "16");
        ConvVae = Train("conv-vae", "--kind", "conv-vae", "--conv-channels", "4,8");
    }

    public string Folder { get; }

    /// <summary>The VAE's model.safetensors.</summary>
    public string Vae { get; }

    /// <summary>The conv-vae's model.safetensors.</summary>
    public string ConvVae { get; }

    private string Train(string name, params string[] options)
    {
        string run = Path.Combine(Folder, name);
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(),
            ["train", "--data", "emoji-sample", "--epochs", "1", "--latent", "2", "--threads", "2", "-o", run, .. options], output, error);
        if (code != 0) throw new InvalidOperationException($"Training the colour {name} fixture failed: {error}");
        TrainOutput = output.ToString();
        return Path.Combine(run, Trainer.LatestCheckpoint);
    }

    /// <summary>What the last fixture's training printed.</summary>
    public string TrainOutput { get; private set; } = "";

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>End to end on colour images: training, every figure verb, the report and the explorer show them in colour.</summary>
public sealed class ColourCommandTests(ColourModels models) : IClassFixture<ColourModels>, IDisposable
{
    private const int Size = 32, Tile = Size * 2, Margin = 2;

    private readonly string _out = Directory.CreateTempSubdirectory("ls-colour-out-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args) => Latent.Run(args);

    private static Dataset EmojiTest() => new DatasetResolver().Load("emoji-sample").Test;

    /// <summary>Test image <paramref name="index"/> of emoji-sample as RGB pixels, scaled as the grids draw it.</summary>
    private static Image TestTile(int index) => Image.FromPlanes(EmojiTest().Image(index), 3, Size, Size).Upscale(2);

    private static void AssertTileAt(Image figure, Image tile, int left, int top)
    {
        for (int y = 0; y < tile.Height; y++)
            for (int x = 0; x < tile.Width; x++)
                Assert.Equal(tile.GetPixel(x, y), figure.GetPixel(left + x, top + y));
    }

    [Fact]
    public void Train_OnEmojiSample_WritesColourSamplesAndReconstructions()
    {
        Assert.Contains("3x32x32", models.TrainOutput);
        string run = Path.GetDirectoryName(models.ConvVae)!;
        Assert.Equal(3, Png.Read(Path.Combine(run, Figures.SamplesFile)).Channels);
        Image reconstructions = Png.Read(Path.Combine(run, Figures.ReconstructionsFile));
        int labelWidth = BitmapFont.MeasureText("recon").Width + 2 * Margin + 2;
        AssertTileAt(reconstructions, TestTile(0), labelWidth + Margin, Margin);
        AssertTileAt(reconstructions, TestTile(1), labelWidth + 2 * Margin + Tile, Margin);
    }

    public static TheoryData<string, string[]> Verbs => new()
    {
        { "sample", ["--count", "4", "--columns", "2"] },
        { "sample", ["--count", "4", "--columns", "2", "--sampled"] },
        { "reconstruct", ["--count", "4", "--columns", "2"] },
        { "interpolate", ["--steps", "3"] },
        { "traverse", ["--steps", "3"] },
        { "manifold", ["--steps", "3"] },
        { "edit", ["--set", "0=1"] },
        { "embed", [] },
    };

    [Theory]
    [MemberData(nameof(Verbs))]
    public void FigureVerbs_OnColourModels_WriteRgbPngs(string verb, string[] options)
    {
        foreach (string checkpoint in new[] { models.Vae, models.ConvVae })
        {
            string file = Path.Combine(_out, $"{verb}-{Guid.NewGuid():N}.png");
            var (code, _, error) = Run([verb, "-m", checkpoint, "-o", file, "--threads", "2", .. options]);
            Assert.True(code == 0, error);
            Assert.Equal(3, Png.Read(file).Channels);
        }
    }

    [Fact]
    public void Reconstruct_ShowsTheTestImagesInTheirColours()
    {
        string file = Path.Combine(_out, "reconstruct.png");
        Assert.Equal(0, Run("reconstruct", "-m", models.Vae, "-o", file, "--count", "4", "--columns", "2").Code);
        Image image = Png.Read(file);
        int labelWidth = BitmapFont.MeasureText("recon").Width + 2 * Margin + 2;
        AssertTileAt(image, TestTile(1), labelWidth + 2 * Margin + Tile, Margin);
        AssertTileAt(image, TestTile(2), labelWidth + Margin, 3 * Margin + 2 * Tile);
    }

    [Fact]
    public void Report_OnAColourModel_EmbedsColourPictures()
    {
        string path = Path.Combine(_out, "report.html");
        var (code, _, error) = Run("report", "-m", models.ConvVae, "-o", path, "--threads", "2");
        Assert.True(code == 0, error);
        string[] images = File.ReadAllText(path).Split("data:image/png;base64,")[1..];
        Assert.Equal(5, images.Length);   // four PNG figures and the manifold's grid inside its SVG
        foreach (string encoded in images) Assert.Equal(3, Png.Decode(Convert.FromBase64String(encoded[..encoded.IndexOf('"')])).Channels);
    }

    [Fact]
    public async Task Serve_OnAColourModel_GivesColourPngs()
    {
        Dataset test = EmojiTest();
        using var explorer = Explorer.Create(Checkpoint.Load(models.Vae).Model, test);
        var app = ExplorerServer.Build(explorer, "127.0.0.1", port: 0);
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(ExplorerServer.Address(app) + "/"), Timeout = TimeSpan.FromSeconds(60) };
            Image image = Png.Decode(await client.GetByteArrayAsync("api/test-image/3"));
            Assert.Equal(Image.FromPlanes(test.Image(3), 3, Size, Size).Pixels, image.Pixels);

            JsonElement info = await client.GetFromJsonAsync<JsonElement>("api/info");
            Assert.Equal(3, info.GetProperty("channels").GetInt32());
            using HttpResponseMessage response = await client.PostAsJsonAsync("api/decode", new { z = new[] { 0f, 0f } });
            Image decoded = Png.Decode(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal((3, Size, Size), (decoded.Channels, decoded.Width, decoded.Height));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public void FigureVerb_DataOfOtherChannels_IsRefusedNamingBothShapes()
    {
        string folder = ImageFolderOf(Path.Combine(_out, "grey"), channels: 1, Size, Size);
        var (code, _, error) = Run("sample", "-m", models.Vae, "--data", folder, "-o", Path.Combine(_out, "never.png"));
        Assert.NotEqual(0, code);
        Assert.Contains("has 1x32x32 images but the model in model.safetensors takes 3x32x32", error);
    }

    [Fact]
    public void Train_ConvVaeOnAFolderOfImagesNotSquare_TrainsAndDrawsThem()
    {
        string folder = ImageFolderOf(Path.Combine(_out, "wide"), channels: 3, height: 12, width: 20);
        string run = Path.Combine(_out, "wide-run");
        var (code, output, error) = Run("train", "--data", folder, "--kind", "conv-vae", "--conv-channels", "4,4", "--latent", "2", "--epochs", "1", "--threads", "2", "-o", run);
        Assert.True(code == 0, error);
        Assert.Contains("conv-vae 3x12x20", output);
        string file = Path.Combine(_out, "wide.png");
        Assert.Equal(0, Run("sample", "-m", Path.Combine(run, Trainer.LatestCheckpoint), "--count", "2", "--columns", "2", "-o", file).Code);
        Image image = Png.Read(file);
        Assert.Equal((3, 2 * 20 * 2 + 3 * Margin, 12 * 2 + 2 * Margin), (image.Channels, image.Width, image.Height));
    }

    [Fact]
    public void Train_ConvVaeOnImagesItsConvolutionsCannotHalve_IsRefusedNamingTheOption()
    {
        string folder = ImageFolderOf(Path.Combine(_out, "odd"), channels: 3, height: 30, width: 30);
        var (code, _, error) = Run("train", "--data", folder, "--kind", "conv-vae", "--epochs", "1", "-o", Path.Combine(_out, "odd-run"));
        Assert.NotEqual(0, code);
        Assert.Contains("--conv-channels: 2 stride-2 convolutions need height and width divisible by 4; the images are 30x30", error);
        Assert.False(Directory.Exists(Path.Combine(_out, "odd-run")));
    }

    [Theory]
    [InlineData("--kind: the pixelcnn needs single-channel binarized images; these are 3x32x32", "--kind", "pixelcnn")]
    [InlineData("--likelihood: the \"pixelcnn\" likelihood needs single-channel binarized images", "--kind", "conv-vae", "--likelihood", "pixelcnn")]
    public void Train_PixelCnnOnColourImages_IsRefused(string expected, params string[] options)
    {
        var (code, _, error) = Run(["train", "--data", "emoji-sample", "--epochs", "1", "-o", Path.Combine(_out, "never"), .. options]);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, error);
    }

    /// <summary>A folder with train/ (6 images) and test/ (2 images) of random PNGs of the given geometry.</summary>
    private static string ImageFolderOf(string folder, int channels, int height, int width)
    {
        var random = new Random(7);
        foreach (var (split, count) in new[] { ("train", 6), ("test", 2) })
        {
            string directory = Path.Combine(folder, split);
            Directory.CreateDirectory(directory);
            for (int i = 0; i < count; i++)
            {
                var image = new Image(width, height, channels);
                random.NextBytes(image.Pixels);
                Png.Write(Path.Combine(directory, $"{i}.png"), image);
            }
        }
        return folder;
    }
}
