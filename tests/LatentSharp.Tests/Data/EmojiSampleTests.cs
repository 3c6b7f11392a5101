using LatentSharp.Data;

namespace LatentSharp.Tests.Data;

/// <summary>The colour subset shipped in data/emoji-sample, found by walking up from the test binaries.</summary>
public class EmojiSampleTests
{
    private static readonly DataSplits Sample = new DatasetResolver(null, null, null, [AppContext.BaseDirectory]).Load("emoji-sample");

    [Fact]
    public void EmojiSample_Loads_1000TrainAnd250TestColourImagesOf32x32()
    {
        Assert.Equal((1000, 3, 32, 32, 3072), (Sample.Train.Count, Sample.Train.Channels, Sample.Train.Rows, Sample.Train.Cols, Sample.Train.Dimensions));
        Assert.Equal((250, 3, 32, 32), (Sample.Test.Count, Sample.Test.Channels, Sample.Test.Rows, Sample.Test.Cols));
    }

    [Fact]
    public void EmojiSample_Classes_AreTheTenEmojiCategories()
    {
        Assert.Equal(["Activities", "Animals & Nature", "Component", "Flags", "Food & Drink", "Objects", "People & Body",
            "Smileys & Emotion", "Symbols", "Travel & Places"], Sample.Train.ClassNames);
        Assert.Equal(Sample.Train.ClassNames, Sample.Test.ClassNames);
        Assert.Equal(10, Sample.Train.Labels.Distinct().Count());
    }

    [Fact]
    public void EmojiSample_Pixels_AreColourOnWhite()
    {
        Dataset train = Sample.Train;
        int plane = train.Rows * train.Cols;
        int whiteCorners = Enumerable.Range(0, train.Count).Count(n => train.Image(n)[0] == 1f && train.Image(n)[plane] == 1f && train.Image(n)[2 * plane] == 1f);
        Assert.InRange(whiteCorners, 0.95 * train.Count, train.Count); // the transparent background became white
        double differingChannels = Enumerable.Range(0, train.Count)
            .Average(n => Enumerable.Range(0, plane).Count(p => train.Image(n)[p] != train.Image(n)[plane + p]) / (double)plane);
        Assert.InRange(differingChannels, 0.1, 1.0); // red differs from green on many pixels: colour, not grey
    }
}
