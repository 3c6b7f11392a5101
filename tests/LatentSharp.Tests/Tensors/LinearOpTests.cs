using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

// Threading.MaxThreads is process-wide.
[Collection(nameof(LatentSharp.Tests.Kernels.GemmTests))]
public class LinearOpTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear_MatchesGradCheck(bool withBias)
    {
        Tensor x = GradCheck.Param(1, 5, 7), w = GradCheck.Param(2, 3, 7), b = GradCheck.Param(3, 3);
        if (withBias) GradCheck.Check(t => Tensor.Linear(t[0], t[1], t[2]), [x, w, b]);
        else GradCheck.Check(t => Tensor.Linear(t[0], t[1], null), [x, w]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LinearRelu_AwayFromTheKink_MatchesGradCheck(bool withBias)
    {
        Tensor x = GradCheck.Param(1, 5, 7), w = GradCheck.Param(2, 6, 7), b = GradCheck.Param(4, 6);
        float[] pre = Tensor.Linear(x, w, withBias ? b : null).Data;
        Assert.True(pre.Min(MathF.Abs) > 0.02f, "a pre-activation lies at the kink, where finite differences mislead");
        Assert.Contains(pre, v => v < 0);
        if (withBias) GradCheck.Check(t => Tensor.Linear(t[0], t[1], t[2], relu: true), [x, w, b]);
        else GradCheck.Check(t => Tensor.Linear(t[0], t[1], null, relu: true), [x, w]);
    }

    // The fused op against Linear then Relu: outputs and every gradient to the bit, on one and two threads, at a batch that
    // shares the product out over the cores and with exact zeros among the pre-activations (their gradient is 0 either way).
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void LinearRelu_EqualsLinearThenRelu_BitForBit(int threads)
    {
        int saved = LatentSharp.Kernels.Threading.MaxThreads;
        try
        {
            LatentSharp.Kernels.Threading.MaxThreads = threads;
            var rng = new Rng(9);
            float[] xs = new float[300 * 784], ws = new float[400 * 784], bs = new float[400];
            rng.FillUniform(xs, -1f, 1f);
            rng.FillUniform(ws, -0.05f, 0.05f);
            rng.FillUniform(bs, -0.05f, 0.05f);
            for (int i = 0; i < 784; i++) xs[i] = 0f;   // row 0's pre-activations are the bias...
            bs[7] = 0f;                                   // ...and one of them exactly 0
            float[] gy = new float[300 * 400];
            rng.FillUniform(gy, -1f, 1f);
            var (fusedY, fusedGrads) = Run(t => Tensor.Linear(t[0], t[1], t[2], relu: true));
            var (apartY, apartGrads) = Run(t => Tensor.Linear(t[0], t[1], t[2]).Relu());
            Assert.Equal(0f, apartY[7]);
            AssertBits(apartY, fusedY, "output");
            for (int i = 0; i < 3; i++) AssertBits(apartGrads[i], fusedGrads[i], $"gradient {i}");

            (float[] Y, float[][] Grads) Run(Func<Tensor[], Tensor> f)
            {
                Tensor[] inputs = [Tensor.FromArray((float[])xs.Clone(), 300, 784).AsParameter(), Tensor.FromArray((float[])ws.Clone(), 400, 784).AsParameter(), Tensor.FromArray((float[])bs.Clone(), 400).AsParameter()];
                Tensor y = f(inputs);
                y.Multiply(Tensor.FromArray(gy, 300, 400)).Sum().Backward();
                return (y.Data, [.. inputs.Select(t => t.Grad!)]);
            }
        }
        finally
        {
            LatentSharp.Kernels.Threading.MaxThreads = saved;
        }
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{what}[{i}]: {actual[i]}, apart {expected[i]}");
    }

    [Fact]
    public void Linear_EqualsMatMulPlusBias()
    {
        Tensor x = GradCheck.Param(4, 9, 13), w = GradCheck.Param(5, 6, 13), b = GradCheck.Param(4, 6);
        float[] fused = Tensor.Linear(x, w, b).Data;
        float[] composed = (x.MatMul(w, transposeOther: true) + b).Data;
        for (int i = 0; i < fused.Length; i++) Assert.Equal(composed[i], fused[i], 5);
    }

    [Fact]
    public void Linear_WrongShapes_NameThem()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Linear(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5), null));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4, 5]", ex.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Linear(Tensor.Zeros(2, 3), Tensor.Zeros(4, 3), Tensor.Zeros(5)));
    }
}
