using LatentSharp.Data;
using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Evaluation;

/// <summary>Toy 4×4 images with labels, for the parts of an evaluation that need no trained model.</summary>
internal static class ToyImages
{
    public static Dataset Make(string name, int n, int seed, int side = 4, bool labels = true)
    {
        var rng = new Rng((ulong)seed);
        // 8-bit intensities k / 255, as the IDX reader gives.
        float[] pixels = Enumerable.Range(0, n * side * side).Select(_ => rng.NextInt(256) / 255f).ToArray();
        return new Dataset(name, n, side, side, pixels, labels ? Enumerable.Range(0, n).Select(i => i % 3).ToArray() : null);
    }

    public static DataSplits Splits(int train = 60, int test = 30, bool labels = true) =>
        new(Make("toy/train", train, 1, labels: labels), Make("toy/test", test, 2, labels: labels));
}

public class EvaluationInputsTests
{
    [Fact]
    public void Prepare_Binarized_TakesTheFirstImagesOfTheWholeSplitBinarizedOnce()
    {
        DataSplits data = ToyImages.Splits();
        var inputs = EvaluationInputs.Prepare(data, new EvaluationOptions { Binarize = true, Images = 10 }, 16, []);
        Dataset whole = TestBinarization.Apply(data.Test, true);
        Assert.Equal(10, inputs.Count);
        Assert.Equal(whole.Pixels[..(10 * 16)], inputs.Evaluated.Pixels);
        Assert.Equal("toy (binarized once, seed 20141222), first 10 of 30", inputs.Description);
    }

    [Fact]
    public void Prepare_TrainImages_LimitProbeAndBackground_BothStayIntensities()
    {
        DataSplits data = ToyImages.Splits();
        var inputs = EvaluationInputs.Prepare(data, new EvaluationOptions { Binarize = true, TrainImages = 20 }, 16, []);
        Assert.Equal((20, 20), (inputs.ProbeTrain.Count, inputs.BackgroundTrain.Count));
        Assert.Equal(data.Train.Pixels[..(20 * 16)], inputs.ProbeTrain.Pixels);
        Assert.Equal(data.Train.Pixels[..(20 * 16)], inputs.BackgroundTrain.Pixels);
    }

    [Fact]
    public void Prepare_Binarized_ProbesTheGreyLevelsNotBinaryPixels()
    {
        DataSplits data = ToyImages.Splits();
        var inputs = EvaluationInputs.Prepare(data, new EvaluationOptions { Binarize = true }, 16, []);
        Assert.Equal(data.Train.Pixels, inputs.ProbeTrain.Pixels);
        Assert.Equal(data.Test.Pixels, inputs.ProbeTest.Pixels);
        Assert.Contains(inputs.ProbeTest.Pixels, p => p is > 0 and < 1);
    }

    [Fact]
    public void Prepare_TrainSplit_EvaluatesTheTrainingImages()
    {
        DataSplits data = ToyImages.Splits();
        var inputs = EvaluationInputs.Prepare(data, new EvaluationOptions { Split = "train" }, 16, []);
        Assert.Equal(data.Train.Pixels, inputs.Evaluated.Pixels);
        Assert.Equal("toy (8-bit intensities)", inputs.Description);
    }

    [Fact]
    public void Prepare_OutOfDistributionOfOtherSize_IsLeftOutWithANote()
    {
        var notes = new List<string>();
        var options = new EvaluationOptions { OutOfDistribution = OutOfDistributionSet.Found("big", ToyImages.Make("big/test", 5, 3, side: 5)) };
        var inputs = EvaluationInputs.Prepare(ToyImages.Splits(), options, 16, notes);
        Assert.Null(inputs.OutOfDistribution);
        Assert.Equal(["Outlier scores skipped: big has 5x5 images, toy 4x4."], notes);
    }

    [Fact]
    public void Prepare_OutOfDistribution_AsManyImagesAsEvaluated()
    {
        var options = new EvaluationOptions { Images = 7, OutOfDistribution = OutOfDistributionSet.Found("other", ToyImages.Make("other/test", 12, 3)) };
        var inputs = EvaluationInputs.Prepare(ToyImages.Splits(), options, 16, []);
        Assert.Equal(7, inputs.OutOfDistribution!.Count);
    }

    [Fact]
    public void Prepare_ModelOfOtherSize_IsRefusedNamingBoth()
    {
        var e = Assert.Throws<DataMismatchException>(() => EvaluationInputs.Prepare(ToyImages.Splits(), new EvaluationOptions(), 784, []));
        Assert.Contains("16 pixels", e.Message);
        Assert.Contains("784", e.Message);
    }
}

public class PartTimerTests
{
    [Fact]
    public void Time_ReturnsTheResult_AddsRepeatedParts_KeepsTheOrder()
    {
        var parts = new PartTimer();
        Assert.Equal(3, parts.Time("b", () => 3));
        parts.Time("a", () => { Thread.Sleep(5); return 0; });
        double once = parts.Seconds["a"];
        parts.Time("a", () => { Thread.Sleep(5); return 0; });
        Assert.Equal(["b", "a"], parts.Seconds.Keys);
        Assert.True(parts.Seconds["a"] > once, $"{parts.Seconds["a"]} after a second run of {once}");
    }
}

public class NllPassesTests
{
    [Fact]
    public void ProbabilisticPca_IsTheDequantizedExactLikelihood_AsTheEstimatorGivesIt()
    {
        DataSplits data = ToyImages.Splits();
        var ppca = ProbabilisticPca.Fit(data.Train.Pixels, data.Train.Count, 16, 3);
        NllPasses passes = NllPasses.Of(ppca, "ppca");
        NllEstimate nll = passes.Nll("nll", data.Test, 30, new Rng(9));

        // The same draws as the estimator's own dequantized evaluation: identical, not just close.
        NllEstimate direct = new ImportanceSampledNll(1, 1, 500).EvaluateDequantized(ppca.LogImportanceWeights, data.Test.Pixels, 30, 16, new Rng(9));
        Assert.Equal(direct.PerImage, nll.PerImage);
        Assert.Equal((NllConvention.Dequantized8Bit, 1), (nll.Convention, nll.Samples));

        // K = 1 is exact: −log p(y) + D ln 256 of the dequantized images.
        float[] y = ImportanceSampledNll.Dequantize(data.Test.Pixels, 30, 16, new Rng(9));
        double[] exact = ppca.LogLikelihood(y, 30);
        for (int i = 0; i < 30; i++) Assert.Equal(-exact[i] + 16 * Math.Log(256), nll.PerImage[i], 6);
    }

    [Theory]
    [InlineData("bernoulli", NllConvention.Discrete)]
    [InlineData("gaussian", NllConvention.Dequantized8Bit)]
    public void Of_Model_ConventionFollowsTheLikelihood(string likelihood, NllConvention expected)
    {
        LatentModel model = ModelCatalog.Build(new ModelSpec { Likelihood = likelihood, Height = 4, Width = 4, Hidden = [8], LatentSize = 2 }, new Rng(1));
        NllPasses passes = NllPasses.Of(model, 3, progress: null);
        NllEstimate nll = passes.Nll("nll", ToyImages.Make("toy/test", 5, 2), 5, new Rng(1));
        Assert.Equal((expected, 5, 3), (nll.Convention, nll.Images, nll.Samples));
        Assert.All(nll.PerImage, v => Assert.True(double.IsFinite(v)));
    }
}

public class ElboStatisticsTests
{
    private static EvaluationReport Empty => new() { Model = "m", Dataset = "toy", Split = "test" };

    [Fact]
    public void Reconstruction_AutoencoderWithoutBce_HasNoneAndSaysSo()
    {
        LatentModel autoencoder = ModelCatalog.Build(new ModelSpec { Kind = "ae", Likelihood = "mse", Height = 4, Width = 4, Hidden = [8], LatentSize = 2 }, new Rng(1));
        var notes = new List<string>();
        EvaluationReport report = ElboStatistics.Reconstruction(autoencoder, ToyImages.Make("toy/test", 5, 2), 5, 500, new Rng(1), Empty, notes);
        Assert.Null(report.Reconstruction);
        Assert.Contains(notes, n => n.Contains("\"mse\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Measure_Vae_ElboIsReconstructionMinusKl_KlPerDimensionSumsToKl_SameForAnyBatchSize()
    {
        LatentModel vae = ModelCatalog.Build(new ModelSpec { Height = 4, Width = 4, Hidden = [8], LatentSize = 3 }, new Rng(2));
        vae.Eval();
        Dataset data = ToyImages.Make("toy/test", 20, 2);
        EvaluationReport whole = ElboStatistics.Measure(vae, data, 20, 500, new Rng(1), Empty);
        Assert.Equal(whole.Reconstruction!.Value - whole.Kl!.Value, whole.Elbo!.Value, 12);
        Assert.Equal(whole.Kl.Value, whole.KlPerDimension!.Sum(), 4);
        Assert.Equal(ElboStatistics.ActiveUnitThreshold, whole.ActiveUnitThreshold);

        // The KL terms are a function of the images alone: batching does not change them.
        EvaluationReport batched = ElboStatistics.Measure(vae, data, 20, 7, new Rng(1), Empty);
        Assert.Equal(whole.Kl.Value, batched.Kl!.Value, 4);
        Assert.Equal(whole.ActiveUnits, batched.ActiveUnits);
    }
}

public class OutlierScoresTests
{
    private static EvaluationReport Empty => new() { Model = "m", Dataset = "toy", Split = "test" };

    private static double[] LogModel(Dataset data) => Enumerable.Range(0, data.Count).Select(i => -(double)data.Pixels[i * 16]).ToArray();

    [Fact]
    public void Measure_NoSetAsked_ChangesNothing()
    {
        var notes = new List<string>();
        var inputs = EvaluationInputs.Prepare(ToyImages.Splits(), new EvaluationOptions(), 16, notes);
        EvaluationReport report = OutlierScores.Measure(Empty, inputs, new EvaluationOptions(), LogModel(inputs.Evaluated), LogModel, null, new PartTimer(), notes);
        Assert.Equal(Empty, report);
        Assert.Empty(notes);
    }

    [Fact]
    public void Measure_MissingSet_NamesItWithTheReason()
    {
        var options = new EvaluationOptions { OutOfDistribution = OutOfDistributionSet.Missing("mnist", "not installed.") };
        var notes = new List<string>();
        var inputs = EvaluationInputs.Prepare(ToyImages.Splits(), options, 16, notes);
        var parts = new PartTimer();
        EvaluationReport report = OutlierScores.Measure(Empty, inputs, options, LogModel(inputs.Evaluated), LogModel, null, parts, notes);
        Assert.Empty(parts.Seconds);
        Assert.Equal("mnist", report.OutOfDistribution);
        Assert.Null(report.AurocLikelihood);
        Assert.Equal(["Outlier scores vs mnist skipped: not installed."], notes);
    }

    [Theory]
    [InlineData(OutlierBackground.Pixels, "pixels")]
    [InlineData(OutlierBackground.Compression, "compression")]
    public void Measure_TheEvaluatedImagesAsTheirOwnOutliers_RankAtChance(OutlierBackground background, string recorded)
    {
        DataSplits data = ToyImages.Splits();
        var options = new EvaluationOptions { Background = background, OutOfDistribution = OutOfDistributionSet.Found("itself", data.Test) };
        var notes = new List<string>();
        var inputs = EvaluationInputs.Prepare(data, options, 16, notes);
        EvaluationReport report = OutlierScores.Measure(Empty, inputs, options, LogModel(inputs.Evaluated), LogModel, null, new PartTimer(), notes);
        // Identical scores on both sides: every pair is a tie.
        Assert.Equal((0.5, 0.5), (report.AurocLikelihood, report.AurocRatio));
        Assert.Equal(recorded, report.OutlierBackground);
        Assert.Single(notes, n => n.StartsWith("Outliers: 30 toy test images (in) vs the first 30 itself test images (out)", StringComparison.Ordinal));
    }
}

public class LinearProbesTests
{
    private static EvaluationReport Empty => new() { Model = "m", Dataset = "toy", Split = "test" };

    [Fact]
    public void Measure_NoLabels_SkipsWithANote()
    {
        var notes = new List<string>();
        var parts = new PartTimer();
        var inputs = EvaluationInputs.Prepare(ToyImages.Splits(labels: false), new EvaluationOptions(), 16, notes);
        EvaluationReport report = LinearProbes.Measure(Empty, inputs, 2, _ => throw new InvalidOperationException("not asked"), null, parts, notes);
        Assert.Null(report.ProbeAccuracyLatent);
        Assert.Equal(["Linear probes skipped: the data set has no labels."], notes);
        Assert.Empty(parts.Seconds);
    }

    [Fact]
    public void Measure_PcaFeaturesAsTheLatent_ScoreAsThePcaProbe_WhetherFittedHereOrGiven()
    {
        var notes = new List<string>();
        var parts = new PartTimer();
        var inputs = EvaluationInputs.Prepare(ToyImages.Splits(), new EvaluationOptions(), 16, notes);
        Pca pca = Pca.Fit(inputs.ProbeTrain.Pixels, inputs.ProbeTrain.Count, 16, 3);
        float[] Features(Dataset x) => pca.Encode(x.Pixels, x.Count);
        EvaluationReport given = LinearProbes.Measure(Empty, inputs, 3, Features, pca, parts, notes);
        EvaluationReport fitted = LinearProbes.Measure(Empty, inputs, 3, Features, null, parts, notes);
        Assert.Equal(EvaluationReport.GreyLevelProbeImages, given.ProbeImages);
        Assert.Equal(given.ProbeAccuracyPca, given.ProbeAccuracyLatent);
        Assert.Equal(given, fitted);
        Assert.Equal(["probe: latent", "probe: PCA", "probe: pixels"], parts.Seconds.Keys);
    }
}
