using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

public class ShapeOpsTests
{
    [Theory]
    [InlineData(0, 1, 2)]
    [InlineData(1, 0, 3)]
    [InlineData(1, 2, 2)]
    [InlineData(-1, 1, 3)]
    [InlineData(2, 0, 0)]
    public void Slice_AnyAxis_MatchesGradCheckAndValues(int axis, int start, int length)
    {
        Tensor a = GradCheck.Param(21, 3, 4, 5);
        Tensor y = a.Slice(axis, start, length);
        int ax = axis < 0 ? axis + 3 : axis;
        int[] expectedShape = [3, 4, 5];
        expectedShape[ax] = length;
        Assert.Equal(expectedShape, y.Shape.ToArray());
        int[] idx = new int[3];
        for (int k = 0; k < y.Length; k++)
        {
            idx[0] = k / (expectedShape[1] * expectedShape[2]);
            idx[1] = k / expectedShape[2] % expectedShape[1];
            idx[2] = k % expectedShape[2];
            idx[ax] += start;
            Assert.Equal(a.Data[(idx[0] * 4 + idx[1]) * 5 + idx[2]], y.Data[k]);
        }
        if (length > 0) GradCheck.Check(x => x[0].Slice(axis, start, length), [a]);
    }

    [Fact]
    public void Slice_SplitMuAndLogVar_GradientsLandInTheirHalves()
    {
        const int B = 2, L = 3;
        Tensor h = GradCheck.Param(22, B, 2 * L);
        Tensor mu = h.Slice(1, 0, L), logVar = h.Slice(1, L, L);
        Assert.Equal(h.Data[L], logVar.Data[0]);
        (mu * 2f + logVar * 3f).Sum().Backward();
        for (int i = 0; i < B; i++)
        for (int j = 0; j < 2 * L; j++)
            Assert.Equal(j < L ? 2f : 3f, h.Grad![i * 2 * L + j]);
        GradCheck.Check(x => x[0].Slice(1, 0, L) * x[0].Slice(1, L, L).Exp(), [h]);
    }

    [Fact]
    public void Slice_OutOfRange_NamesShape()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 4).Slice(1, 3, 2));
        Assert.Contains("[2, 4]", ex.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Concat_AnyAxis_MatchesGradCheckAndInvertsSlice(int axis)
    {
        int[] sa = [2, 3, 4], sb = [2, 3, 4];
        sb[axis] = 1;
        Tensor a = GradCheck.Param(23, sa), b = GradCheck.Param(24, sb);
        Tensor c = GradCheck.Param(25, sa);
        Tensor y = Tensor.Concat([a, b, c], axis);
        Assert.Equal(2 * sa[axis] + 1, y.Dim(axis));
        Assert.Equal(a.Data, y.Slice(axis, 0, sa[axis]).Data);
        Assert.Equal(b.Data, y.Slice(axis, sa[axis], 1).Data);
        Assert.Equal(c.Data, y.Slice(axis, sa[axis] + 1, sa[axis]).Data);
        GradCheck.Check(x => Tensor.Concat([x[0], x[1], x[2]], axis), [a, b, c]);
    }

    [Fact]
    public void Concat_InputWithOneHotLabel_OnlyTheInputGetsAGradient()
    {
        Tensor x = GradCheck.Param(26, 3, 4);
        Tensor label = Tensor.OneHot([2, 0, 1], 3);
        Tensor y = Tensor.Concat([x, label], 1);
        Assert.Equal(new[] { 3, 7 }, y.Shape.ToArray());
        Assert.Equal(new float[] { 0, 0, 1 }, y.Slice(1, 4, 3).Slice(0, 0, 1).Data);
        GradCheck.Check(t => Tensor.Concat([t[0], label], 1), [x]);
        Assert.Null(label.Grad);
    }

    [Fact]
    public void Concat_MismatchedShapes_NamesBoth()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Concat([Tensor.Zeros(2, 3), Tensor.Zeros(3, 3)], 1));
        Assert.Contains("[3, 3]", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(40, 33)]   // more than one 32-wide tile each way
    public void Transpose_TwoD_MatchesGradCheckAndValues(int m, int n)
    {
        Tensor a = GradCheck.Param(27, m, n);
        Tensor y = a.Transpose();
        Assert.Equal(new[] { n, m }, y.Shape.ToArray());
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            Assert.Equal(a.Data[i * n + j], y.Data[j * m + i]);
        if (m * n <= 15) GradCheck.Check(x => x[0].Transpose(), [a]);
        else
        {
            // Large: the analytic gradient of Σ w·xᵀ is wᵀ exactly.
            Tensor w = GradCheck.Param(28, n, m);
            (a.Transpose() * w).Sum().Backward();
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                Assert.Equal(w.Data[j * m + i], a.Grad![i * n + j]);
        }
    }

    [Fact]
    public void OneHot_Labels_GivesIndicatorRowsWithoutGradient()
    {
        Tensor y = Tensor.OneHot([1, 0, 3], 4);
        Assert.Equal(new[] { 3, 4 }, y.Shape.ToArray());
        Assert.Equal(new float[] { 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1 }, y.Data);
        Assert.False(y.RequiresGrad);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.OneHot([0, 4], 4));
        Assert.Contains("label 4", ex.Message);
    }

    [Fact]
    public void Gather_OneColumnPerRow_MatchesGradCheckAndScattersBack()
    {
        Tensor a = GradCheck.Param(29, 4, 3);
        int[] idx = [2, 0, 2, 1];
        Tensor y = a.Gather(idx);
        Assert.Equal(new[] { 4 }, y.Shape.ToArray());
        for (int i = 0; i < 4; i++) Assert.Equal(a.Data[i * 3 + idx[i]], y.Data[i]);
        GradCheck.Check(x => x[0].Gather(idx), [a]);
        a.ZeroGrad();
        (a.Gather(idx).Sum() + a.Gather(idx).Sum()).Backward();   // two paths accumulate
        for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            Assert.Equal(j == idx[i] ? 2f : 0f, a.Grad![i * 3 + j]);
    }

    [Fact]
    public void Gather_BadIndices_Throw()
    {
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Gather([0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).Gather([0, 3]));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3, 1).Gather([0, 1]));
    }
}
