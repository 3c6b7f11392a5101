using LatentSharp.Distributions;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Distributions;

public class PixelCnnObservationTests
{
    private const int Channels = 4;

    private static PixelCnnObservation Build(int height, int width, bool codeIntoBlocks = false, int blocks = 1) =>
        new(Channels, blocks, height, width, new Rng(1), codeIntoBlocks);

    /// <summary>Decoder feature maps for n images, large enough that the logits vary. [n, h·H·W]</summary>
    private static Tensor Features(int n, int pixels, ulong seed) => GradCheck.Param(seed, -2f, 2f, n, Channels * pixels);

    /// <summary>All 2^d binary images of d pixels, image m having pixel i = bit i of m. [2^d, d]</summary>
    private static Tensor EveryBinaryImage(int d)
    {
        var x = Tensor.Zeros(1 << d, d);
        for (int m = 0; m < 1 << d; m++)
        for (int i = 0; i < d; i++) x.Data[m * d + i] = (m >> i & 1) == 1 ? 1f : 0f;
        return x;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Probabilities_OfEveryBinaryImage_SumToOne(bool codeIntoBlocks)
    {
        // A normalized likelihood only if every logit sees the pixels before it and none after: a causality test.
        PixelCnnObservation observation = Build(2, 3, codeIntoBlocks);
        Tensor images = EveryBinaryImage(6);
        Tensor features = Features(1, 6, 2).Tile(64);
        double total = observation.LogProb(images, features).Data.Take(64).Sum(v => Math.Exp(v));
        Assert.Equal(1.0, total, 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SeveralDecoderOutputsPerImage_ScoreEachAgainstItsImage(bool codeIntoBlocks)
    {
        PixelCnnObservation observation = Build(3, 3, codeIntoBlocks);
        Tensor x = BinaryImages(2, 9, 3);
        Tensor features = Features(3 * 2, 9, 4);                        // sample-major: row s·2 + i belongs to image i
        float[] once = observation.LogProb(x, features).Data;
        float[] tiled = observation.LogProb(x.Tile(3), features).Data;
        for (int r = 0; r < 6; r++) Assert.Equal(tiled[r], once[r], 4);
        Assert.NotEqual(once[0], once[1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LogProb_GradientsMatchFiniteDifferences(bool codeIntoBlocks)
    {
        // Small (one 2×3 image, two draws) so that no ReLU input lies within a finite-difference step of its kink.
        PixelCnnObservation observation = Build(2, 3, codeIntoBlocks);
        Tensor x = BinaryImages(1, 6, 5);
        Tensor features = Features(2, 6, 6).AsParameter();
        GradCheck.Check(t => observation.LogProb(x, t[0]), [features, .. observation.Parameters()]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sample_DrawsEachImageWithItsProbability(bool codeIntoBlocks)
    {
        PixelCnnObservation observation = Build(2, 2, codeIntoBlocks);
        const int draws = 4000;
        Tensor features = Features(1, 4, 7);
        float[] drawn = observation.Sample(features.Tile(draws), new Rng(8)).Data;
        var counts = new int[16];
        for (int r = 0; r < draws; r++)
        {
            int m = 0;
            for (int i = 0; i < 4; i++) m |= (drawn[r * 4 + i] == 1f ? 1 : 0) << i;
            counts[m]++;
        }
        float[] logP = observation.LogProb(EveryBinaryImage(4), features.Tile(16)).Data;
        for (int m = 0; m < 16; m++)
        {
            double p = Math.Exp(logP[m]), se = Math.Sqrt(p * (1 - p) / draws);
            Assert.True(Math.Abs(counts[m] / (double)draws - p) < 5 * se + 1e-3, $"image {m}: drawn {counts[m]} of {draws}, probability {p:F4}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Mean_ShowsTheProbabilitiesAlongThePathDrawnWithItsSeed(bool codeIntoBlocks)
    {
        PixelCnnObservation observation = Build(3, 4, codeIntoBlocks);
        Tensor features = Features(2, 12, 9);
        float[] mean = observation.Mean(features).Data;
        Assert.Equal(mean, observation.Mean(features).Data);
        Tensor path = observation.Sample(features, new Rng(PixelCnnObservation.MeanSeed));
        float[] logP = observation.LogProb(path, features).Data;
        for (int r = 0; r < 2; r++)
        {
            double expected = 0;
            for (int i = 0; i < 12; i++) expected += Math.Log(path.Data[r * 12 + i] == 1f ? mean[r * 12 + i] : 1 - mean[r * 12 + i]);
            Assert.Equal(expected, logP[r], 4);
        }
    }

    [Fact]
    public void CodeIntoBlocks_ChangesTheModelOnlyWhenThereAreBlocks()
    {
        // Same weights (same seed); the code meets the pixels before the blocks or after them, which is the same place
        // when there are none.
        Tensor x = BinaryImages(2, 9, 10);
        Tensor features = Features(2, 9, 11);
        float[] Score(bool into, int blocks) => Build(3, 3, into, blocks).LogProb(x, features).Data;
        Assert.Equal(Score(false, 0), Score(true, 0));
        Assert.NotEqual(Score(false, 1)[0], Score(true, 1)[0], 3);
    }

    [Fact]
    public void WrongShapes_AreRejectedWithTheShapes()
    {
        PixelCnnObservation observation = Build(3, 3);
        var ex = Assert.Throws<ArgumentException>(() => observation.LogProb(BinaryImages(2, 9, 1), Tensor.Zeros(2, 9)));
        Assert.Contains("4 feature maps of 3x3", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => observation.LogProb(BinaryImages(2, 9, 1), Tensor.Zeros(3, 36)));
        Assert.Contains("[S·B, …]", ex.Message);
        Assert.Throws<ArgumentException>(() => observation.Mean(Tensor.Zeros(1, 9)));
    }

    private static Tensor BinaryImages(int n, int d, ulong seed)
    {
        var x = Tensor.Zeros(n, d);
        var rng = new Rng(seed);
        for (int i = 0; i < x.Length; i++) x.Data[i] = rng.NextFloat() < 0.4f ? 1f : 0f;
        return x;
    }
}
