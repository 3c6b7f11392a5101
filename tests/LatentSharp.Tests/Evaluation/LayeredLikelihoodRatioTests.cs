using LatentSharp.Data;
using LatentSharp.Distributions;
using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Nn;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Evaluation;

/// <summary>A two-layer hierarchical VAE trained for one short epoch on the shipped sample, shared by the tests below.</summary>
public sealed class TinyTrainedHierarchicalVae
{
    public TinyTrainedHierarchicalVae()
    {
        DataSplits sample = new DatasetResolver().Load("sample");
        Data = new DataSplits(sample.Train.Subset(Enumerable.Range(0, 400).ToArray()), sample.Test.Subset(Enumerable.Range(0, 40).ToArray()));
        var spec = new ModelSpec { Kind = "hvae", LatentSizes = [4, 2], LatentSize = 6, Hidden = [16] };
        var options = new TrainingOptions { Epochs = 1, BatchSize = 100, LearningRate = 3e-3f, Seed = 3, Binarization = Binarization.Dynamic };
        Model = ModelCatalog.Build(spec, new Rng(2));
        new Trainer(Model, options).Fit(Data);
        Model.Eval();
        Test = TestBinarization.Apply(Data.Test, true);
    }

    public LatentModel Model { get; }

    public DataSplits Data { get; }

    /// <summary>The test images binarized once, as the evaluation scores them.</summary>
    public Dataset Test { get; }
}

public class LayeredLikelihoodRatioTests : IClassFixture<TinyTrainedHierarchicalVae>
{
    private readonly TinyTrainedHierarchicalVae _trained;

    public LayeredLikelihoodRatioTests(TinyTrainedHierarchicalVae trained) => _trained = trained;

    [Fact]
    public void Scores_NoLayerFromThePrior_AreExactlyZero()
    {
        double[] scores = LayeredLikelihoodRatio.Scores(_trained.Model, _trained.Test.Pixels, 20, priorLayers: 0, samples: 10, seed: 5);
        Assert.All(scores, s => Assert.Equal(0.0, s));
    }

    [Fact]
    public void Scores_LowestLayerFromThePrior_AreFiniteAndNotTheFullBound()
    {
        double[] scores = LayeredLikelihoodRatio.Scores(_trained.Model, _trained.Test.Pixels, 20, priorLayers: 1, samples: 10, seed: 5);
        Assert.All(scores, s => Assert.True(double.IsFinite(s), $"LLR>1 = {s}"));
        Assert.Contains(scores, s => s != 0);
    }

    [Fact]
    public void Scores_PriorMeanByDefault_AreFiniteAndDifferFromTheDrawnPriorLayer()
    {
        double[] drawn = LayeredLikelihoodRatio.Scores(_trained.Model, _trained.Test.Pixels, 20, priorLayers: 1, samples: 10, seed: 5, priorMean: false);
        double[] means = LayeredLikelihoodRatio.Scores(_trained.Model, _trained.Test.Pixels, 20, priorLayers: 1, samples: 10, seed: 5);
        Assert.All(means, s => Assert.True(double.IsFinite(s), $"LLR>1 = {s}"));
        Assert.NotEqual(drawn, means);
        // k = 0 takes nothing from the prior, so the means change nothing.
        Assert.All(LayeredLikelihoodRatio.Scores(_trained.Model, _trained.Test.Pixels, 20, priorLayers: 0, samples: 10, seed: 5, priorMean: true),
            s => Assert.Equal(0.0, s));
    }

    [Fact]
    public void Scores_AsManyPriorLayersAsTheModelHas_NameTheSetting()
    {
        var e = Assert.Throws<InvalidSettingException>(() =>
            LayeredLikelihoodRatio.Scores(_trained.Model, _trained.Test.Pixels, 5, priorLayers: 2, samples: 2, seed: 1));
        Assert.Equal(nameof(EvaluationOptions.LlrPriorLayers), e.Setting);
    }

    [Fact]
    public void Run_HierarchicalVaeWithOutliers_ReportsLlrAndTheModelFreeBaselines()
    {
        var options = new EvaluationOptions
        {
            Binarize = true, Samples = 5, Images = 20, Probe = false, LlrSamples = 5,
            OutOfDistribution = OutOfDistributionSet.Found("itself", _trained.Data.Test),
        };
        EvaluationReport report = ModelEvaluation.Run(_trained.Model, _trained.Data, options);
        Assert.Equal((1, 5, true), (report.LlrPriorLayers, report.LlrSamples, report.LlrPriorMean));
        // The same images on both sides: each score ranks at chance.
        Assert.Equal(0.5, report.AurocLlr);
        Assert.Equal(0.5, report.AurocPixelBaseline);
        Assert.Equal(0.5, report.AurocCompressionBaseline);
        Assert.Contains("outliers: LLR>k", report.SecondsByPart!.Keys);
    }

    [Fact]
    public void Run_PriorLayersTheModelDoesNotHave_FailsBeforeTheNll()
    {
        var options = new EvaluationOptions
        {
            Binarize = true, Samples = 5, Images = 5, Probe = false, LlrPriorLayers = 2,
            OutOfDistribution = OutOfDistributionSet.Found("itself", _trained.Data.Test),
        };
        var e = Assert.Throws<InvalidSettingException>(() => ModelEvaluation.Run(_trained.Model, _trained.Data, options));
        Assert.Equal(nameof(EvaluationOptions.LlrPriorLayers), e.Setting);
    }
}

/// <summary>
/// A hand-built two-layer model of one pixel whose posterior puts z_1 at +5 and whose prior puts it at N(−5, 1), with the
/// decoder's logit = z_1: the bound's log p(x = 1 | z_1) = log σ(z_1) says where z_1 was drawn.
/// </summary>
public class PriorBelowHandMadeTests
{
    private static Linear Fixed(int inFeatures, float[] weight, float[] bias)
    {
        var layer = new Linear(inFeatures, bias.Length, new Rng(1));
        weight.CopyTo(layer.Weight.Data, 0);
        bias.CopyTo(layer.Bias!.Data, 0);
        return layer;
    }

    private static HierarchicalVae Build()
    {
        var spec = new ModelSpec { Kind = "hvae", Height = 1, Width = 1, LatentSizes = [1, 1], LatentSize = 2, Hidden = [1] };
        Linear[] up = [Fixed(1, [0f], [0f]), Fixed(1, [0f], [0f])];                       // h = 0 whatever x is
        Linear[] heads = [Fixed(1, [0f, 0f], [5f, -10f]), Fixed(1, [0f, 0f], [0f, 0f])];  // q̂(z_1) = N(5, e^−10), q(z_2) = N(0, 1) = p(z_2)
        Linear[] down = [Fixed(1, [0f, 0f], [-5f, 0f])];                                  // p(z_1 | z_2) = N(−5, 1)
        Linear decoder = Fixed(1, [1f], [0f]);                                            // logit = z_1
        return new HierarchicalVae(spec, up, heads, down, decoder, new BernoulliObservation());
    }

    [Fact]
    public void LogImportanceWeightsWithPriorBelow_OneLayer_DrawsZ1FromThePriorNotThePosterior()
    {
        HierarchicalVae model = Build();
        using var _ = Tensor.NoGrad();
        Tensor x = Tensor.FromArray([1f], 1, 1);
        const int k = 4000;
        float[] prior = model.LogImportanceWeightsWithPriorBelow(x, k, priorLayers: 1, new Rng(7)).Data;
        // z_1 ~ N(−5, 1) and q(z_2) = p(z_2): each weight is log σ(z_1) alone, whose mean is about −5.01.
        Assert.InRange(prior.Average(), -5.1, -4.9);
        Assert.All(prior, w => Assert.True(w < -0.5, $"weight {w}: z_1 near the posterior's +5 would give about −0.007"));

        float[] posterior = model.LogImportanceWeightsWithPriorBelow(x, k, priorLayers: 0, new Rng(7)).Data;
        Assert.Equal(model.LogImportanceWeights(x, k, new Rng(7)).Data, posterior);
    }

    [Fact]
    public void LogImportanceWeightsWithPriorBelow_PriorMean_SetsZ1ToThePriorsMeanInEveryDraw()
    {
        HierarchicalVae model = Build();
        using var _ = Tensor.NoGrad();
        Tensor x = Tensor.FromArray([1f], 1, 1);
        float[] weights = model.LogImportanceWeightsWithPriorBelow(x, 50, priorLayers: 1, new Rng(7), priorMean: true).Data;
        // z_1 = −5 whatever z_2 is, and q(z_2) = p(z_2): every weight is log σ(−5).
        double expected = -Math.Log(1 + Math.Exp(5));
        Assert.All(weights, w => Assert.Equal(expected, w, 4));
    }

    [Fact]
    public void LogImportanceWeightsWithPriorBelow_PriorMean_LeavesTheStreamWhereTheFullBoundDoes()
    {
        // So that in a pass of several calls the layers above z_1 get the same noise in both bounds of LLR>k.
        HierarchicalVae model = Build();
        using var _ = Tensor.NoGrad();
        Tensor x = Tensor.FromArray([1f], 1, 1);
        Rng full = new(7), means = new(7);
        model.LogImportanceWeights(x, 30, full);
        model.LogImportanceWeightsWithPriorBelow(x, 30, priorLayers: 1, means, priorMean: true);
        Assert.Equal(full.NextUInt64(), means.NextUInt64());
    }
}
