using LatentSharp.Data;

namespace LatentSharp.Tests.Data;

public class DataSplitsTests
{
    /// <summary>60 images whose first pixel is their index, labels 0..9 in turn.</summary>
    private static DataSplits Numbered()
    {
        var pixels = new float[60 * 4];
        for (int i = 0; i < 60; i++) pixels[i * 4] = i;
        return new DataSplits(new Dataset("numbered", 60, 2, 2, pixels, [.. Enumerable.Range(0, 60).Select(i => i % 10)]), new Dataset("test", 1, 2, 2, new float[4]));
    }

    private static int[] Indices(Dataset data) => [.. Enumerable.Range(0, data.Count).Select(i => (int)data.Image(i)[0])];

    [Fact]
    public void WithValidation_HoldsOutTheRequestedCount_DisjointFromTheTrainingImages_BothInTheirOrder()
    {
        DataSplits split = Numbered().WithValidation(10, seed: 4);
        int[] train = Indices(split.Train), validation = Indices(split.Validation!);
        Assert.Equal(10, validation.Length);
        Assert.Equal(50, train.Length);
        Assert.Empty(train.Intersect(validation));
        Assert.Equal(Enumerable.Range(0, 60), train.Concat(validation).Order());
        Assert.Equal(train.Order(), train);
        Assert.Equal(validation.Order(), validation);
        Assert.Equal(validation.Select(i => i % 10), split.Validation!.Labels);   // labels travel with their images
        Assert.Same(Numbered().Test.Name, split.Test.Name);
    }

    [Fact]
    public void WithValidation_SameSeed_SameSplit_AnotherSeed_Another()
    {
        Assert.Equal(Indices(Numbered().WithValidation(10, 4).Validation!), Indices(Numbered().WithValidation(10, 4).Validation!));
        Assert.NotEqual(Indices(Numbered().WithValidation(10, 4).Validation!), Indices(Numbered().WithValidation(10, 5).Validation!));
    }

    [Fact]
    public void WithValidation_IsNotBalancedByClass()
    {
        // A uniform draw of 10 from 6 images of each of 10 classes: some seed leaves a class out (a balanced split never would).
        Assert.Contains(Enumerable.Range(1, 20), seed => Numbered().WithValidation(10, (ulong)seed).Validation!.Labels.Distinct().Count() < 10);
    }

    [Fact]
    public void WithValidation_Zero_ChangesNothing_AndAllImagesAreRefused()
    {
        DataSplits data = Numbered();
        Assert.Same(data, data.WithValidation(0, 1));
        var ex = Assert.Throws<InvalidSettingException>(() => data.WithValidation(60, 1));
        Assert.Equal("ValidationImages", ex.Setting);
        Assert.Contains("59", ex.Message);
        Assert.Throws<InvalidSettingException>(() => data.WithValidation(-1, 1));
    }

    [Theory]
    [InlineData(60_000, 10_000)]
    [InlineData(6_000, 1_000)]
    [InlineData(320, 53)]
    [InlineData(5, 1)]
    [InlineData(1, 0)]
    public void DefaultValidationCount_IsOneSixth_AtLeastOne_LeavingImagesToTrainOn(int train, int expected) =>
        Assert.Equal(expected, DataSplits.DefaultValidationCount(train));
}
