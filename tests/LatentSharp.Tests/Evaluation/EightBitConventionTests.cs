using LatentSharp.Data;
using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Evaluation;

[Collection(LatentSharp.Tests.Models.ModelCatalogCollection.Name)]
public sealed class EightBitConventionTests
{
    [Theory]
    [InlineData("bernoulli", NllConvention.Discrete)]
    [InlineData("pixelcnn", NllConvention.Discrete)]
    [InlineData("gaussian", NllConvention.Dequantized8Bit)]
    [InlineData("gaussian-learned", NllConvention.Dequantized8Bit)]
    [InlineData("categorical", NllConvention.Discrete8Bit)]
    [InlineData("logistic-mixture", NllConvention.Discrete8Bit)]
    [InlineData("discretized-gaussian", NllConvention.Discrete8Bit)]
    public void ConventionOf_EachLikelihood_IsItsOwn(string likelihood, NllConvention expected) =>
        Assert.Equal(expected, NllPasses.ConventionOf(new ModelSpec { Kind = "conv-vae", Likelihood = likelihood }));

    /// <summary>
    /// One-pixel grey images, D = 1: with the encoder's weights and biases zero, q(z | x) is the standard-normal prior, and
    /// with the decoder's weights zero its output is its biases whatever z is, so every importance weight is exactly
    /// log P(v). The estimate over all 256 images must then be a distribution: Σ_v exp(−NLL_v) = 1, with no dequantization
    /// (which would move the values) and no D·ln 256 offset (which would make the sum 1/256).
    /// </summary>
    [Theory]
    [InlineData("categorical")]
    [InlineData("logistic-mixture")]
    [InlineData("discretized-gaussian")]
    public void Nll_OfAllOnePixelImages_SumsToOneAndIsInBitsPerDimWithoutOffset(string likelihood)
    {
        var spec = new ModelSpec { Kind = "vae", Channels = 1, Height = 1, Width = 1, LatentSize = 2, Hidden = [4], Likelihood = likelihood, MixtureComponents = 3 };
        LatentModel model = ModelCatalog.Build(spec, new Rng(1));
        var rng = new Rng(2);
        foreach (var (name, p) in model.NamedParameters())
        {
            if (name.StartsWith("encoder", StringComparison.Ordinal) || name.EndsWith("weight", StringComparison.Ordinal)) Array.Clear(p.Data, 0, p.Length);
            else rng.FillUniform(p.Data.AsSpan(0, p.Length), -2f, 2f);
        }
        var images = new Dataset("every 8-bit value", 256, 1, 1, Enumerable.Range(0, 256).Select(v => v / 255f).ToArray());

        NllPasses passes = NllPasses.Of(model, samples: 3, progress: null);
        NllEstimate nll = passes.Nll("test", images, 256, new Rng(3));

        Assert.Equal(NllConvention.Discrete8Bit, nll.Convention);
        Assert.Equal(1.0, nll.PerImage.Sum(n => Math.Exp(-n)), 1e-4);
        Assert.Equal(nll.NatsPerImage / Math.Log(2), nll.BitsPerDim, 1e-9);
        Assert.True(nll.PerImage.Distinct().Count() > 1, "the likelihood should not be uniform");
    }

    [Fact]
    public void WithNll_EightBit_FillsItsOwnFieldsAndTheElboInBitsPerDim()
    {
        var report = new EvaluationReport { Model = "m", Dataset = "d", Split = "test", Images = 2, Dimensions = 4, Elbo = -8 * Math.Log(2) };
        var estimate = new NllEstimate(NllConvention.Discrete8Bit, 2, 4, 10, 4 * Math.Log(2), 0.1, [1.0, 2.0]);

        EvaluationReport result = report.WithNll(estimate);

        Assert.Equal(1.0, result.EightBitBitsPerDim!.Value, 1e-12);
        Assert.Equal(2.0, result.ElboBitsPerDim!.Value, 1e-12);
        Assert.Null(result.NllNats);
        Assert.Null(result.NllBitsPerDim);
        Assert.Null(result.DequantizedBitsPerDim);
        Assert.Equal(NllConvention.Discrete8Bit, result.Convention);
        string table = EvaluationReportWriter.FormatTable(result);
        Assert.Contains("8-bit bits/dim", table);
        Assert.Contains("1.0000", table);
        EvaluationReport read = EvaluationReportWriter.FromJson(EvaluationReportWriter.ToJson(result));
        Assert.Equal(result.EightBitBitsPerDim, read.EightBitBitsPerDim);
        Assert.Contains("\"eightBitBitsPerDim\"", EvaluationReportWriter.ToJson(result));
        Assert.Null(result.WithNll(estimate with { Convention = NllConvention.Dequantized8Bit }).EightBitBitsPerDim);
    }

    [Fact]
    public void Compare_EightBitAgainstDequantized_IsRefused()
    {
        var dequantized = new EvaluationReport { Model = "ppca", Dataset = "d", Split = "test", Images = 2, Dimensions = 4 }
            .WithNll(new NllEstimate(NllConvention.Dequantized8Bit, 2, 4, 1, 3, 0.1, [3.0, 3.0]));
        var eightBit = dequantized with { Model = "vae" };
        eightBit = eightBit.WithNll(new NllEstimate(NllConvention.Discrete8Bit, 2, 4, 1, 3, 0.1, [2.0, 4.0]));

        var ex = Assert.Throws<ArgumentException>(() => NllComparison.Against(dequantized, [eightBit]));
        Assert.Contains("8-bit likelihood", ex.Message);
        Assert.Single(NllComparison.Against(eightBit, [eightBit]));
    }
}
