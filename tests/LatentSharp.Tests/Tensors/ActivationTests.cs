using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

public class ActivationTests
{
    private static readonly float[] Wide = [-100f, -30f, -5f, -1f, -0.25f, 0f, 1e-6f, 0.25f, 1f, 5f, 30f, 100f];

    [Fact]
    public void SmoothElementwise_MatchGradCheck()
    {
        Tensor a = GradCheck.Param(11, -3f, 3f, 3, 5);
        GradCheck.Check(x => x[0].Square(), [a]);
        GradCheck.Check(x => x[0].Softplus(), [a]);
        GradCheck.Check(x => x[0].Sigmoid(), [a]);
        GradCheck.Check(x => x[0].Tanh(), [a]);
        GradCheck.Check(x => x[0].LogSigmoid(), [a]);
    }

    [Fact]
    public void LogAndSqrt_PositiveInputs_MatchGradCheck()
    {
        Tensor a = GradCheck.Param(12, 0.2f, 3f, 4, 3);
        GradCheck.Check(x => x[0].Log(), [a]);
        GradCheck.Check(x => x[0].Sqrt(), [a]);
    }

    [Fact]
    public void PiecewiseActivations_AwayFromKinks_MatchGradCheck()
    {
        Tensor a = Reference.AwayFromZero(13, 0.05f, 4, 5);
        GradCheck.Check(x => x[0].Relu(), [a]);
        GradCheck.Check(x => x[0].LeakyRelu(), [a]);
        GradCheck.Check(x => x[0].LeakyRelu(0.2f), [a]);
        GradCheck.Check(x => x[0].Elu(), [a]);
        GradCheck.Check(x => x[0].Elu(0.5f), [a]);
        GradCheck.Check(x => x[0].Clamp(-0.5f, 0.5f), [a]);
    }

    [Fact]
    public void Clamp_Gradient_PassesOnlyStrictlyInside()
    {
        Tensor a = Tensor.FromArray([-2f, -1f, 0f, 1f, 2f], 5).AsParameter();
        Tensor y = a.Clamp(-1f, 1f);
        Assert.Equal(new float[] { -1f, -1f, 0f, 1f, 1f }, y.Data);
        y.Sum().Backward();
        Assert.Equal(new float[] { 0f, 0f, 1f, 0f, 0f }, a.Grad);
    }

    [Fact]
    public void Relu_Gradient_IsZeroAtAndBelowZero()
    {
        Tensor a = Tensor.FromArray([-1f, 0f, 2f], 3).AsParameter();
        Tensor y = a.Relu();
        Assert.Equal(new float[] { 0f, 0f, 2f }, y.Data);
        a.LeakyRelu(0.1f).Sum().Backward();
        Assert.Equal(new float[] { 0.1f, 0.1f, 1f }, a.Grad);
    }

    [Fact]
    public void PiecewiseActivations_Forward_MatchClosedForm()
    {
        Tensor a = Tensor.FromArray((float[])Wide.Clone(), Wide.Length);
        float[] relu = a.Relu().Data, leaky = a.LeakyRelu(0.01f).Data, elu = a.Elu().Data, elu2 = a.Elu(2f).Data;
        for (int i = 0; i < Wide.Length; i++)
        {
            double x = Wide[i];
            Assert.Equal((float)Math.Max(x, 0), relu[i]);
            Reference.Close(x > 0 ? x : 0.01 * x, leaky[i], 1e-6, what: $"LeakyRelu({x})");
            Reference.Close(x > 0 ? x : Math.Exp(x) - 1, elu[i], 1e-6, what: $"Elu({x})");
            Reference.Close(x > 0 ? x : 2 * (Math.Exp(x) - 1), elu2[i], 1e-6, what: $"Elu({x}, 2)");
        }
        // expm1: tiny negative inputs keep their full relative precision.
        Reference.Close(-1e-6 + 0.5e-12, Tensor.FromArray([-1e-6f], 1).Elu().Data[0], 1e-6, what: "Elu(-1e-6)");
    }

    [Fact]
    public void LeakyRelu_SlopeOutsideUnitInterval_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2).LeakyRelu(1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2).LeakyRelu(-0.1f));
    }

    [Fact]
    public void Softplus_ExtremeInputs_StayFiniteAndExact()
    {
        Tensor y = Tensor.FromArray((float[])Wide.Clone(), Wide.Length).Softplus();
        for (int i = 0; i < Wide.Length; i++)
        {
            double x = Wide[i];
            // e^−100 ≈ 3.72e-44 is a float subnormal: allow one subnormal step (float.Epsilon), but not 0 and not NaN.
            Reference.Close(Reference.Softplus(x), y.Data[i], 2e-6, absTol: float.Epsilon, what: $"softplus({x})");
        }
        Assert.True(y.Data[0] > 0f, $"softplus(-100) = {y.Data[0]:G9}");
        Assert.Equal(100f, y.Data[^1]);
    }

    [Fact]
    public void SigmoidAndLogSigmoid_ExtremeInputs_MatchClosedForm()
    {
        Tensor a = Tensor.FromArray((float[])Wide.Clone(), Wide.Length);
        float[] s = a.Sigmoid().Data, ls = a.LogSigmoid().Data, t = a.Tanh().Data;
        for (int i = 0; i < Wide.Length; i++)
        {
            double x = Wide[i];
            Assert.True(s[i] >= 0f && s[i] <= 1f, $"sigmoid({x}) = {s[i]:G9}");
            if (x > -80) Reference.Close(Reference.Sigmoid(x), s[i], 2e-6, what: $"sigmoid({x})");
            else Assert.True(s[i] < 1e-34f, $"sigmoid({x}) = {s[i]:G9}");
            Reference.Close(-Reference.Softplus(-x), ls[i], 2e-6, absTol: float.Epsilon, what: $"logsigmoid({x})");
            Reference.Close(Math.Tanh(x), t[i], 2e-6, absTol: 1e-7, what: $"tanh({x})");
        }
        Assert.Equal(-100f, ls[0]);   // log σ(−100) = −100 − log1p(e^−100)
    }

    [Fact]
    public void SaturatedActivations_GradientsAreFiniteAndCorrect()
    {
        Tensor a = Tensor.FromArray([-100f, -30f, 30f, 100f], 4).AsParameter();
        a.Softplus().Sum().Backward();
        for (int i = 0; i < 4; i++) Reference.Close(Reference.Sigmoid(a.Data[i]), a.Grad![i], 2e-6, absTol: float.Epsilon, what: $"softplus'({a.Data[i]})");
        a.ZeroGrad();
        a.LogSigmoid().Sum().Backward();
        for (int i = 0; i < 4; i++) Reference.Close(Reference.Sigmoid(-a.Data[i]), a.Grad![i], 2e-6, absTol: float.Epsilon, what: $"logsigmoid'({a.Data[i]})");
        a.ZeroGrad();
        a.Sigmoid().Sum().Backward();
        Assert.All(a.Grad!, g => Assert.True(float.IsFinite(g) && g >= 0f));
    }

    [Fact]
    public void LogSqrtSquare_Forward_MatchClosedForm()
    {
        float[] values = [1e-6f, 0.5f, 1f, 2f, 1e6f];
        Tensor a = Tensor.FromArray(values, values.Length);
        float[] log = a.Log().Data, sqrt = a.Sqrt().Data, square = a.Square().Data;
        for (int i = 0; i < values.Length; i++)
        {
            Reference.Close(Math.Log(values[i]), log[i], 1e-6, absTol: 1e-7, what: $"log({values[i]})");
            Reference.Close(Math.Sqrt(values[i]), sqrt[i], 1e-6, what: $"sqrt({values[i]})");
            Reference.Close((double)values[i] * values[i], square[i], 1e-6, what: $"square({values[i]})");
        }
    }
}
