using LatentSharp.Nn;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Nn;

public class LstmTests
{
    [Fact]
    public void Parameters_NamedAndShapedLikeTorch()
    {
        var lstm = new Lstm(3, 4, new Rng(1), layers: 2);
        (string, int[])[] expected =
        [
            ("weight_ih_l0", [16, 3]), ("weight_hh_l0", [16, 4]), ("bias_ih_l0", [16]), ("bias_hh_l0", [16]),
            ("weight_ih_l1", [16, 4]), ("weight_hh_l1", [16, 4]), ("bias_ih_l1", [16]), ("bias_hh_l1", [16]),
        ];
        Assert.Equal(expected.Select(e => e.Item1), lstm.NamedParameters().Select(np => np.Name));
        Assert.Equal(expected.Select(e => e.Item2), lstm.NamedParameters().Select(np => np.Parameter.Shape.ToArray()));
    }

    [Fact]
    public void Parameters_WithoutBias_OnlyWeights()
    {
        var lstm = new Lstm(2, 3, new Rng(1), bias: false);
        Assert.Equal(["weight_ih_l0", "weight_hh_l0"], lstm.NamedParameters().Select(np => np.Name));
    }

    [Fact]
    public void Init_UniformWithinOneOverSqrtHidden()
    {
        const int hidden = 64;
        var lstm = new Lstm(10, hidden, new Rng(3), layers: 2);
        double bound = 1 / Math.Sqrt(hidden);
        float[] all = lstm.Parameters().SelectMany(p => p.Data).ToArray();
        Assert.All(all, v => Assert.InRange(v, -bound, bound));
        double variance = all.Select(v => (double)v * v).Average();
        Assert.InRange(variance, 0.9 * bound * bound / 3, 1.1 * bound * bound / 3);   // U(−a, a) has variance a²/3
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gradients_TwoLayers_MatchFiniteDifferences(bool batchFirst)
    {
        const int steps = 3, batch = 2, inputSize = 3, hidden = 4, layers = 2;
        var lstm = new Lstm(inputSize, hidden, new Rng(11), layers, batchFirst);
        // Wider weights than the init, so the gates leave their linear range and every nonlinearity is exercised.
        ulong seed = 20;
        foreach (Tensor p in lstm.Parameters()) new Rng(seed++).FillUniform(p.Data, -0.8f, 0.8f);
        Tensor x = GradCheck.Param(13, batchFirst ? [batch, steps, inputSize] : [steps, batch, inputSize]);
        Tensor h0 = GradCheck.Param(14, layers, batch, hidden), c0 = GradCheck.Param(15, layers, batch, hidden);

        GradCheck.Check(t => Flattened(lstm.Forward(t[0], t[1], t[2])), [x, h0, c0, .. lstm.Parameters()]);
    }

    [Fact]
    public void Gradients_ZeroInitialState_MatchFiniteDifferences()
    {
        var lstm = new Lstm(2, 3, new Rng(21), layers: 1);
        Tensor x = GradCheck.Param(22, 4, 1, 2);   // [T=4, B=1, I=2]
        GradCheck.Check(t => Flattened(lstm.Forward(t[0])), [x, .. lstm.Parameters()]);
    }

    [Fact]
    public void Forward_OneStepOneLayer_IsTheCellEquations()
    {
        var lstm = new Lstm(2, 3, new Rng(31));
        Tensor x = GradCheck.Param(32, 1, 2, 2).Detach();   // [T=1, B=2, I=2]
        LstmOutput result = lstm.Forward(x);
        Assert.Equal([1, 2, 3], result.Output.Shape.ToArray());
        Assert.Equal([1, 2, 3], result.Hidden.Shape.ToArray());
        Assert.Equal([1, 2, 3], result.Cell.Shape.ToArray());
        float[] wih = lstm.Parameters().ElementAt(0).Data, bih = lstm.Parameters().ElementAt(2).Data, bhh = lstm.Parameters().ElementAt(3).Data;
        for (int b = 0; b < 2; b++)
        {
            for (int j = 0; j < 3; j++)
            {
                // zero initial state: the gates are W_ih x + b_ih + b_hh
                double Pre(int gate)
                {
                    int row = gate * 3 + j;
                    return wih[row * 2] * x.Data[b * 2] + wih[row * 2 + 1] * x.Data[b * 2 + 1] + bih[row] + bhh[row];
                }
                double c = Reference.Sigmoid(Pre(0)) * Math.Tanh(Pre(2));
                double h = Reference.Sigmoid(Pre(3)) * Math.Tanh(c);
                Reference.Close(c, result.Cell.Data[b * 3 + j], 1e-5, 1e-6, $"c[{b}, {j}]");
                Reference.Close(h, result.Hidden.Data[b * 3 + j], 1e-5, 1e-6, $"h[{b}, {j}]");
                Assert.Equal(result.Hidden.Data[b * 3 + j], result.Output.Data[b * 3 + j]);
            }
        }
    }

    [Fact]
    public void Forward_BatchFirst_IsTimeMajorWithAxesSwapped()
    {
        const int steps = 4, batch = 3, inputSize = 2, hidden = 5;
        var timeMajor = new Lstm(inputSize, hidden, new Rng(41), layers: 2);
        var batchFirst = new Lstm(inputSize, hidden, new Rng(41), layers: 2, batchFirst: true);
        Tensor x = GradCheck.Param(42, steps, batch, inputSize).Detach();
        var swapped = new float[x.Length];
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
                x.Data.AsSpan((t * batch + b) * inputSize, inputSize).CopyTo(swapped.AsSpan((b * steps + t) * inputSize));

        LstmOutput expected = timeMajor.Forward(x);
        LstmOutput actual = batchFirst.Forward(Tensor.FromArray(swapped, batch, steps, inputSize));
        Assert.Equal([batch, steps, hidden], actual.Output.Shape.ToArray());
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < hidden; j++)
                    Assert.Equal(expected.Output.Data[(t * batch + b) * hidden + j], actual.Output.Data[(b * steps + t) * hidden + j]);
        Assert.Equal(expected.Hidden.Data, actual.Hidden.Data);
        Assert.Equal(expected.Cell.Data, actual.Cell.Data);
    }

    [Fact]
    public void Forward_InArena_SameAsOnHeap()
    {
        var lstm = new Lstm(3, 4, new Rng(51), layers: 2);
        Tensor x = GradCheck.Param(52, 3, 2, 3);
        float[] heap = Flattened(lstm.Forward(x)).Data;
        var arena = new Arena();
        for (int pass = 0; pass < 2; pass++)
        {
            arena.PoisonFreeBuffers();
            using (arena.Scope()) Assert.Equal(heap, Flattened(lstm.Forward(x)).Data);
        }
    }

    [Fact]
    public void Forward_WrongInputWidth_ThrowsWithShape()
    {
        var lstm = new Lstm(3, 4, new Rng(1));
        var e = Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros(2, 5, 2)));
        Assert.Contains("[2, 5, 2]", e.Message);
        Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros(0, 5, 3)));   // no steps
        Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros(5, 3)));
    }

    [Fact]
    public void Forward_InitialStateWrongOrHalf_Throws()
    {
        var lstm = new Lstm(3, 4, new Rng(1), layers: 2);
        Tensor x = Tensor.Zeros(5, 2, 3);
        Assert.Throws<ArgumentException>(() => lstm.Forward(x, Tensor.Zeros(2, 2, 4)));
        var e = Assert.Throws<ArgumentException>(() => lstm.Forward(x, Tensor.Zeros(1, 2, 4), Tensor.Zeros(1, 2, 4)));
        Assert.Contains("[2, 2, 4]", e.Message);
        Assert.Contains("[1, 2, 4]", e.Message);
    }

    /// <summary>output, h_n and c_n end to end in one vector, so one check covers all three.</summary>
    private static Tensor Flattened(LstmOutput r) =>
        Tensor.Concat([r.Output.Reshape(-1), r.Hidden.Reshape(-1), r.Cell.Reshape(-1)], 0);
}
