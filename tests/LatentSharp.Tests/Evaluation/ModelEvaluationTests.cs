using LatentSharp.Data;
using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Evaluation;

/// <summary>
/// A small VAE trained once for all tests of the class on the shipped sample, pooled 2×2 to 14×14 so that the PCA of the
/// probes (a D×D eigendecomposition) stays cheap: 1,500 train and 300 test images.
/// </summary>
public sealed class SmallTrainedVae
{
    public SmallTrainedVae()
    {
        DataSplits sample = new DatasetResolver().Load("sample");
        Data = new DataSplits(Pooled(sample.Train, 1500), Pooled(sample.Test, 300));
        Options = new TrainingOptions { Epochs = 3, BatchSize = 64, Seed = 3, Binarization = Binarization.Dynamic, ValidationImages = 0 };
        Model = ModelCatalog.Build(new ModelSpec { Height = 14, Width = 14, Hidden = [32], LatentSize = 4 }, new Rng(3));
        State = new Trainer(Model, Options).Fit(Data);
    }

    public DataSplits Data { get; }

    public TrainingOptions Options { get; }

    public LatentModel Model { get; }

    public TrainingState State { get; }

    /// <summary>The first <paramref name="n"/> images, each 2×2 block of pixels averaged: 28×28 → 14×14.</summary>
    internal static Dataset Pooled(Dataset data, int n)
    {
        int rows = data.Rows / 2, cols = data.Cols / 2;
        var pixels = new float[n * rows * cols];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> image = data.Image(i);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    pixels[(i * rows + r) * cols + c] = (image[2 * r * data.Cols + 2 * c] + image[2 * r * data.Cols + 2 * c + 1]
                        + image[(2 * r + 1) * data.Cols + 2 * c] + image[(2 * r + 1) * data.Cols + 2 * c + 1]) / 4;
        }
        return new Dataset(data.Name, n, rows, cols, pixels, data.Labels[..n], data.ClassNames);
    }
}

public sealed class ModelEvaluationTests(SmallTrainedVae trained) : IClassFixture<SmallTrainedVae>
{
    private EvaluationOptions Options(bool probe = false) => new() { Samples = 20, Binarize = true, Probe = probe };

    [Fact]
    public void Run_BinarizedVae_ReportsFiniteTermsAndNllBelowNegativeElbo()
    {
        EvaluationReport report = ModelEvaluation.Run(trained.Model, trained.Data, Options());

        Assert.Equal((300, 196, "test"), (report.Images, report.Dimensions, report.Split));
        Assert.Equal(report.Reconstruction!.Value - report.Kl!.Value, report.Elbo!.Value, 9);
        Assert.True(report.Kl > 0);
        Assert.True(report.NllNats < -report.Elbo, $"NLL {report.NllNats} should be below −ELBO {-report.Elbo}");
        Assert.Null(report.DequantizedBitsPerDim);
        Assert.Equal(20, report.NllSamples);
        Assert.False(report.NllExact);
        Assert.Contains("NLL, K = 20 (nats)", EvaluationReportWriter.FormatTable(report));
        Assert.Equal(4, report.KlPerDimension!.Length);
        Assert.Equal(report.KlPerDimension.OrderDescending(), report.KlPerDimension);
        Assert.Equal(report.Kl!.Value, report.KlPerDimension.Sum(), 3);
        Assert.InRange(report.ActiveUnits!.Value, 1, 4);
        Assert.Contains("elbo", report.SecondsByPart!.Keys);
        Assert.Contains("nll", report.SecondsByPart.Keys);
    }

    [Fact]
    public void Run_Binarized_EvaluatesTheImagesTheTrainerTestedOn()
    {
        // The trainer's test metrics (scored once at the end, with the last epoch's weights: without validation images the
        // best epoch is the best on the training batches, here the last) use Test.Binarize(new Rng(Dataset.TestBinarizationSeed)). The KL term is in closed
        // form, a function of the images alone (no noise draw), so the same images give the same mean KL to rounding,
        // and another binarization does not.
        double trainTime = trained.State.Test!.Metrics["kl"];
        EvaluationReport report = ModelEvaluation.Run(trained.Model, trained.Data, Options() with { Samples = 1 });
        Assert.Equal(trainTime, report.Kl!.Value, 3);
        Assert.Equal(3, trained.State.Test.Epoch);
        Assert.InRange(report.Elbo!.Value, trained.State.Test.Metrics["elbo"] - 1.5, trained.State.Test.Metrics["elbo"] + 1.5);

        Dataset otherDraw = trained.Data.Test.Binarize(new Rng(Dataset.TestBinarizationSeed + 1));
        double other = new Trainer(trained.Model, trained.Options).Evaluate(otherDraw).Metrics["kl"];
        Assert.True(Math.Abs(other - trainTime) > 0.01, $"another binarization gives KL {other:F4}, the fixed one {trainTime:F4}");
    }

    [Fact]
    public void Run_WithProbe_BeatsChanceOnEveryFeatureSet()
    {
        EvaluationReport report = ModelEvaluation.Run(trained.Model, trained.Data, Options(probe: true) with { Samples = 1 });
        // 10 balanced classes: chance is 10%.
        Assert.True(report.ProbeAccuracyLatent > 0.3, $"latent {report.ProbeAccuracyLatent}");
        Assert.True(report.ProbeAccuracyPca > 0.3, $"PCA {report.ProbeAccuracyPca}");
        Assert.True(report.ProbeAccuracyPixels > 0.3, $"pixels {report.ProbeAccuracyPixels}");
    }

    [Fact]
    public void Run_OutOfDistributionIsTheTestSetItself_AurocNearHalf()
    {
        var options = Options() with { OutOfDistribution = OutOfDistributionSet.Found("itself", trained.Data.Test) };
        EvaluationReport report = ModelEvaluation.Run(trained.Model, trained.Data, options);
        // The same images on both sides; only the importance-sampling noise differs.
        Assert.InRange(report.AurocLikelihood!.Value, 0.45, 0.55);
        Assert.InRange(report.AurocRatio!.Value, 0.45, 0.55);
        Assert.Equal("itself", report.OutOfDistribution);
    }

    [Fact]
    public void Run_MissingOutOfDistributionSet_LeavesANoteNotACrash()
    {
        var options = Options() with { OutOfDistribution = OutOfDistributionSet.Missing("mnist", "data set 'mnist' not found.") };
        EvaluationReport report = ModelEvaluation.Run(trained.Model, trained.Data, options);
        Assert.Null(report.AurocLikelihood);
        Assert.Null(report.AurocRatio);
        Assert.Contains(report.Notes!, n => n.Contains("mnist", StringComparison.Ordinal) && n.Contains("skipped", StringComparison.Ordinal));
        Assert.NotNull(report.NllNats);
    }

    [Fact]
    public void Run_PixelCnnLikelihood_ReportsNatsOfTheBinarizedImages()
    {
        var spec = new ModelSpec { Kind = "conv-vae", Likelihood = "pixelcnn", Height = 14, Width = 14, ConvChannels = [4], LatentSize = 3, PixelCnnChannels = 4, PixelCnnBlocks = 1 };
        EvaluationReport report = ModelEvaluation.Run(ModelCatalog.Build(spec, new Rng(1)), trained.Data, Options() with { Samples = 4, Images = 40 });
        Assert.True(report.NllNats > 0 && double.IsFinite(report.NllNats.Value));
        Assert.Null(report.DequantizedBitsPerDim);
        Assert.DoesNotContain(report.Notes ?? [], n => n.Contains("Gaussian", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_AutoregressiveModel_ReportsItsNllAsExact_NotImportanceSampled()
    {
        var spec = new ModelSpec { Kind = "pixelcnn", Height = 14, Width = 14, PixelCnnChannels = 4, PixelCnnBlocks = 1 };
        EvaluationReport report = ModelEvaluation.Run(ModelCatalog.Build(spec, new Rng(1)), trained.Data, Options() with { Samples = 4, Images = 40 });
        Assert.True(report.NllExact);
        string table = EvaluationReportWriter.FormatTable(report);
        Assert.Contains("NLL, exact (nats)", table);
        Assert.DoesNotContain("K = 4", table);
    }

    [Fact]
    public void NllEstimator_SmallModel_KeepsTheDefaultCalls_LargeActivations_FewerImagesPerCall()
    {
        var defaults = new ImportanceSampledNll(5000);
        ImportanceSampledNll small = NllPasses.EstimatorFor(trained.Model, 5000);
        Assert.Equal((defaults.BatchSize, defaults.ChunkSize), (small.BatchSize, small.ChunkSize));

        // 28×28 with 64 pixel-layer maps: ~0.3 M floats a row, so 5,000 rows would be ~6 GB.
        var spec = new ModelSpec { Kind = "conv-vae", Likelihood = "pixelcnn", ConvChannels = [8], LatentSize = 3, PixelCnnChannels = 64, PixelCnnBlocks = 1 };
        LatentModel large = ModelCatalog.Build(spec, new Rng(1));
        ImportanceSampledNll capped = NllPasses.EstimatorFor(large, 5000);
        int rows = capped.BatchSize * capped.ChunkSize;
        Assert.True(rows < defaults.BatchSize * defaults.ChunkSize, $"{capped.BatchSize} images × {capped.ChunkSize} samples");
        Assert.True(rows <= large.EvaluationBatchSize(int.MaxValue), $"{rows} rows per call, budget {large.EvaluationBatchSize(int.MaxValue)}");
        Assert.Equal(5000, capped.Samples);
    }

    [Fact]
    public void Run_Autoencoder_HasReconstructionButNoLikelihood()
    {
        LatentModel autoencoder = ModelCatalog.Build(new ModelSpec { Kind = "ae", Likelihood = "bce", Height = 14, Width = 14, Hidden = [16], LatentSize = 4 }, new Rng(1));
        EvaluationReport report = ModelEvaluation.Run(autoencoder, trained.Data, Options() with { OutOfDistribution = OutOfDistributionSet.Found("itself", trained.Data.Test) });
        Assert.True(report.Reconstruction < 0 && double.IsFinite(report.Reconstruction.Value));
        Assert.Null(report.Elbo);
        Assert.Null(report.NllNats);
        Assert.Null(report.AurocLikelihood);
        Assert.Contains(report.Notes!, n => n.Contains("has no prior", StringComparison.Ordinal));
    }

    [Fact]
    public void RunProbabilisticPca_GivesDequantizedBitsOnlyAndProbes()
    {
        var options = new EvaluationOptions { Probe = true, Images = 100 };
        EvaluationReport report = ModelEvaluation.RunProbabilisticPca(trained.Data, 4, options);
        Assert.Null(report.NllNats);
        Assert.Null(report.NllBitsPerDim);
        Assert.InRange(report.DequantizedBitsPerDim!.Value, 0.5, 8);
        Assert.True(report.ProbeAccuracyLatent > 0.3, $"latent {report.ProbeAccuracyLatent}");
        // pPCA posterior means are the PCA coordinates rescaled per axis, which standardization undoes.
        Assert.Equal(report.ProbeAccuracyPca!.Value, report.ProbeAccuracyLatent!.Value, 2);
    }

    [Fact]
    public void RunProbabilisticPca_Binarized_IsRefused()
    {
        var e = Assert.Throws<InvalidSettingException>(() => ModelEvaluation.RunProbabilisticPca(trained.Data, 4, new EvaluationOptions { Binarize = true }));
        Assert.Contains("binarized", e.Message);
        Assert.Equal(nameof(EvaluationOptions.Binarize), e.Setting);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(196)]
    public void RunProbabilisticPca_LatentSizeOutside1ToDMinus1_NamesTheSettingNotAFlag(int latentSize)
    {
        var e = Assert.Throws<InvalidSettingException>(() => ModelEvaluation.RunProbabilisticPca(trained.Data, latentSize, new EvaluationOptions()));
        Assert.Equal(nameof(ProbabilisticPca.LatentSize), e.Setting);
        Assert.Contains("195", e.Message);
        Assert.DoesNotContain("--", e.Message);
    }

    [Fact]
    public void RunProbabilisticPca_GoesThroughTheSameParts_LatentStatisticsAndOutliers()
    {
        var options = new EvaluationOptions { Probe = false, Images = 50, OutOfDistribution = OutOfDistributionSet.Found("itself", trained.Data.Test) };
        EvaluationReport report = ModelEvaluation.RunProbabilisticPca(trained.Data, 4, options);
        Assert.Equal(4, report.LatentDimensions);
        Assert.InRange(report.ActiveUnits!.Value, 1, 4);
        Assert.Equal(1, report.NllSamples);
        Assert.True(report.NllExact);
        Assert.Equal(50, report.NllPerImage!.Length);
        Assert.InRange(report.AurocLikelihood!.Value, 0.4, 0.6);   // the test images against themselves, other dequantization draws
        Assert.Null(report.Elbo);
        Assert.Equal(["fit", "active units", "nll", "outliers"], report.SecondsByPart!.Keys);
    }

    [Theory]
    [InlineData("valid", 10, nameof(EvaluationOptions.Split))]
    [InlineData("test", 0, nameof(EvaluationOptions.Samples))]
    public void Validate_BadOptions_NameTheOption(string split, int samples, string expected)
    {
        var e = Assert.Throws<InvalidSettingException>(() => new EvaluationOptions { Split = split, Samples = samples }.Validate());
        Assert.Equal(expected, e.Setting);
    }
}
