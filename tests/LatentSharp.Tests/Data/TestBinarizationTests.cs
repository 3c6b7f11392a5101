using LatentSharp.Data;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Data;

public class TestBinarizationTests
{
    private static Dataset Intensities()
    {
        var rng = new Rng(4);
        float[] pixels = Enumerable.Range(0, 6 * 9).Select(_ => (float)rng.NextDouble()).ToArray();
        return new Dataset("toy/test", 6, 3, 3, pixels, [0, 1, 2, 0, 1, 2]);
    }

    [Theory]
    [InlineData(Binarization.None, false)]
    [InlineData(Binarization.Static, true)]
    [InlineData(Binarization.Dynamic, true)]
    public void AppliesAfter_AnyTrainingBinarization_ScoresBinaryImages(Binarization training, bool expected)
    {
        Assert.Equal(expected, TestBinarization.AppliesAfter(training));
    }

    [Fact]
    public void Apply_NoBinarization_IsTheSplitItself()
    {
        Dataset split = Intensities();
        Assert.Same(split, TestBinarization.Apply(split, Binarization.None));
    }

    [Theory]
    [InlineData(Binarization.Static)]
    [InlineData(Binarization.Dynamic)]
    public void Apply_Binarized_IsTheOneDrawWithTheTestSeed_TheSameEveryCall(Binarization training)
    {
        Dataset split = Intensities();
        Dataset first = TestBinarization.Apply(split, training), second = TestBinarization.Apply(split, true);
        Assert.Equal(split.Binarize(new Rng(Dataset.TestBinarizationSeed)).Pixels, first.Pixels);
        Assert.Equal(first.Pixels, second.Pixels);
        Assert.All(first.Pixels, p => Assert.True(p is 0 or 1));
        Assert.Equal(split.Labels, first.Labels);
    }
}
