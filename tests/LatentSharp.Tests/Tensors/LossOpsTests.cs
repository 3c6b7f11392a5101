using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

public class LossOpsTests
{
    private static double BceReference(double x, double t) => Math.Max(x, 0) - x * t + Reference.Log1p(Math.Exp(-Math.Abs(x)));

    [Fact]
    public void BinaryCrossEntropyWithLogits_SoftTargets_MatchGradCheck()
    {
        Tensor logits = GradCheck.Param(41, -4f, 4f, 3, 5);
        Tensor targets = GradCheck.Param(42, 0f, 1f, 3, 5);   // non-binary targets in [0, 1], also differentiated
        GradCheck.Check(x => x[0].BinaryCrossEntropyWithLogits(x[1]), [logits, targets]);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_ConstantTargets_GradientIsSigmoidMinusTarget()
    {
        Tensor logits = Tensor.FromArray([-100f, -3f, 0f, 2f, 100f, 100f], 2, 3).AsParameter();
        Tensor targets = Tensor.FromArray([1f, 0.25f, 0.5f, 0f, 1f, 0f], 2, 3);
        logits.BinaryCrossEntropyWithLogits(targets).Sum().Backward();
        Assert.Null(targets.Grad);
        for (int i = 0; i < 6; i++)
            Reference.Close(Reference.Sigmoid(logits.Data[i]) - targets.Data[i], logits.Grad![i], 1e-6, absTol: 1e-7, what: $"dBCE/dx at {logits.Data[i]}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(17)]
    [InlineData(31)]
    [InlineData(100)]
    public void BinaryCrossEntropyWithLogits_AnyLength_EveryElementOnceInLossAndAccumulatedGradient(int n)
    {
        // Lengths around the vector widths: the last vector overlaps the one before it, and must not add its gradient twice.
        Tensor logits = GradCheck.Param(43, -6f, 6f, n).AsParameter();
        Tensor targets = GradCheck.Param(44, 0f, 1f, n);
        for (int pass = 0; pass < 2; pass++)
        {
            Tensor loss = logits.BinaryCrossEntropyWithLogits(targets);
            for (int i = 0; i < n; i++)
                Reference.Close(BceReference(logits.Data[i], targets.Data[i]), loss.Data[i], 1e-6, absTol: 1e-7, what: $"BCE at {i} of {n}");
            loss.Sum().Backward();
        }
        for (int i = 0; i < n; i++)
            Reference.Close(2 * (Reference.Sigmoid(logits.Data[i]) - targets.Data[i]), logits.Grad![i], 1e-6, absTol: 1e-7, what: $"gradient after two passes at {i} of {n}");
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_ExtremeLogits_FiniteAndExact()
    {
        float[] x = [100f, 100f, -100f, -100f, 100f, -100f, 30f, -30f, 0f, 1e-3f];
        float[] t = [1f, 0f, 1f, 0f, 0.3f, 0.7f, 1f, 1f, 0.5f, 1f];
        Tensor loss = Tensor.FromArray(x, x.Length).BinaryCrossEntropyWithLogits(Tensor.FromArray(t, t.Length));
        for (int i = 0; i < x.Length; i++)
            Reference.Close(BceReference(x[i], t[i]), loss.Data[i], 1e-6, absTol: float.Epsilon, what: $"BCE({x[i]}, {t[i]})");
        Assert.True(loss.Data[0] >= 0f && loss.Data[0] < 1e-40f, $"BCE(100, 1) = {loss.Data[0]:G9}");   // e^−100, not NaN or negative
        Assert.Equal(100f, loss.Data[1]);
        Assert.Equal(100f, loss.Data[2]);
        Assert.Equal(70f, loss.Data[4], 4);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_ShapeMismatch_NamesBoth()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).BinaryCrossEntropyWithLogits(Tensor.Zeros(3, 2)));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[3, 2]", ex.Message);
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 3, 4 }, new[] { 3, 4 })]
    [InlineData(new[] { 3, 4 }, new[] { 3, 4 }, new[] { 1, 4 })]   // learned per-pixel variance
    [InlineData(new[] { 3, 4 }, new[] { 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 3, 4 }, new[] { 1, 4 }, new[] { 1 })]      // shared prior mean, one global variance
    [InlineData(new[] { 3, 4 }, new[] { 3, 1 }, new[] { 3, 1 })]
    [InlineData(new[] { 2, 1, 4 }, new[] { 3, 4 }, new[] { 3, 1 })]  // general broadcasting: x over importance samples
    public void GaussianLogDensity_BroadcastShapes_MatchGradCheck(int[] xShape, int[] meanShape, int[] logVarShape)
    {
        Tensor x = GradCheck.Param(43, -2f, 2f, xShape);
        Tensor mean = GradCheck.Param(44, -1f, 1f, meanShape);
        Tensor logVar = GradCheck.Param(45, -1.5f, 1.5f, logVarShape);
        GradCheck.Check(t => Tensor.GaussianLogDensity(t[0], t[1], t[2]), [x, mean, logVar]);
    }

    [Fact]
    public void GaussianLogDensity_Forward_MatchesClosedFormWithBroadcastVariance()
    {
        const int B = 3, D = 4;
        Tensor x = GradCheck.Param(46, -3f, 3f, B, D);
        Tensor mean = GradCheck.Param(47, -1f, 1f, B, D);
        Tensor logVar = GradCheck.Param(48, -6f, 4f, 1, D);
        Tensor y = Tensor.GaussianLogDensity(x, mean, logVar);
        Assert.Equal(new[] { B, D }, y.Shape.ToArray());
        for (int b = 0; b < B; b++)
        for (int d = 0; d < D; d++)
        {
            double diff = x.Data[b * D + d] - mean.Data[b * D + d], lv = logVar.Data[d];
            double expected = -0.5 * (Math.Log(2 * Math.PI) + lv + diff * diff * Math.Exp(-lv));
            Reference.Close(expected, y.Data[b * D + d], 2e-6, absTol: 1e-6, what: $"log N at [{b},{d}]");
        }
    }

    [Fact]
    public void GaussianLogDensity_StandardNormalAtMean_IsMinusHalfLogTwoPi()
    {
        Tensor y = Tensor.GaussianLogDensity(Tensor.Zeros(2), Tensor.Zeros(2), Tensor.Zeros(1));
        Assert.All(y.Data, v => Reference.Close(-0.5 * Math.Log(2 * Math.PI), v, 1e-7, what: "log N(0; 0, 1)"));
    }

    [Fact]
    public void GaussianLogDensity_ExtremeLogVariance_StaysFinite()
    {
        // Very confident (logVar = −20) and very vague (logVar = 40) decoders: no overflow in e^−logVar or its gradient.
        Tensor x = Tensor.FromArray([0.001f, 5f], 1, 2);
        Tensor mean = Tensor.Zeros(1, 2).AsParameter();
        Tensor logVar = Tensor.FromArray([-20f, 40f], 1, 2).AsParameter();
        Tensor y = Tensor.GaussianLogDensity(x, mean, logVar);
        Reference.Close(-0.5 * (Math.Log(2 * Math.PI) - 20 + 1e-6 * Math.Exp(20)), y.Data[0], 1e-5, what: "tight");
        Reference.Close(-0.5 * (Math.Log(2 * Math.PI) + 40 + 25 * Math.Exp(-40)), y.Data[1], 1e-6, what: "vague");
        y.Sum().Backward();
        Assert.All(mean.Grad!, g => Assert.True(float.IsFinite(g)));
        Assert.All(logVar.Grad!, g => Assert.True(float.IsFinite(g)));
        Reference.Close(0.5 * (1e-6 * Math.Exp(20) - 1), logVar.Grad![0], 1e-5, what: "d/dlogVar tight");
    }

    [Fact]
    public void GaussianLogDensity_IncompatibleShapes_Throw()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.GaussianLogDensity(Tensor.Zeros(2, 3), Tensor.Zeros(2, 3), Tensor.Zeros(2)));
        Assert.Contains("[2]", ex.Message);
    }

    [Fact]
    public void VaeStyleStep_InArena_AllocatesLittleOnceWarm()
    {
        const int B = 64, D = 256, L = 8;   // one leaked [B, D] buffer would be 64 KiB
        var arena = new Arena();
        Tensor w = GradCheck.Param(49, D, 2 * L), v = GradCheck.Param(50, L, D);
        Tensor x = GradCheck.Param(51, 0f, 1f, B, D);
        void Step()
        {
            using (arena.Scope())
            {
                Tensor h = x.MatMul(w).Tanh();                                   // [B, 2L]
                Tensor mu = h.Slice(1, 0, L), logVar = h.Slice(1, L, L);          // [B, L] each
                Tensor z = Tensor.Concat([mu, logVar.Softplus()], 1).Slice(1, 0, L);
                Tensor logits = z.MatMul(v);                                      // [B, D]
                Tensor loss = logits.BinaryCrossEntropyWithLogits(x).Sum(1)
                    - Tensor.GaussianLogDensity(z, mu, logVar).Sum(1)
                    + logits.LogSoftmax(1).LogSumExp(1) + logits.Sigmoid().Log().Sum(1);
                loss.Mean().Backward();
            }
        }
        for (int i = 0; i < 3; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) Step();
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 10;
        // ~30 ops' tensor objects, shapes and backward closures come to about 8 KiB; any float buffer would dwarf that.
        Assert.True(perStep < 16384, $"a warm step allocated {perStep} bytes of heap; expected only per-op bookkeeping");
    }
}
