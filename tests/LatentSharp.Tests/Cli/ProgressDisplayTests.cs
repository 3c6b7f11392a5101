using LatentSharp.Cli;

namespace LatentSharp.Tests.Cli;

public sealed class ProgressDisplayTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-progress-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ProgressSnapshot Midway(int epochs = 100) =>
        new(Epoch: 37, Epochs: epochs, Step: 1234, Steps: 4688, Loss: -12345.67, ExamplesPerSecond: 123456,
            EpochRemaining: TimeSpan.FromSeconds(754), RunRemaining: TimeSpan.FromHours(26.5));

    [Theory]
    [InlineData(20)]
    [InlineData(40)]
    [InlineData(80)]
    [InlineData(120)]
    [InlineData(300)]
    public void Bar_AtAnyWidth_FitsOnOneLineShortOfTheLastColumn(int width)
    {
        string line = ProgressLine.Bar(Midway(), width);
        Assert.True(line.Length <= width - 1, $"{line.Length} columns at width {width}: {line}");
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("epoch 37/100", line);
    }

    [Theory]
    [InlineData(40)]
    [InlineData(80)]
    [InlineData(120)]
    public void Bar_AtCommonWidths_ShowsTheBarAndTheRunsTimeLeft(int width)
    {
        string line = ProgressLine.Bar(Midway(), width);
        Assert.Contains("━", line);
        Assert.Contains("run 26:30:00", line);
        Assert.Contains(" 26%", line);
    }

    [Fact]
    public void Bar_At120Columns_ShowsEveryPart()
    {
        string line = ProgressLine.Bar(Midway(), 120);
        foreach (string part in new[] { "1234/4688", "loss -12345.67", "123,456 ex/s", "ETA epoch 12:34, run 26:30:00" })
            Assert.Contains(part, line);
    }

    [Fact]
    public void Bar_WhileNumbersGrow_KeepsItsLength()
    {
        ProgressSnapshot early = Midway() with { Step = 7, Loss = 5.5, ExamplesPerSecond = 900 };
        Assert.Equal(ProgressLine.Bar(Midway(), 120).Length, ProgressLine.Bar(early, 120).Length);
    }

    [Fact]
    public void Clock_HalfwayThroughTheSecondOfFourEpochs_ProjectsTheEpochAndTheRun()
    {
        var clock = new ProgressClock();
        clock.EpochStarted(1, 4, TimeSpan.Zero);
        clock.Step(1, 10, 10, 1, 1, TimeSpan.FromSeconds(10));
        clock.EpochStarted(2, 4, TimeSpan.FromSeconds(12));
        ProgressSnapshot s = clock.Step(2, 5, 10, 1, 1, TimeSpan.FromSeconds(17));
        Assert.Equal(5, s.EpochRemaining!.Value.TotalSeconds, 3);
        Assert.Equal(17.0 / 15 * 25, s.RunRemaining!.Value.TotalSeconds, 3);   // 15 steps in 17 s, 25 to go
    }

    [Fact]
    public void Clock_OfAResumedRun_CountsOnlyTheEpochsThisProcessTrains()
    {
        var clock = new ProgressClock();
        clock.EpochStarted(9, 10, TimeSpan.Zero);
        ProgressSnapshot s = clock.Step(9, 5, 10, 1, 1, TimeSpan.FromSeconds(5));
        Assert.Equal(15, s.RunRemaining!.Value.TotalSeconds, 3);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(41.2, "42s")]
    [InlineData(184, "3:04")]
    [InlineData(3723, "1:02:03")]
    public void Duration_Formats_MinutesAndSecondsThenHours(double seconds, string expected) =>
        Assert.Equal(expected, ProgressLine.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Train_RedirectedOutput_PrintsHeartbeatLines()
    {
        var (code, output, error) = Latent.Run("train", "--epochs", "1", "--hidden", "16", "--latent", "2", "--threads", "2", "--heartbeat", "0.001", "-o", _dir);
        Assert.True(code == 0, error);
        string[] beats = output.Split('\n').Where(l => l.StartsWith("epoch 1/1  batch ", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(beats);
        Assert.Matches(@"^epoch 1/1  batch \d+/\d+  [\d,]+ ex/s  loss -?\d+\.\d\d  ETA epoch \S+, run \S+\s*$", beats[0]);
        Assert.DoesNotContain('━', output);
    }

    [Fact]
    public void Train_HeartbeatZero_PrintsOnlyTheEpochLines()
    {
        var (code, output, error) = Latent.Run("train", "--epochs", "1", "--hidden", "16", "--latent", "2", "--threads", "2", "--heartbeat", "0", "-o", _dir);
        Assert.True(code == 0, error);
        Assert.DoesNotContain("batch ", output);
        Assert.Contains("epoch   1", output);
    }
}
