using LatentSharp.Evaluation;

namespace LatentSharp.Tests.Evaluation;

public class NllComparisonTests
{
    private static EvaluationReport Report(string model, double[] perImage, string split = "test") => new EvaluationReport
    {
        Model = model, Dataset = "fashion-mnist (binarized)", Split = split, Images = perImage.Length, Dimensions = 784,
        Elbo = -perImage.Average() - 3,
    }.WithNll(new NllEstimate(NllConvention.Discrete, perImage.Length, 784, 100, perImage.Average(), 1, perImage));

    [Fact]
    public void Against_CorrelatedModels_PairedErrorIsTheSpreadOfTheDifferences()
    {
        // Image costs vary by ±40 nats; model b is 2 nats better on every image but one, where it is 1 better.
        double[] a = [200, 280, 240, 220, 260];
        double[] b = [198, 278, 238, 218, 259];
        var row = Assert.Single(NllComparison.Against(Report("a", a), [Report("b", b)]));
        Assert.Equal(-1.8, row.Difference, 12);
        // Differences −2, −2, −2, −2, −1: sample sd √(0.2), standard error √(0.2 / 5) = 0.2.
        Assert.Equal(0.2, row.PairedStandardError, 12);
        Assert.Equal("b", row.Report.Model);
    }

    [Fact]
    public void Against_ItselfGivesZero()
    {
        double[] a = [200, 280, 240];
        var row = Assert.Single(NllComparison.Against(Report("a", a), [Report("a again", a)]));
        Assert.Equal((0.0, 0.0), (row.Difference, row.PairedStandardError));
    }

    [Fact]
    public void Against_OtherImages_IsRefusedNamingBothReports()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            NllComparison.Against(Report("a", [200, 280, 240]), [Report("b", [200, 280])]));
        Assert.Contains("'b'", error.Message);
        Assert.Contains("3 images", error.Message);
        Assert.Contains("2 images", error.Message);
        Assert.DoesNotContain("--", error.Message);   // a library message names no command-line flag
        Assert.Throws<ArgumentException>(() => NllComparison.Against(Report("a", [1, 2]), [Report("b", [1, 2], split: "train")]));
    }

    [Fact]
    public void Against_ReportWithoutPerImageValues_SaysHowToGetThem()
    {
        EvaluationReport old = Report("old", [200, 280]) with { NllPerImage = null };
        var error = Assert.Throws<ArgumentException>(() => NllComparison.Against(Report("a", [200, 280]), [old]));
        Assert.Contains("latent eval", error.Message);
    }
}
