using LatentSharp.Optim;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Optim;

public class OptimizerTests
{
    public static TheoryData<string> Kinds => new() { "sgd", "sgd-momentum", "sgd-nesterov", "adagrad", "adam", "adam-l2", "adamw" };

    private static Optimizer Create(string kind, IEnumerable<Tensor> parameters) => kind switch
    {
        "sgd" => new Sgd(parameters, 0.1f),
        "sgd-momentum" => new Sgd(parameters, 0.05f, momentum: 0.9f, weightDecay: 1e-3f),
        "sgd-nesterov" => new Sgd(parameters, 0.05f, momentum: 0.9f, nesterov: true),
        "adagrad" => new Adagrad(parameters, 0.3f, weightDecay: 1e-3f),
        "adam" => new Adam(parameters, 0.1f),
        "adam-l2" => new Adam(parameters, 0.1f, weightDecay: 1e-3f),
        "adamw" => new AdamW(parameters, 0.1f),
        _ => throw new ArgumentException(kind),
    };

    /// <summary>Σ (p − c)² over a [3, 7] parameter and a [5] one.</summary>
    private static Tensor Quadratic(Tensor a, Tensor b, Tensor ca, Tensor cb)
    {
        Tensor da = a - ca, db = b - cb;
        return (da * da).Sum() + (db * db).Sum();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Optimizer_StepsOnQuadratic_ReduceLoss(string kind)
    {
        Tensor a = GradCheck.Param(1, 3, 7), b = GradCheck.Param(2, 5);
        Tensor ca = GradCheck.Param(3, 3, 7).Detach(), cb = GradCheck.Param(4, 5).Detach();
        Optimizer optimizer = Create(kind, [a, b]);
        float first = 0, last = 0;
        for (int step = 0; step < 40; step++)
        {
            optimizer.ZeroGrad();
            Tensor loss = Quadratic(a, b, ca, cb);
            if (step == 0) first = loss.Item();
            last = loss.Item();
            loss.Backward();
            optimizer.Step();
        }
        Assert.True(last < 0.2f * first, $"{kind}: loss {first} → {last}");
        Assert.Equal(40, optimizer.StepCount);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Optimizer_StateRoundTrip_NextStepIsIdentical(string kind)
    {
        Tensor a = GradCheck.Param(1, 3, 7), b = GradCheck.Param(2, 5);
        Tensor ca = GradCheck.Param(3, 3, 7).Detach(), cb = GradCheck.Param(4, 5).Detach();
        Optimizer original = Create(kind, [a, b]);
        for (int step = 0; step < 3; step++)
        {
            original.ZeroGrad();
            Quadratic(a, b, ca, cb).Backward();
            original.Step();
        }
        original.LearningRate *= 0.5f;   // as a schedule would
        OptimizerState state = original.GetState();

        Tensor a2 = a.Detach().AsParameter(), b2 = b.Detach().AsParameter();
        Optimizer resumed = Create(kind, [a2, b2]);
        resumed.SetState(state);
        Assert.Equal(original.LearningRate, resumed.LearningRate);
        Assert.Equal(3, resumed.StepCount);

        foreach (var (opt, x, y) in new[] { (original, a, b), (resumed, a2, b2) })
        {
            opt.ZeroGrad();
            Quadratic(x, y, ca, cb).Backward();
            opt.Step();
        }
        Assert.Equal(a.Data, a2.Data);
        Assert.Equal(b.Data, b2.Data);

        // The snapshot is a copy: later steps did not change it.
        Assert.Equal(3, state.StepCount);
        Assert.All(state.ParameterSteps, s => Assert.Equal(3, s));
        Assert.Equal(original.GetState().Buffers.Keys, state.Buffers.Keys);
    }

    [Fact]
    public void OptimizerState_BufferNames_FollowPyTorchStateKeys()
    {
        Tensor a = GradCheck.Param(1, 4), b = GradCheck.Param(2, 3);
        var adam = new Adam([a, b]);
        a.GradToAccumulate()![0] = 1f;
        adam.Step();   // b has no gradient: no buffers, no step
        OptimizerState state = adam.GetState();
        Assert.Equal("Adam", state.Optimizer);
        Assert.Equal(["0.exp_avg", "0.exp_avg_sq"], state.Buffers.Keys);
        Assert.Equal([1L, 0L], state.ParameterSteps);
    }

    [Fact]
    public void SetState_FromAnotherOptimizerOrShape_Throws()
    {
        Tensor a = GradCheck.Param(1, 4);
        var adam = new Adam([a]);
        a.GradToAccumulate();
        adam.Step();
        Assert.Throws<ArgumentException>(() => new AdamW([GradCheck.Param(1, 4)]).SetState(adam.GetState()));
        Assert.Throws<ArgumentException>(() => new Adam([GradCheck.Param(1, 5)]).SetState(adam.GetState()));
        Assert.Throws<ArgumentException>(() => new Adam([GradCheck.Param(1, 4), GradCheck.Param(2, 4)]).SetState(adam.GetState()));
    }

    [Fact]
    public void Step_ParameterWithoutGradient_IsLeftAlone()
    {
        Tensor a = GradCheck.Param(1, 4), b = GradCheck.Param(2, 3);
        float[] before = (float[])b.Data.Clone();
        var sgd = new Sgd([a, b], 0.1f, momentum: 0.9f);
        a.GradToAccumulate()![1] = 2f;
        float a1 = a.Data[1];
        sgd.Step();
        Assert.Null(b.Grad);
        Assert.Equal(before, b.Data);
        Assert.Equal(a1 - 0.2f, a.Data[1], 6);
    }

    [Fact]
    public void Optimizer_InvalidArguments_Throw()
    {
        Tensor a = GradCheck.Param(1, 4);
        Assert.Throws<ArgumentException>(() => new Sgd([], 0.1f));
        Assert.Throws<ArgumentException>(() => new Sgd([a, a], 0.1f));
        Assert.Throws<ArgumentException>(() => new Sgd([Tensor.Zeros(3)], 0.1f));
        Assert.Throws<ArgumentException>(() => new Sgd([a], 0.1f, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([a], beta2: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([a], 0.1f).LearningRate = float.NaN);
    }
}

public class OptimizerAllocationTests
{
    [Theory]
    [InlineData("sgd")]
    [InlineData("adagrad")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void Step_AfterFirst_AllocatesNothing(string kind)
    {
        Tensor a = GradCheck.Param(1, 300), b = GradCheck.Param(2, 17);
        GradCheck.Param(3, 300).Data.CopyTo(a.GradToAccumulate()!, 0);
        GradCheck.Param(4, 17).Data.CopyTo(b.GradToAccumulate()!, 0);
        Optimizer optimizer = kind switch
        {
            "sgd" => new Sgd([a, b], 0.01f, momentum: 0.9f, weightDecay: 0.01f, nesterov: true),
            "adagrad" => new Adagrad([a, b], weightDecay: 0.01f),
            "adam" => new Adam([a, b], weightDecay: 0.01f),
            _ => new AdamW([a, b]),
        };
        optimizer.Step();   // creates the state buffers
        optimizer.Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) optimizer.Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
