using LatentSharp.Optim;

namespace LatentSharp.Tests.Optim;

public class ScheduleTests
{
    public static TheoryData<string> Cases => new() { "step", "exponential", "cosine", "cosine-restart" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Schedule_TenEpochs_MatchesPyTorchScheduler(string name)
    {
        var c = Golden.Case("schedules", name);
        var args = c.GetProperty("args");
        ILearningRateSchedule schedule = name switch
        {
            "step" => new StepLr(args.GetProperty("step_size").GetInt32(), (float)args.GetProperty("gamma").GetDouble()),
            "exponential" => new ExponentialLr((float)args.GetProperty("gamma").GetDouble()),
            _ => new CosineAnnealingLr(args.GetProperty("t_max").GetInt32(), (float)args.GetProperty("eta_min").GetDouble()),
        };
        float baseLr = (float)c.GetProperty("base_lr").GetDouble();
        float[] expected = Golden.Floats(c.GetProperty("values"));
        float[] actual = [.. Enumerable.Range(0, expected.Length).Select(e => schedule.At(e, baseLr))];
        Golden.AssertClose(expected, actual, name);
    }

    [Fact]
    public void ConstantLr_AnyEpoch_ReturnsBase()
    {
        var schedule = new ConstantLr();
        Assert.Equal(0.003f, schedule.At(0, 0.003f));
        Assert.Equal(0.003f, schedule.At(1000, 0.003f));
    }

    [Fact]
    public void CosineAnnealingLr_AtTMax_ReachesEtaMin()
    {
        Assert.Equal(0.01f, new CosineAnnealingLr(20, 0.01f).At(20, 1f), 6);
    }

    [Fact]
    public void Schedules_NegativeEpochOrBadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepLr(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialLr(0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLr(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialLr(0.5f).At(-1, 1f));
    }
}
