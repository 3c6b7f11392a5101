using LatentSharp.Data;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Data;

public class DatasetTests
{
    private static Dataset Small()
    {
        // 4 images of 1x3, image i has pixels (i, i+1, i+2) / 10, label i % 2
        float[] pixels = [.. Enumerable.Range(0, 4).SelectMany(i => new[] { i / 10f, (i + 1) / 10f, (i + 2) / 10f })];
        return new Dataset("small", 4, 1, 3, pixels, [0, 1, 0, 1], ["even", "odd"]);
    }

    [Fact]
    public void FromIdx_Bytes_BecomeUnitFloatsAndIntLabels()
    {
        var images = new IdxImages(2, 1, 2, [0, 255, 51, 102]);

        Dataset data = Dataset.FromIdx("x", images, [7, 3], Dataset.MnistClassNames);

        Assert.Equal(new[] { 0f, 1f, 0.2f, 0.4f }, data.Pixels);
        Assert.Equal(new[] { 7, 3 }, data.Labels);
        Assert.Equal((2, 1, 2, 2, 10), (data.Count, data.Rows, data.Cols, data.Dimensions, data.ClassCount));
        Assert.Equal("7", data.ClassNames[7]);
    }

    [Fact]
    public void FromIdx_LabelCountDiffers_NamesBothFiles()
    {
        var images = new IdxImages(3, 1, 1, [1, 2, 3]);

        var e = Assert.Throws<InvalidDataFileException>(() =>
            Dataset.FromIdx("x", images, [1, 2], null, "/d/t10k-images-idx3-ubyte.gz", "/d/t10k-labels-idx1-ubyte.gz"));

        Assert.StartsWith("t10k-labels-idx1-ubyte.gz: holds 2 labels but t10k-images-idx3-ubyte.gz holds 3 images", e.Message);
    }

    [Fact]
    public void FromIdx_LabelBeyondClassNames_Throws()
    {
        var images = new IdxImages(1, 1, 1, [1]);

        var e = Assert.Throws<InvalidDataFileException>(() => Dataset.FromIdx("x", images, [10], Dataset.FashionMnistClassNames));

        Assert.Contains("label 10 is out of range for 10 classes", e.Message);
    }

    [Fact]
    public void Constructor_NoClassNames_NamesClassesUpToLargestLabel()
    {
        var data = new Dataset("x", 2, 1, 1, [0f, 1f], [0, 2]);

        Assert.Equal(new[] { "0", "1", "2" }, data.ClassNames);
    }

    [Fact]
    public void Constructor_NoLabels_HasEmptyLabelsAndNoClasses()
    {
        var data = new Dataset("x", 2, 1, 1, [0f, 1f]);

        Assert.Empty(data.Labels);
        Assert.False(data.HasLabels);
        Assert.Equal(0, data.ClassCount);
    }

    [Fact]
    public void Image_ReturnsThatRow()
    {
        Assert.Equal(new[] { 0.2f, 0.3f, 0.4f }, Small().Image(2).ToArray());
    }

    [Fact]
    public void Subset_KeepsLabelsWithTheirImages()
    {
        Dataset data = Small();

        Dataset subset = data.Subset([3, 0, 3]);

        Assert.Equal(3, subset.Count);
        Assert.Equal(new[] { 1, 0, 1 }, subset.Labels);
        Assert.Equal(data.Image(3).ToArray(), subset.Image(0).ToArray());
        Assert.Equal(data.Image(0).ToArray(), subset.Image(1).ToArray());
        Assert.Equal(data.ClassNames, subset.ClassNames);
    }

    [Fact]
    public void Subset_IndexOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Small().Subset([4]));
    }

    [Fact]
    public void Binarize_SameSeed_SameZeroOneImagesWithLabels()
    {
        Dataset data = Small();

        Dataset a = data.Binarize(new Rng(5)), b = data.Binarize(new Rng(5));

        Assert.Equal(a.Pixels, b.Pixels);
        Assert.All(a.Pixels, x => Assert.True(x == 0f || x == 1f));
        Assert.Equal(data.Labels, a.Labels);
        Assert.Equal(0f, a.Pixels[0]); // pixel 0 is exactly 0
    }

    [Fact]
    public void Binarize_ManyImages_MeanMatchesPixelMean()
    {
        // 20,000 copies of pixels 0.1, 0.5, 0.9: the binary mean of each column is within 4.5 standard errors
        const int n = 20_000;
        float[] p = [0.1f, 0.5f, 0.9f];
        var data = new Dataset("x", n, 1, 3, [.. Enumerable.Repeat(p, n).SelectMany(x => x)]);

        Dataset binary = data.Binarize(new Rng(11));

        for (int j = 0; j < 3; j++)
        {
            double mean = Enumerable.Range(0, n).Average(i => binary.Pixels[i * 3 + j]);
            double tolerance = 4.5 * Math.Sqrt(p[j] * (1 - p[j]) / n); // 0.0095 at p = 0.5
            Assert.InRange(mean, p[j] - tolerance, p[j] + tolerance);
        }
    }
    [Fact]
    public void SubsetAndBinarize_ColourImages_KeepChannelsAndPlanes()
    {
        float[] pixels = [0f, 0f, 1f, 1f, 1f, 1f, 0f, 0f, 1f, 0f, 1f, 0f]; // two images of [C = 3, H = 1, W = 2]
        var set = new Dataset("c", 2, 3, 1, 2, pixels, [0, 1]);

        Dataset subset = set.Subset([1]), binary = set.Binarize(new LatentSharp.Tensors.Rng(1));

        Assert.Equal((3, 1, 2, 6), (subset.Channels, subset.Rows, subset.Cols, subset.Dimensions));
        Assert.Equal(pixels[6..], subset.Pixels);
        Assert.Equal(3, binary.Channels);
        Assert.Equal(pixels, binary.Pixels); // 0 and 1 binarize to themselves
    }

    [Fact]
    public void Constructor_GreyImages_HaveOneChannel()
    {
        var set = new Dataset("g", 1, 2, 2, new float[4]);

        Assert.Equal((1, 4), (set.Channels, set.Dimensions));
    }
}
