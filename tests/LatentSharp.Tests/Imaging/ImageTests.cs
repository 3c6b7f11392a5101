using LatentSharp.Imaging;

namespace LatentSharp.Tests.Imaging;

public class ImageTests
{
    [Fact]
    public void FromFloats_OutOfRangeAndNaN_ClampsAndRounds()
    {
        Image image = Image.FromFloats([-0.5f, 0f, 0.5f, 1f, 2f, float.NaN], 3, 2);
        Assert.Equal(new byte[] { 0, 0, 128, 255, 255, 0 }, image.Pixels);
    }

    [Fact]
    public void FromPlanes_ChannelPlanarColour_InterleavesRedGreenBlue()
    {
        // A 2x1 image [C, H, W]: the red plane, then green, then blue. Left pixel red, right pixel blue.
        Image image = Image.FromPlanes([1f, 0f, 0f, 0f, 0f, 1f], 3, 1, 2);
        Assert.Equal(new Rgb(255, 0, 0), image.GetPixel(0, 0));
        Assert.Equal(new Rgb(0, 0, 255), image.GetPixel(1, 0));
    }

    [Fact]
    public void FromPlanes_OneChannel_IsFromFloats()
    {
        float[] values = [0f, 0.25f, 0.5f, 0.75f, 1f, 0.1f];
        Assert.Equal(Image.FromFloats(values, 3, 2).Pixels, Image.FromPlanes(values, 1, 2, 3).Pixels);
    }

    [Fact]
    public void FromPlanes_WrongLength_SaysWhatItNeeds()
    {
        var ex = Assert.Throws<ArgumentException>(() => Image.FromPlanes(new float[5], 3, 1, 2));
        Assert.Contains("3x1x2 image needs 6 values", ex.Message);
    }

    [Fact]
    public void FromFloats_WrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => Image.FromFloats(new float[5], 3, 2));
    }

    [Fact]
    public void SetPixel_OnGray_StoresLumaAndGetPixelReturnsGray()
    {
        var image = new Image(2, 2, 1);
        image.SetPixel(1, 0, new Rgb(255, 0, 0));
        Assert.Equal(Rgb.Gray(76), image.GetPixel(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => image.GetPixel(2, 0));
    }

    [Fact]
    public void FillRect_PartlyOutside_ClipsToImage()
    {
        var image = new Image(4, 3, 3, Rgb.White);
        image.FillRect(-2, 1, 4, 10, new Rgb(1, 2, 3));
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 4; x++)
                Assert.Equal(y >= 1 && x < 2 ? new Rgb(1, 2, 3) : Rgb.White, image.GetPixel(x, y));
    }

    [Fact]
    public void Blit_GrayOntoRgbPartlyOutside_CopiesOverlapOnly()
    {
        var target = new Image(5, 4, 3);
        Image source = Image.FromFloats([1f, 0.5f, 0f, 1f], 2, 2);
        target.Blit(source, 4, 3);
        Assert.Equal(Rgb.White, target.GetPixel(4, 3));
        Assert.Equal(5 * 4 * 3 - 3, target.Pixels.Count(b => b == 0));
        target.Blit(source, -1, 0);
        Assert.Equal(Rgb.Gray(128), target.GetPixel(0, 0));
        Assert.Equal(Rgb.White, target.GetPixel(0, 1));
    }

    [Fact]
    public void Upscale_ByTwo_RepeatsEachPixelInATwoByTwoBlock()
    {
        var image = new Image(2, 1, 3);
        image.SetPixel(0, 0, new Rgb(10, 20, 30));
        image.SetPixel(1, 0, new Rgb(40, 50, 60));
        Image big = image.Upscale(2);
        Assert.Equal((4, 2), (big.Width, big.Height));
        for (int y = 0; y < 2; y++)
        {
            Assert.Equal(new Rgb(10, 20, 30), big.GetPixel(1, y));
            Assert.Equal(new Rgb(40, 50, 60), big.GetPixel(2, y));
        }
    }
}
