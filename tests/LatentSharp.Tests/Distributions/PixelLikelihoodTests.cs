using LatentSharp.Distributions;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Distributions;

public class PixelLikelihoodTests
{
    /// <summary>One sub-pixel's decoder output per case: the three likelihoods, typical and extreme parameters.</summary>
    public static TheoryData<string, float[]> SubPixels()
    {
        var data = new TheoryData<string, float[]>();
        var rng = new Rng(11);
        var logits = new float[256];
        rng.FillUniform(logits, -4f, 4f);
        data.Add("categorical", logits);
        var peaked = new float[256];
        Array.Fill(peaked, -80f);
        peaked[3] = 80f;
        data.Add("categorical", peaked);
        data.Add("categorical", new float[256]);
        // logistic mixture, K = 2: logits, means, log-scales
        data.Add("logistic", [0.3f, -0.2f, 0.4f, 0.7f, -3f, -2f]);
        data.Add("logistic", [30f, -30f, 0.5f, 0.5f, -20f, -20f]);   // log-scales below the clamp: all mass in one bin
        data.Add("logistic", [0f, 0f, -5f, 6f, -4f, -4f]);            // means far outside [0, 1]: the edge bins
        data.Add("logistic", [0f, 1f, 0.2f, 0.9f, 15f, 0f]);          // one very wide component
        data.Add("logistic", [0f, 0f, 0.5f / 255f, 100f, -10f, -10f]); // a mean on a bin edge, a mean at 100
        // Gaussian: mean, log-scale
        data.Add("gaussian", [0.4f, -3f]);
        data.Add("gaussian", [0.5f, -20f]);
        data.Add("gaussian", [-5f, -4f]);
        data.Add("gaussian", [6f, -1f]);
        data.Add("gaussian", [0.3f, 15f]);
        data.Add("gaussian", [128.5f / 255f, -10f]);
        return data;
    }

    private static IObservationModel Model(string kind) => kind switch
    {
        "categorical" => new Categorical256Observation(),
        "logistic" => new DiscretizedLogisticMixtureObservation(components: 2),
        _ => new DiscretizedGaussianObservation(),
    };

    /// <summary>P(v) for v = 0..255 of one sub-pixel, from LogProb on 256 one-pixel images that share the decoder output.</summary>
    private static double[] Probabilities(IObservationModel model, float[] subPixel)
    {
        var x = new float[256];
        for (int v = 0; v < 256; v++) x[v] = v / 255f;
        var output = new float[256 * subPixel.Length];
        for (int v = 0; v < 256; v++) subPixel.CopyTo(output, v * subPixel.Length);
        float[] logp = model.LogProb(Tensor.FromArray(x, 256, 1), Tensor.FromArray(output, 256, subPixel.Length)).Data;
        return [.. logp.Select(l => Math.Exp(l))];
    }

    [Theory]
    [MemberData(nameof(SubPixels))]
    public void LogProb_EveryValueOfOneSubPixel_ProbabilitiesSumToOne(string kind, float[] subPixel)
    {
        double[] p = Probabilities(Model(kind), subPixel);
        Assert.All(p, q => Assert.True(q >= 0 && double.IsFinite(q)));
        Assert.Equal(1.0, p.Sum(), 5);
    }

    [Theory]
    [MemberData(nameof(SubPixels))]
    public void Mean_OneSubPixel_IsTheExpectedValueOfItsProbabilities(string kind, float[] subPixel)
    {
        IObservationModel model = Model(kind);
        double[] p = Probabilities(model, subPixel);
        double expected = Enumerable.Range(0, 256).Sum(v => p[v] * v / 255);
        Assert.Equal(expected, model.Mean(Tensor.FromArray(subPixel, 1, subPixel.Length)).Item(), 4);
    }

    [Theory]
    [MemberData(nameof(SubPixels))]
    public void Sample_ManyDraws_FollowTheProbabilities(string kind, float[] subPixel)
    {
        IObservationModel model = Model(kind);
        double[] p = Probabilities(model, subPixel);
        const int draws = 20000;
        var output = new float[draws * subPixel.Length];
        for (int i = 0; i < draws; i++) subPixel.CopyTo(output, i * subPixel.Length);
        float[] x = model.Sample(Tensor.FromArray(output, draws, subPixel.Length), new Rng(5)).Data;
        var counts = new int[256];
        foreach (float xi in x)
        {
            float v = xi * 255;
            Assert.Equal(MathF.Round(v), v, 3);   // an 8-bit value
            counts[(int)MathF.Round(v)]++;
        }
        for (int v = 0; v < 256; v++)
        {
            double sd = Math.Sqrt(p[v] * (1 - p[v]) / draws);
            Assert.True(Math.Abs(counts[v] / (double)draws - p[v]) <= 5 * sd + 1e-3, $"value {v}: frequency {counts[v] / (double)draws} against probability {p[v]}");
        }
    }

    [Theory]
    [InlineData("categorical", 256)]
    [InlineData("logistic", 6)]
    [InlineData("gaussian", 2)]
    public void LogProb_TwoDecoderOutputsPerImage_ScoresEachAgainstItsImage(string kind, int perValue)
    {
        IObservationModel model = Model(kind);
        const int b = 3, d = 5;
        Tensor output = GradCheck.Param(21, 2 * b, perValue * d);
        if (kind != "categorical") FillPixelParameters(output, perValue, d);
        var x = new float[b * d];
        new Rng(22).FillUniform(x, 0f, 1f);
        Tensor images = Tensor.FromArray(x, b, d);
        float[] both = model.LogProb(images, output).Data;
        for (int s = 0; s < 2; s++)
        {
            Tensor rows = Tensor.FromArray(output.Data.AsSpan(s * b * perValue * d, b * perValue * d).ToArray(), b, perValue * d);
            float[] alone = model.LogProb(images, rows).Data;
            for (int i = 0; i < b; i++) Assert.Equal(alone[i], both[s * b + i]);
        }
    }

    [Theory]
    [InlineData("categorical", 256)]
    [InlineData("logistic", 6)]
    [InlineData("gaussian", 2)]
    public void LogProb_GradCheckThroughTheObservation(string kind, int perValue)
    {
        IObservationModel model = Model(kind);
        const int d = 4;
        Tensor output = GradCheck.Param(23, 2, perValue * d);
        if (kind != "categorical") FillPixelParameters(output, perValue, d);
        Tensor x = Tensor.FromArray([0f, 1f, 17 / 255f, 0.5f, 1 / 255f, 254 / 255f, 0.25f, 0.75f], 2, d);
        // wider steps than the default: y sums several log-probabilities, and its float rounding must stay below the tolerance
        GradCheck.Check(t => model.LogProb(x, t[0]), [output], eps: kind == "categorical" ? 1e-2 : 3e-3);
    }

    [Theory]
    [InlineData("categorical", 256)]
    [InlineData("logistic", 6)]
    [InlineData("gaussian", 2)]
    public void LogProb_OutputNotSizedForTheImages_Throws(string kind, int perValue)
    {
        IObservationModel model = Model(kind);
        Tensor x = Tensor.Zeros(2, 4);
        Assert.Throws<ArgumentException>(() => model.LogProb(x, Tensor.Zeros(2, perValue * 5)));
        Assert.Throws<ArgumentException>(() => model.LogProb(x, Tensor.Zeros(2, perValue * 4 + 1)));
        Assert.Throws<ArgumentException>(() => model.Mean(Tensor.Zeros(2, perValue * 4 + 1)));
    }

    [Fact]
    public void IsDiscrete8Bit_SetForTheEightBitLikelihoodsOnly()
    {
        Assert.True(new Categorical256Observation().IsDiscrete8Bit);
        Assert.True(new DiscretizedLogisticMixtureObservation(5).IsDiscrete8Bit);
        Assert.True(new DiscretizedGaussianObservation().IsDiscrete8Bit);
        Assert.False(((IObservationModel)new BernoulliObservation()).IsDiscrete8Bit);
        Assert.False(((IObservationModel)new GaussianObservation(0.1f)).IsDiscrete8Bit);
    }

    [Fact]
    public void LogisticMixture_ComponentsOutOfRange_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiscretizedLogisticMixtureObservation(0));
        Assert.Equal(30, new DiscretizedLogisticMixtureObservation(10).OutputsPerValue);
    }

    /// <summary>Means in [0, 1] and log-scales in [−2.5, −0.5] for the [means..., log-scales...] part of each row; logits stay.</summary>
    private static void FillPixelParameters(Tensor output, int perValue, int d)
    {
        int k = perValue == 2 ? 0 : perValue / 3, rows = output.Dim(0);
        var rng = new Rng(24);
        for (int r = 0; r < rows; r++)
        {
            int row = r * perValue * d, means = row + k * d, scales = means + Math.Max(k, 1) * d;
            rng.FillUniform(output.Data.AsSpan(means, Math.Max(k, 1) * d), 0f, 1f);
            rng.FillUniform(output.Data.AsSpan(scales, Math.Max(k, 1) * d), -2.5f, -0.5f);
        }
    }
}
