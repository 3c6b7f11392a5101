using LatentSharp.Imaging;

namespace LatentSharp.Tests.Imaging;

public class BitmapFontTests
{
    [Theory]
    [InlineData("", 0, 0, 1)]
    [InlineData("A", 5, 7, 1)]
    [InlineData("AB", 11, 7, 1)]
    [InlineData("AB", 22, 14, 2)]
    [InlineData("abc\nd", 17, 16, 1)]
    [InlineData("a\n\nb", 5, 25, 1)]
    public void MeasureText_IsTheInkBoxWithoutTrailingGaps(string text, int width, int height, int scale)
    {
        Assert.Equal((width, height), BitmapFont.MeasureText(text, scale));
    }

    [Theory]
    [InlineData('A')]
    [InlineData('z')]
    [InlineData('0')]
    [InlineData('?')]
    public void DrawText_PrintableCharacter_LeavesInkInsideItsBox(char ch)
    {
        var image = new Image(12, 12, 1);
        BitmapFont.DrawText(image, 2, 3, ch.ToString(), Rgb.White);
        int inside = 0, outside = 0;
        for (int y = 0; y < 12; y++)
        for (int x = 0; x < 12; x++)
        {
            bool ink = image.GetPixel(x, y).R == 255;
            bool inBox = x is >= 2 and < 2 + BitmapFont.GlyphWidth && y is >= 3 and < 3 + BitmapFont.GlyphHeight;
            if (ink && inBox) inside++;
            if (ink && !inBox) outside++;
        }
        Assert.True(inside >= 5, $"'{ch}' drew {inside} pixels");
        Assert.Equal(0, outside);
    }

    [Fact]
    public void DrawText_Space_DrawsNothing()
    {
        var image = new Image(20, 10, 1);
        BitmapFont.DrawText(image, 0, 0, "   ", Rgb.White);
        Assert.All(image.Pixels, p => Assert.Equal(0, p));
    }

    [Fact]
    public void DrawText_Scale_MakesBlocksOfTheSameInk()
    {
        var small = new Image(8, 8, 1);
        var large = new Image(16, 16, 1);
        BitmapFont.DrawText(small, 0, 0, "K", Rgb.White);
        BitmapFont.DrawText(large, 0, 0, "K", Rgb.White, scale: 2);
        for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++)
            Assert.Equal(small.GetPixel(x / 2, y / 2), large.GetPixel(x, y));
    }

    [Fact]
    public void DrawText_UnknownCharacter_DrawsAsQuestionMark()
    {
        var unknown = new Image(6, 8, 1);
        var question = new Image(6, 8, 1);
        BitmapFont.DrawText(unknown, 0, 0, "é", Rgb.White);
        BitmapFont.DrawText(question, 0, 0, "?", Rgb.White);
        Assert.Equal(question.Pixels, unknown.Pixels);
    }

    [Fact]
    public void DrawText_NewLine_StartsTheNextLineAtTheLeftEdge()
    {
        var image = new Image(20, 20, 1);
        BitmapFont.DrawText(image, 1, 0, "-\n-", Rgb.White);
        // '-' is the middle row (row 3) of columns 0..4: once at y = 3, once a line height lower.
        Assert.Equal(255, image.GetPixel(1, 3).R);
        Assert.Equal(255, image.GetPixel(1, 3 + BitmapFont.LineHeight).R);
        Assert.Equal(0, image.GetPixel(1 + BitmapFont.Advance, 3).R);
    }

    [Fact]
    public void DrawText_OffTheImage_IsClipped()
    {
        var image = new Image(4, 4, 1);
        BitmapFont.DrawText(image, -3, -3, "MW", Rgb.White);
        BitmapFont.DrawText(image, 100, 100, "MW", Rgb.White);
        Assert.Contains(image.Pixels, p => p == 255);
    }
}
