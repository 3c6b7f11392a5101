using LatentSharp.Imaging;

namespace LatentSharp.Tests.Imaging;

public class ImageGridTests
{
    [Theory]
    [InlineData(1, 1, 2, 1, 3, 3)]
    [InlineData(7, 3, 2, 2, 28, 28)]
    [InlineData(64, 8, 2, 2, 28, 28)]
    public void Render_SizeFollowsTilesMarginsAndScale(int count, int columns, int margin, int scale, int height, int width)
    {
        var grid = new ImageGrid { Margin = margin, Scale = scale };
        Image image = grid.Render(new float[count * height * width], count, height, width, columns);
        int rows = (count + columns - 1) / columns;
        Assert.Equal(columns * width * scale + (columns + 1) * margin, image.Width);
        Assert.Equal(rows * height * scale + (rows + 1) * margin, image.Height);
    }

    [Fact]
    public void Render_PlacesEachTileInReadingOrder()
    {
        // Three 1x1 images with values 0.2, 0.6, 1.0 in two columns: the third starts the second row.
        Image image = new ImageGrid { Margin = 1, Scale = 1 }.Render([0.2f, 0.6f, 1f], 3, 1, 1, 2);
        Assert.Equal(51, image.GetPixel(1, 1).R);
        Assert.Equal(153, image.GetPixel(3, 1).R);
        Assert.Equal(255, image.GetPixel(1, 3).R);
        Assert.Equal(64, image.GetPixel(3, 3).R);   // the empty cell keeps the background
    }

    [Fact]
    public void Render_RowLabels_AddInkLeftOfTheTiles()
    {
        Image plain = new ImageGrid().Render(new float[2 * 4], 2, 2, 2, 1);
        Image labelled = new ImageGrid().Render(new float[2 * 4], 2, 2, 2, 1, ["data", "recon"]);
        Assert.True(labelled.Width > plain.Width + BitmapFont.MeasureText("recon").Width);
        Assert.Equal(3, labelled.Channels);
        bool ink = false;
        for (int x = 0; x < labelled.Width - plain.Width; x++)
        for (int y = 0; y < labelled.Height; y++)
            ink |= labelled.GetPixel(x, y) == Rgb.White;
        Assert.True(ink);
    }

    [Fact]
    public void Render_WrongPixelCount_SaysWhatItNeeds()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ImageGrid().Render(new float[10], 2, 2, 2, 1));
        Assert.Contains("need 8 values", ex.Message);
    }

    [Fact]
    public void Render_TitleAndColumnLabels_AddABandAboveTheTiles()
    {
        Image plain = new ImageGrid().Render(new float[2 * 4], 2, 2, 2, 2);
        Image titled = new ImageGrid { Title = "T" }.Render(new float[2 * 4], 2, 2, 2, 2, columnLabels: ["a", "b"]);
        Assert.Equal(3, titled.Channels);
        int band = titled.Height - plain.Height;
        Assert.True(band >= 2 * BitmapFont.GlyphHeight, $"band {band}");
        Assert.True(titled.Width >= plain.Width);
        bool ink = false;
        for (int y = 0; y < band; y++)
        for (int x = 0; x < titled.Width; x++)
            ink |= titled.GetPixel(x, y) == Rgb.White;
        Assert.True(ink);
    }

    [Fact]
    public void Render_ColourImages_WriteTheirColoursToThePng()
    {
        // Two non-square 3x2x3 images, channel-planar: one all red, one all blue.
        const int plane = 2 * 3;
        var pixels = new float[2 * 3 * plane];
        pixels.AsSpan(0, plane).Fill(1f);                         // image 0, red plane
        pixels.AsSpan(3 * plane + 2 * plane, plane).Fill(1f);     // image 1, blue plane
        Image image = new ImageGrid { Margin = 1, Scale = 2 }.Render(pixels, 2, 3, 2, 3, 2);
        Image decoded = Png.Decode(Png.Encode(image));
        Assert.Equal((3, 2 * 3 * 2 + 3, 2 * 2 + 2), (decoded.Channels, decoded.Width, decoded.Height));
        for (int y = 1; y < 1 + 4; y++)
        {
            for (int x = 1; x < 1 + 6; x++) Assert.Equal(new Rgb(255, 0, 0), decoded.GetPixel(x, y));
            for (int x = 8; x < 8 + 6; x++) Assert.Equal(new Rgb(0, 0, 255), decoded.GetPixel(x, y));
        }
        Assert.Equal(Rgb.Gray(64), decoded.GetPixel(7, 1));   // the margin between them
    }

    [Fact]
    public void Render_GreyImagesWithChannels_StayGrey()
    {
        Image image = new ImageGrid().Render(new float[2 * 4], 2, 1, 2, 2, 1);
        Assert.Equal(1, image.Channels);
    }

    [Fact]
    public void Render_TwoChannels_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ImageGrid().Render(new float[2 * 2 * 4], 2, 2, 2, 2, 1));
        Assert.Contains("not 2 channels", ex.Message);
    }

    [Fact]
    public void Render_WrongColourPixelCount_SaysTheShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ImageGrid().Render(new float[10], 2, 3, 2, 2, 1));
        Assert.Contains("2 images of 3x2x2 need 24 values", ex.Message);
    }
}
