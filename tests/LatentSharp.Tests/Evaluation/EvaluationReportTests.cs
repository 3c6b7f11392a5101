using LatentSharp.Evaluation;

namespace LatentSharp.Tests.Evaluation;

public class EvaluationReportTests
{
    private static EvaluationReport Full() => new()
    {
        Model = "vae-784-400-20", Dataset = "fashion-mnist (binarized)", Split = "test", Images = 1000, Dimensions = 784,
        Elbo = -250.5, Reconstruction = -230.25, Kl = 20.25, ActiveUnits = 2, ActiveUnitThreshold = 0.01,
        KlPerDimension = [12.5, 7.75, 0.001], ProbeAccuracyLatent = 0.78, ProbeAccuracyPca = 0.74, ProbeAccuracyPixels = 0.82,
        OutOfDistribution = "mnist", AurocLikelihood = 0.12, AurocRatio = 0.93, FprAt95Likelihood = 0.99, FprAt95Ratio = 0.3,
        Seconds = 12.5,
    };

    [Fact]
    public void WithNll_DiscreteAndDequantized_GoToSeparateFields()
    {
        var discrete = new NllEstimate(NllConvention.Discrete, 1000, 784, 5000, 240, 1.5, []);
        EvaluationReport a = Full().WithNll(discrete);
        Assert.Equal((240.0, discrete.BitsPerDim, (double?)null), (a.NllNats!.Value, a.NllBitsPerDim!.Value, a.DequantizedBitsPerDim));
        Assert.Equal(5000, a.NllSamples);

        var dequantized = new NllEstimate(NllConvention.Dequantized8Bit, 1000, 784, 5000, 1500, 2, []);
        EvaluationReport b = a.WithNll(dequantized);
        Assert.Null(b.NllNats);
        Assert.Null(b.NllBitsPerDim);
        Assert.Equal(dequantized.BitsPerDim, b.DequantizedBitsPerDim);
    }

    [Fact]
    public void Json_WriteThenRead_RoundTripsIncludingNullsAndArrays()
    {
        EvaluationReport report = Full().WithNll(new NllEstimate(NllConvention.Discrete, 3, 784, 5000, 240.125, 1.5, [230.5, 250.25, 239.625]));
        string folder = Path.Combine(Path.GetTempPath(), "latentsharp-eval-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(folder, EvaluationReportWriter.DefaultFileName);
            EvaluationReportWriter.Write(report, path);
            EvaluationReport back = EvaluationReportWriter.Read(path);
            Assert.Equal(report.KlPerDimension, back.KlPerDimension);
            Assert.Equal(report.NllPerImage, back.NllPerImage);
            Assert.Equal(report with { KlPerDimension = null, NllPerImage = null }, back with { KlPerDimension = null, NllPerImage = null });
            string json = File.ReadAllText(path);
            Assert.Contains("\"nllNats\": 240.125", json);
            Assert.Contains("\"dequantizedBitsPerDim\": null", json);
            Assert.False(File.Exists(path + ".tmp"));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Json_NaN_IsWrittenNotThrown()
    {
        string json = EvaluationReportWriter.ToJson(Full() with { Elbo = double.NaN });
        Assert.Contains("\"elbo\": \"NaN\"", json);
        Assert.True(double.IsNaN(EvaluationReportWriter.FromJson(json).Elbo!.Value));
    }

    [Fact]
    public void FormatTable_ShowsValuesAndDashesForMissing()
    {
        string table = EvaluationReportWriter.FormatTable(Full());
        Assert.Contains("-250.50", table);
        Assert.Contains("12.50 7.75 0.00", table);
        Assert.Contains("78.0 %", table);
        Assert.Contains("AUROC vs mnist", table);
        Assert.Matches(@"dequantized 8-bit bits/dim\s+–", table);
    }
}
