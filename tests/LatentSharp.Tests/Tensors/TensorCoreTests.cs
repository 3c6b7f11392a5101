using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

public class TensorCoreTests
{
    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 3, 4 })]
    [InlineData(new[] { 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 3, 4 }, new[] { 1, 4 })]
    [InlineData(new[] { 3, 4 }, new[] { 3, 1 })]
    [InlineData(new[] { 3, 4 }, new[] { 1 })]
    [InlineData(new[] { 3, 1 }, new[] { 1, 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 1 })]
    [InlineData(new[] { 4 }, new[] { 3, 4 })]
    [InlineData(new[] { 3, 1 }, new[] { 3, 4 })]
    public void Arithmetic_Broadcasting_MatchesGradCheck(int[] aShape, int[] bShape)
    {
        Tensor a = GradCheck.Param(1, aShape);
        Tensor b = GradCheck.Param(2, 0.5f, 2f, bShape);
        GradCheck.Check(x => x[0] + x[1], [a, b]);
        GradCheck.Check(x => x[0] - x[1], [a, b]);
        GradCheck.Check(x => x[0] * x[1], [a, b]);
        GradCheck.Check(x => x[0] / x[1], [a, b]);
    }

    [Fact]
    public void Broadcasting_GeneralCase_MatchesScalarLoop()
    {
        // [2,1,3] + [4,1]: neither a row nor a column of the [2,4,3] output.
        Tensor a = GradCheck.Param(3, 2, 1, 3);
        Tensor b = GradCheck.Param(4, 4, 1);
        Tensor y = a + b;
        Assert.Equal(new[] { 2, 4, 3 }, y.Shape.ToArray());
        for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++)
        for (int k = 0; k < 3; k++)
            Assert.Equal(a.Data[i * 3 + k] + b.Data[j], y.Data[(i * 4 + j) * 3 + k]);
        GradCheck.Check(x => x[0] * x[1], [a, b]);
    }

    [Fact]
    public void Arithmetic_IncompatibleShapes_NameBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3, 4) + Tensor.Zeros(5));
        Assert.Contains("[3, 4]", ex.Message);
        Assert.Contains("[5]", ex.Message);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void MatMul_AllTransposes_MatchesGradCheck(bool ta, bool tb)
    {
        const int m = 3, k = 5, n = 4;
        Tensor a = ta ? GradCheck.Param(1, k, m) : GradCheck.Param(1, m, k);
        Tensor b = tb ? GradCheck.Param(2, n, k) : GradCheck.Param(2, k, n);
        Tensor y = a.MatMul(b, ta, tb);
        Assert.Equal(new[] { m, n }, y.Shape.ToArray());
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int p = 0; p < k; p++) s += (ta ? a.Data[p * m + i] : a.Data[i * k + p]) * (tb ? b.Data[j * k + p] : b.Data[p * n + j]);
            Assert.Equal(s, y.Data[i * n + j], 5);
        }
        GradCheck.Check(x => x[0].MatMul(x[1], ta, tb), [a, b]);
    }

    [Fact]
    public void MatMul_InnerMismatch_NamesShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).MatMul(Tensor.Zeros(4, 5)));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4, 5]", ex.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    public void Sum_OverAxis_MatchesGradCheck(int axis)
    {
        Tensor a = GradCheck.Param(5, 2, 3, 4);
        GradCheck.Check(x => x[0].Sum(axis), [a]);
        GradCheck.Check(x => x[0].Mean(axis, keepDim: true), [a]);
        GradCheck.Check(x => x[0].Sum(), [a]);
        GradCheck.Check(x => x[0].Mean(), [a]);
    }

    [Fact]
    public void Sum_OverAxis_GivesExpectedValuesAndShape()
    {
        Tensor a = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal(new float[] { 5, 7, 9 }, a.Sum(0).Data);
        Assert.Equal(new float[] { 6, 15 }, a.Sum(1).Data);
        Assert.Equal(new[] { 2, 1 }, a.Sum(1, keepDim: true).Shape.ToArray());
        Assert.Equal(21f, a.Sum().Item());
    }

    [Fact]
    public void ExpNegateReshape_MatchGradCheck()
    {
        Tensor a = GradCheck.Param(6, 2, 6);
        GradCheck.Check(x => x[0].Exp(), [a]);
        GradCheck.Check(x => x[0].Negate(), [a]);
        GradCheck.Check(x => x[0].Reshape(3, -1) * x[0].Reshape(3, 4), [a]);
    }

    [Fact]
    public void Backward_GradientsAccumulateUntilZeroGrad()
    {
        Tensor w = Tensor.Parameter(2);
        w.Data[0] = 1; w.Data[1] = 2;
        (w * w).Sum().Backward();
        (w * w).Sum().Backward();
        Assert.Equal(new float[] { 4, 8 }, w.Grad);
        w.ZeroGrad();
        (w * w).Sum().Backward();
        Assert.Equal(new float[] { 2, 4 }, w.Grad);
    }

    [Fact]
    public void ZeroGrad_ThenGradRead_IsZeroWhateverTheBufferHeld()
    {
        Tensor w = Tensor.Parameter(3);
        (w * w).Sum().Backward();
        Array.Fill(w.Grad!, float.NaN);
        w.ZeroGrad();
        Assert.Equal(new float[3], w.Grad);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ZeroGrad_ThenBackward_WritesOverWhatTheBufferHeld(bool linear)
    {
        // A linear layer's rule writes its weight's and bias's gradients after ZeroGrad; an elementwise rule adds to zeros.
        var rng = new Rng(5);
        Tensor x = Tensor.FromArray([.. Enumerable.Range(0, 12).Select(i => (float)rng.NextGaussian())], 3, 4);
        Tensor w = Tensor.Parameter(2, 4), b = Tensor.Parameter(2);
        for (int i = 0; i < w.Length; i++) w.Data[i] = (float)rng.NextGaussian();
        b.Data[0] = 0.5f; b.Data[1] = -1f;
        Tensor Loss() => linear ? Tensor.Linear(x, w, b).Square().Sum() : (w * w).Sum() + (b * b * b).Sum();
        Loss().Backward();
        float[] once = [.. w.Grad!], onceBias = [.. b.Grad!];
        Array.Fill(w.Grad!, float.NaN);
        Array.Fill(b.Grad!, float.NaN);
        w.ZeroGrad();
        b.ZeroGrad();
        Loss().Backward();
        Assert.Equal(once, w.Grad);
        Assert.Equal(onceBias, b.Grad);
        Loss().Backward();   // the next backward adds again
        Assert.Equal(once.Select(v => v + v).ToArray(), w.Grad);
        Assert.Equal(onceBias.Select(v => v + v).ToArray(), b.Grad);
    }

    [Fact]
    public void ZeroGrad_ThenLinearOnNoRows_LeavesZeroGradients()
    {
        Tensor w = Tensor.Parameter(2, 3), b = Tensor.Parameter(2);
        Tensor one = Tensor.FromArray([1f, 2f, 3f], 1, 3);
        Tensor.Linear(one, w, b).Sum().Backward();
        Array.Fill(w.Grad!, float.NaN);
        Array.Fill(b.Grad!, float.NaN);
        w.ZeroGrad();
        b.ZeroGrad();
        Tensor none = Tensor.FromArray([], 0, 3);
        (Tensor.Linear(none, w, b).Sum() + (w * 0f).Sum()).Backward();
        Assert.Equal(new float[6], w.Grad);
        Assert.Equal(new float[2], b.Grad);
    }

    [Fact]
    public void Sum_InputUsedTwice_FirstRuleWritesSecondAdds()
    {
        // Each reduction's rule writes the gradient of an input that has none yet and adds to one that has.
        Tensor w = GradCheck.Param(7, 2, 3, 4).AsParameter();
        Tensor x = w * 1f;   // an intermediate, so its gradient buffer is new to this backward
        Tensor loss = x.Sum() + (x.Sum(1) * 2f).Sum() + (x.Sum(2) * 3f).Sum() + (x.Sum(0, keepDim: true) * 4f).Sum();
        loss.Backward();
        Assert.All(w.Grad!, g => Assert.Equal(10f, g));
    }

    [Fact]
    public void Backward_SharedSubexpression_CountsBothPaths()
    {
        Tensor w = Tensor.Parameter(1);
        w.Data[0] = 3;
        Tensor s = w * w;          // 9
        (s + s * w).Sum().Backward();   // d/dw (w² + w³) = 2w + 3w² = 33
        Assert.Equal(33f, w.Grad![0], 4);
    }

    [Fact]
    public void NoGrad_RecordsNothing()
    {
        Tensor w = Tensor.Parameter(2);
        using (Tensor.NoGrad())
        {
            Tensor y = (w * w).Sum();
            Assert.False(y.RequiresGrad);
            Assert.Throws<InvalidOperationException>(() => y.Backward());
        }
        Assert.True((w * w).Sum().RequiresGrad);
    }

    [Fact]
    public void Backward_FromNonScalar_SaysToReduce()
    {
        Tensor w = Tensor.Parameter(2);
        var ex = Assert.Throws<InvalidOperationException>(() => (w * w).Backward());
        Assert.Contains("Sum()", ex.Message);
    }

    [Fact]
    public void Arena_ReusesBuffersAcrossScopes_AndInvalidatesOldTensors()
    {
        var arena = new Arena();
        Tensor w = GradCheck.Param(1, 4, 4);
        Tensor kept;
        float[] firstData, firstGrad;
        using (arena.Scope())
        {
            kept = w.MatMul(w);
            kept.Sum().Backward();
            firstData = kept.Data;
            firstGrad = kept.Grad!;
        }
        Assert.Throws<ObjectDisposedException>(() => kept.Data);
        Assert.NotNull(w.Grad);   // parameters live outside the arena
        using (arena.Scope())
        {
            Tensor again = w.MatMul(w);
            Assert.True(ReferenceEquals(again.Data, firstData) || ReferenceEquals(again.Data, firstGrad), "a [4,4] buffer from the first step should be reused");
        }
    }

    [Fact]
    public void Arena_StepsAllocateNothingOnceWarm()
    {
        var arena = new Arena();
        Tensor w = GradCheck.Param(1, 64, 64);
        Tensor x = GradCheck.Param(2, 32, 64);
        void Step()
        {
            using (arena.Scope())
            {
                (x.MatMul(w, transposeOther: true).Exp() * x).Sum().Backward();
            }
        }
        for (int i = 0; i < 3; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) Step();
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 10;
        Assert.True(perStep < 4096, $"a warm step allocated {perStep} bytes of heap beyond small bookkeeping");
    }

    [Fact]
    public void Arena_Backward_ReusesEachIntermediateGradientOnceItIsPassedOn()
    {
        // A chain of 40 ReLUs: its backward needs two gradient buffers at a time (and x's own), not one per link.
        const int n = 10_000, links = 40;
        Tensor x = GradCheck.Param(3, n);
        var chain = new Tensor[links];
        var arena = new Arena();
        long allocated;
        using (arena.Scope())
        {
            Tensor h = x;
            for (int i = 0; i < links; i++) h = chain[i] = h.Relu();
            Tensor loss = h.Sum();
            long before = GC.GetAllocatedBytesForCurrentThread();
            loss.Backward();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.All(chain, t => Assert.Null(t.Grad));
        }
        Assert.True(allocated < 5L * n * sizeof(float), $"the backward pass allocated {allocated} bytes: about one gradient buffer per link");
        for (int i = 0; i < n; i++) Assert.Equal(x.Data[i] > 0f ? 1f : 0f, x.Grad![i]);
    }

    [Fact]
    public void Arena_Backward_ReshapeHandsItsGradientOnWithoutACopy()
    {
        Tensor x = GradCheck.Param(4, 6, 5);
        var arena = new Arena();
        long rented;
        using (arena.Scope())
        {
            Tensor h = x.Relu();                          // an arena tensor: the reshape's input
            Tensor loss = h.Reshape(3, 10).Relu().Sum();
            long before = arena.RentedFloats;
            loss.Backward();
            rented = arena.RentedFloats - before;
        }
        // The loss's gradient (1), the last ReLU's (30) and the reshape's (30), which h then takes as is: a copy would rent 30 more.
        Assert.True(rented <= 61, $"the backward pass rented {rented} floats");
        for (int i = 0; i < x.Length; i++) Assert.Equal(x.Data[i] > 0f ? 1f : 0f, x.Grad![i]);
    }

    [Fact]
    public void Arena_KeepsOnlyTheSizesTheLastScopeUsed()
    {
        // Sizes of a scope come back in the next scope that uses them; a scope that does not use them lets them go,
        // so changing shapes (pixel-by-pixel sampling, a smaller last batch) do not pile up buffers.
        var arena = new Arena();
        float[] Copy(int n)
        {
            using (arena.Scope()) return Tensor.CopyOf(new float[n], n).Data;
        }
        float[] six = Copy(6);
        Assert.Same(six, Copy(6));
        Assert.Equal(6, arena.RentedFloats);            // the counter covers the last scope only
        float[] seven = Copy(7);
        Assert.NotSame(six, Copy(6));                   // the 7-float scope dropped the free 6-float buffer
        Assert.NotSame(seven, Copy(7));
    }

    [Fact]
    public void CopyOf_CopiesIntoAnArenaBufferThatTheNextScopeReuses()
    {
        float[] source = [1, 2, 3, 4, 5, 6, 7, 8];
        var arena = new Arena();
        float[] first;
        using (arena.Scope())
        {
            Tensor t = Tensor.CopyOf(source.AsSpan(2, 6), 2, 3);
            Assert.Equal(new[] { 2, 3 }, t.Shape.ToArray());
            Assert.Equal(new float[] { 3, 4, 5, 6, 7, 8 }, t.Data[..6]);
            Assert.NotSame(source, t.Data);
            first = t.Data;
        }
        using (arena.Scope())
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Tensor again = Tensor.CopyOf(source.AsSpan(0, 6), 3, 2);
            Assert.Same(first, again.Data);   // the same 6-float buffer: a batch loop allocates no pixel copies
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024);
        }
        var error = Assert.Throws<ArgumentException>(() => Tensor.CopyOf(source, 3, 2));
        Assert.Contains("[3, 2]", error.Message);
    }
}
