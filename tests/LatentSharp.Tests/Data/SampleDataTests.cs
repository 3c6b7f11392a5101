using LatentSharp.Data;

namespace LatentSharp.Tests.Data;

/// <summary>The subset shipped in data/sample, found by walking up from the test binaries.</summary>
public class SampleDataTests
{
    private static readonly DataSplits Sample = new DatasetResolver(null, null, null, [AppContext.BaseDirectory]).Load("sample");

    [Fact]
    public void Sample_Loads_6000TrainAnd1000TestImagesOf28x28()
    {
        Assert.Equal((6000, 28, 28, 784), (Sample.Train.Count, Sample.Train.Rows, Sample.Train.Cols, Sample.Train.Dimensions));
        Assert.Equal((1000, 28, 28), (Sample.Test.Count, Sample.Test.Rows, Sample.Test.Cols));
        Assert.Equal(6000 * 784, Sample.Train.Pixels.Length);
    }

    [Fact]
    public void Sample_Classes_AreTheTenFashionClassesBalanced()
    {
        Assert.Equal(Dataset.FashionMnistClassNames, Sample.Train.ClassNames);
        Assert.Equal(10, Sample.Test.ClassCount);
        Assert.All(Sample.Train.Labels.CountBy(l => l), c => Assert.Equal(600, c.Value));
        Assert.All(Sample.Test.Labels.CountBy(l => l), c => Assert.Equal(100, c.Value));
        Assert.Equal(10, Sample.Train.Labels.Distinct().Count());
    }

    [Fact]
    public void Sample_Pixels_AreUnitIntervalAndNotBlank()
    {
        Assert.All(Sample.Test.Pixels, x => Assert.InRange(x, 0f, 1f));
        double mean = Sample.Train.Pixels.Average();
        Assert.InRange(mean, 0.25, 0.33); // Fashion-MNIST's mean intensity is 0.286
    }
}
