using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

public class SoftmaxOpsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    public void LogSumExpSoftmaxLogSoftmax_AnyAxis_MatchGradCheck(int axis)
    {
        Tensor a = GradCheck.Param(31, -2f, 2f, 2, 3, 4);
        GradCheck.Check(x => x[0].LogSumExp(axis), [a]);
        GradCheck.Check(x => x[0].LogSumExp(axis, keepDim: true), [a]);
        GradCheck.Check(x => x[0].Softmax(axis), [a]);
        GradCheck.Check(x => x[0].LogSoftmax(axis), [a]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void LogSumExpSoftmaxLogSoftmax_AnyAxis_MatchDoubleReference(int axis)
    {
        int[] shape = [3, 4, 5];
        Tensor a = GradCheck.Param(32, -30f, 30f, shape);
        float[] lse = a.LogSumExp(axis).Data, sm = a.Softmax(axis).Data, lsm = a.LogSoftmax(axis).Data;
        int outer = 1, inner = 1, n = shape[axis];
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < 3; d++) inner *= shape[d];
        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            double m = double.NegativeInfinity, s = 0;
            for (int j = 0; j < n; j++) m = Math.Max(m, a.Data[(o * n + j) * inner + i]);
            for (int j = 0; j < n; j++) s += Math.Exp(a.Data[(o * n + j) * inner + i] - m);
            double expected = m + Math.Log(s);
            Reference.Close(expected, lse[o * inner + i], 1e-6, what: $"lse[{o},{i}]");
            for (int j = 0; j < n; j++)
            {
                int k = (o * n + j) * inner + i;
                Reference.Close(a.Data[k] - expected, lsm[k], 1e-6, absTol: 2e-6, what: $"logsoftmax[{k}]");
                Reference.Close(Math.Exp(a.Data[k] - expected), sm[k], 1e-5, absTol: 1e-30, what: $"softmax[{k}]");
            }
        }
    }

    [Fact]
    public void LogSumExp_HugeEqualInputs_IsMaxPlusLogCount()
    {
        Tensor a = Tensor.FromArray([1000f, 1000f, -1000f, -1000f, -1000f, 5f], 3, 2);
        float[] y = a.LogSumExp(1).Data;
        Reference.Close(1000 + Math.Log(2), y[0], 1e-7, what: "lse(1000, 1000)");
        Reference.Close(-1000 + Math.Log(2), y[1], 1e-7, what: "lse(-1000, -1000)");
        Reference.Close(5, y[2], 1e-7, what: "lse(-1000, 5)");
        // And along a strided axis.
        float[] z = Tensor.FromArray([1000f, -1000f, 1000f, -1000f], 2, 2).LogSumExp(0).Data;
        Reference.Close(1000 + Math.Log(2), z[0], 1e-7, what: "strided lse(1000, 1000)");
        Reference.Close(-1000 + Math.Log(2), z[1], 1e-7, what: "strided lse(-1000, -1000)");
    }

    [Fact]
    public void LogSumExp_InfiniteSlices_FollowTheLimit()
    {
        float ninf = float.NegativeInfinity, pinf = float.PositiveInfinity;
        Tensor a = Tensor.FromArray([ninf, ninf, ninf, 0f, pinf, 1f], 3, 2);
        float[] y = a.LogSumExp(1).Data;
        Assert.Equal(ninf, y[0]);
        Assert.Equal(0f, y[1]);
        Assert.Equal(pinf, y[2]);
        float[] lsm = a.LogSoftmax(1).Data;
        Assert.Equal(ninf, lsm[2]);
        Assert.Equal(0f, lsm[3]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public void LogSumExp_Gradient_SumsToOnePerSlice(int axis)
    {
        Tensor a = GradCheck.Param(33, -50f, 50f, 4, 6);
        a.LogSumExp(axis).Sum().Backward();
        int slices = a.Dim(1 - axis), n = a.Dim(axis);
        for (int s = 0; s < slices; s++)
        {
            double total = 0;
            for (int j = 0; j < n; j++) total += axis == 1 ? a.Grad![s * n + j] : a.Grad![j * slices + s];
            // Each exp(x − lse) carries lse's rounding (half an ulp of ~50 ≈ 2e-6) as relative error.
            Reference.Close(1, (float)total, 5e-6, what: $"Σ dlse/dx in slice {s}");
        }
    }

    [Fact]
    public void Softmax_LargeLogits_RowsSumToOneWithoutNaN()
    {
        Tensor a = Tensor.FromArray([1000f, 0f, -1000f, 88f, 89f, 90f], 2, 3);
        float[] p = a.Softmax(1).Data;
        // TensorPrimitives.Exp is faithful, not exact: its vector path gives exp(0) = 1 + 2^-23, so allow one ulp above 1.
        Assert.All(p, v => Assert.True(float.IsFinite(v) && v >= 0f && v <= 1f + 2e-7f, $"probability {v:G9}"));
        Reference.Close(1, p[0], 2e-7, what: "softmax(1000, 0, -1000)[0]");
        Assert.Equal(0f, p[2]);
        // x − lse rounds to half an ulp of ~90 (3.8e-6), which becomes relative error in every probability.
        Reference.Close(1, p[3] + p[4] + p[5], 5e-6, what: "row sum");
        Reference.Close(1 / (1 + Math.E + Math.E * Math.E), p[3], 5e-6, what: "softmax(88, 89, 90)[0]");
        float[] lp = a.LogSoftmax(1).Data;
        Assert.Equal(-2000f, lp[2]);   // finite where softmax underflows
    }

    [Fact]
    public void LogSoftmaxThenGather_CrossEntropy_MatchesClosedFormGradient()
    {
        // −Σ_i log softmax(x_i)[y_i] has gradient softmax(x) − onehot(y).
        Tensor logits = GradCheck.Param(34, -3f, 3f, 3, 4);
        int[] labels = [3, 0, 1];
        Tensor loss = -logits.LogSoftmax(1).Gather(labels).Sum();
        loss.Backward();
        float[] p = logits.Softmax(1).Data;
        for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            Reference.Close(p[i * 4 + j] - (j == labels[i] ? 1 : 0), logits.Grad![i * 4 + j], 1e-5, absTol: 1e-7, what: $"dCE/dx[{i},{j}]");
    }
}
