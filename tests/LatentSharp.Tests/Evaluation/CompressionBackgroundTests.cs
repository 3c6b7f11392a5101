using LatentSharp.Evaluation;
using LatentSharp.Imaging;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Evaluation;

public class CompressionBackgroundTests
{
    private const int Side = 28, D = Side * Side;

    private static float[] Noise(int b, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, b * D).Select(_ => rng.NextInt(2) == 1 ? 1f : 0f).ToArray();
    }

    [Fact]
    public void ConstantImage_CompressesBetterThanNoise()
    {
        var background = new CompressionBackground(Side, Side);
        float[] x = [.. new float[D], .. Noise(1, 3)]; // row 0 all off, row 1 random bits
        double[] log = background.LogLikelihood(x, 2);
        Assert.True(log[0] > log[1] + 100, $"constant {log[0]}, noise {log[1]}");
        Assert.True(background.CompressedBytes(x.AsSpan(0, D)) < background.CompressedBytes(x.AsSpan(D, D)));
    }

    [Fact]
    public void LogLikelihood_IsMinusTheCompressedLengthInNats_FiniteAndDeterministic()
    {
        var background = new CompressionBackground(Side, Side);
        float[] x = Noise(5, 11);
        for (int i = D; i < 2 * D; i++) x[i] = i % Side / (float)Side; // an intensity ramp
        double[] first = background.LogLikelihood(x, 5), second = new CompressionBackground(Side, Side).LogLikelihood(x, 5);
        Assert.Equal(first, second);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(double.IsFinite(first[i]) && first[i] < 0, $"row {i}: {first[i]}");
            Assert.Equal(-8 * Math.Log(2) * background.CompressedBytes(x.AsSpan(i * D, D)), first[i], 9);
        }
    }

    [Fact]
    public void RatioScore_WithCompressionBackground_PrefersTheComplexImage()
    {
        // Two images the model finds equally likely: the ratio calls the simpler one (shorter code) more anomalous.
        var background = new CompressionBackground(Side, Side);
        float[] x = [.. new float[D], .. Noise(1, 5)];
        double[] scores = OutlierDetection.LikelihoodRatioScores([-300.0, -300.0], background.LogLikelihood(x, 2));
        Assert.True(scores[0] > scores[1]);
    }

    [Fact]
    public void WrongSizes_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CompressionBackground(0, Side));
        var background = new CompressionBackground(Side, Side);
        Assert.Throws<ArgumentException>(() => background.LogLikelihood(new float[D], 2));
        Assert.Throws<ArgumentException>(() => background.CompressedBytes(new float[D - 1]));
    }

    [Fact]
    public void LogLikelihood_ColourRows_AreCompressedWholeInTheirOwnColours()
    {
        // Two 3x4x4 colour rows: a flat red image and red noise; each is read whole (48 values), so the noise costs more.
        var background = new CompressionBackground(4, 4, channels: 3);
        var rng = new Random(3);
        float[] flat = new float[48], noisy = new float[48];
        for (int i = 0; i < 16; i++)
        {
            flat[i] = 1f;                              // the red plane
            noisy[i] = (float)rng.NextDouble();
        }
        double[] scores = background.LogLikelihood([.. flat, .. noisy], 2);
        Assert.Equal(48, background.Dimensions);
        Assert.True(scores[0] > scores[1], $"flat {scores[0]} vs noise {scores[1]}");
        Assert.Equal(-8 * Math.Log(2) * Png.Encode(Image.FromPlanes(noisy, 3, 4, 4)).Length, scores[1], 9);
    }
}
