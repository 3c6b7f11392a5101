using LatentSharp.Distributions;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Distributions;

public class ObservationModelTests
{
    [Fact]
    public void Bernoulli_LogProbMatchesClosedFormAndStaysFiniteAtExtremeLogits()
    {
        Tensor logits = Tensor.FromArray([0f, 2f, -100f, 100f], 1, 4);
        Tensor x = Tensor.FromArray([1f, 0f, 0f, 1f], 1, 4);
        double expected = Math.Log(0.5) + Math.Log(1 - 1 / (1 + Math.Exp(-2))) + 0 + 0;
        Assert.Equal(expected, new BernoulliObservation().LogProb(x, logits).Item(), 5);
        Tensor wrong = Tensor.FromArray([0f, 0f, 1f, 0f], 1, 4);
        Assert.Equal(-200 + Math.Log(0.5) - Math.Log(1 + Math.Exp(2)), new BernoulliObservation().LogProb(wrong, logits).Item(), 3);
    }

    [Fact]
    public void GaussianFixed_LogProbMatchesClosedForm()
    {
        var model = new GaussianObservation(0.25f);
        Tensor mean = Tensor.FromArray([0.5f, 0.1f], 1, 2);
        Tensor x = Tensor.FromArray([0.7f, 0.1f], 1, 2);
        double expected = 2 * (-0.5 * Math.Log(2 * Math.PI * 0.25)) - 0.5 * 0.04 / 0.25;
        Assert.Equal(expected, model.LogProb(x, mean).Item(), 5);
    }

    [Fact]
    public void GaussianLearned_HasOneVariancePerPixelAndAGradient()
    {
        var model = new GaussianObservation(pixels: 3, initialVariance: 0.5f);
        Tensor logVariance = model.Parameters().Single();
        Assert.Equal(new[] { 3 }, logVariance.Shape.ToArray());
        Tensor mean = GradCheck.Param(1, 2, 3);
        Tensor x = GradCheck.Param(2, 2, 3);
        GradCheck.Check(t => model.LogProb(x, t[0]), [mean, logVariance]);
    }

    [Fact]
    public void GaussianLearned_VarianceCannotCollapseBelowTheFloor()
    {
        var model = new GaussianObservation(pixels: 1, initialVariance: 1f);
        Tensor logVariance = model.Parameters().Single();
        logVariance.Data[0] = -1000f;
        float logp = model.LogProb(Tensor.Zeros(1, 1), Tensor.Zeros(1, 1)).Item();
        Assert.True(float.IsFinite(logp));
        Assert.Equal(-0.5 * (Math.Log(2 * Math.PI) + GaussianObservation.MinLogVariance), logp, 3);
    }
}
