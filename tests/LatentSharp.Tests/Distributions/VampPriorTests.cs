using LatentSharp.Distributions;
using LatentSharp.Nn;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Distributions;

public class VampPriorTests
{
    private const int D = 6;

    /// <summary>A stand-in encoder: one Linear layer, x [n, D] → μ, log σ² [n, L].</summary>
    private sealed class Encoder(int latentSize, ulong seed)
    {
        public Linear Layer { get; } = new(D, 2 * latentSize, new Rng(seed));

        /// <summary>The rows encoded so far.</summary>
        public int Encoded { get; private set; }

        public DiagonalNormal Posterior(Tensor x)
        {
            Encoded += x.Dim(0);
            Tensor h = Layer.Forward(x);
            return new DiagonalNormal(h.Slice(1, 0, latentSize), h.Slice(1, latentSize, latentSize));
        }
    }

    private sealed class Parent : Module
    {
        public Parent(Module child) => RegisterModule("prior", child);
    }

    private static (VampPrior Prior, Encoder Encoder) Build(int k, int l, ulong seed)
    {
        var encoder = new Encoder(l, seed);
        var prior = new VampPrior(k, D, l, encoder.Posterior, new Rng(seed + 1));
        new Rng(seed + 2).FillUniform(prior.PseudoInputParameter.Data, 0.1f, 0.9f);   // inside the hard tanh, spread out
        return (prior, encoder);
    }

    private static Tensor Points(int b, int l, ulong seed)
    {
        Tensor z = Tensor.Zeros(b, l);
        new Rng(seed).FillUniform(z.Data, -2f, 2f);
        return z;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public void LogProb_IsTheUniformMixtureOfThePosteriorsAtThePseudoInputs(int k)
    {
        var (prior, encoder) = Build(k, 3, 10);
        Tensor z = Points(5, 3, 11);
        using var _ = Tensor.NoGrad();
        float[] logP = prior.LogProb(z).Data;
        DiagonalNormal q = encoder.Posterior(prior.PseudoInputs());
        double[] uniform = Enumerable.Repeat(1.0 / k, k).ToArray();
        for (int b = 0; b < 5; b++)
        {
            double expected = MixtureReference.LogProb(z.Data.AsSpan(b * 3, 3), q.Mean.Data, q.LogVariance.Data, uniform);
            Assert.Equal(expected, logP[b], 1e-4 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Fact]
    public void LogProb_OnePseudoInput_IsThatPosterior()
    {
        var (prior, encoder) = Build(1, 2, 20);
        Tensor z = Points(4, 2, 21);
        using var _ = Tensor.NoGrad();
        DiagonalNormal q = encoder.Posterior(prior.PseudoInputs());
        var tiled = new DiagonalNormal(Tensor.Concat([q.Mean, q.Mean, q.Mean, q.Mean], 0), Tensor.Concat([q.LogVariance, q.LogVariance, q.LogVariance, q.LogVariance], 0));
        float[] expected = tiled.LogProb(z).Data, actual = prior.LogProb(z).Data;
        for (int b = 0; b < 4; b++) Assert.Equal(expected[b], actual[b], 4);
    }

    [Fact]
    public void Density_IntegratesToOne_In1D()
    {
        var (prior, _) = Build(4, 1, 30);
        using var _ = Tensor.NoGrad();
        double mass = MixtureReference.Integrate(t => prior.LogProb(Tensor.FromArray([t], 1, 1)).Item(), -40, 40, 40_000);
        Assert.Equal(1.0, mass, 4);
    }

    [Fact]
    public void LogProb_GradientsReachPseudoInputsEncoderAndZ()
    {
        var (prior, encoder) = Build(3, 2, 40);
        Tensor z = GradCheck.Param(41, -1.5f, 1.5f, 3, 2);
        GradCheck.Check(_ => prior.LogProb(z), [z, prior.PseudoInputParameter, encoder.Layer.Weight, encoder.Layer.Bias!]);
    }

    [Fact]
    public void PseudoInputs_StartAsInThePaper_AndStayImages()
    {
        var prior = new VampPrior(50, D, 2, new Encoder(2, 1).Posterior, new Rng(3));
        float[] u = prior.PseudoInputParameter.Data;
        double mean = u.Average(v => (double)v), std = Math.Sqrt(u.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, VampPrior.InitialMean - 0.003, VampPrior.InitialMean + 0.003);
        Assert.InRange(std, 0.008, 0.012);
        u[0] = -3f;
        u[1] = 4f;
        float[] images = prior.PseudoInputs().Data;
        Assert.Equal(0f, images[0]);
        Assert.Equal(1f, images[1]);
        Assert.Equal(["pseudo_inputs"], prior.NamedParameters().Select(p => p.Name));   // the encoder belongs to the model
        Assert.False(prior.HasClosedFormKl);
    }

    [Fact]
    public void InitializeFrom_StartsNearTrainingImages()
    {
        var prior = new VampPrior(3, D, 2, new Encoder(2, 1).Posterior, new Rng(3));
        float[] images = Enumerable.Range(0, 5 * D).Select(i => (i / D) / 4f).ToArray();   // image r is all r/4
        prior.InitializeFrom(images, new Rng(4));
        float[] u = prior.PseudoInputParameter.Data;
        for (int k = 0; k < 3; k++)
        {
            float level = u[k * D];
            Assert.Contains(images, v => Math.Abs(v - level) < 0.05f);
            for (int j = 0; j < D; j++) Assert.InRange(u[k * D + j], level - 0.08f, level + 0.08f);
        }
        Assert.Throws<ArgumentException>(() => prior.InitializeFrom(images.AsSpan(0, 2 * D), new Rng(4)));
    }

    [Fact]
    public void Sample_HasTheMixtureMean()
    {
        var (prior, encoder) = Build(3, 2, 50);
        const int n = 100_000;
        float[] z = prior.Sample(n, new Rng(51)).Data;
        float[] means;
        using (Tensor.NoGrad()) means = encoder.Posterior(prior.PseudoInputs()).Mean.Data;
        for (int j = 0; j < 2; j++)
        {
            double expected = (means[j] + means[2 + j] + means[4 + j]) / 3;
            double actual = Enumerable.Range(0, n).Average(i => (double)z[i * 2 + j]);
            Assert.InRange(actual, expected - 0.03, expected + 0.03);
        }
    }

    /// <summary>
    /// While the model's parameters are fixed, no-gradient calls encode the K pseudo-inputs once and give the same bits as
    /// before; with gradients they still encode (the tape needs them); after the scope a changed pseudo-input counts again.
    /// </summary>
    [Fact]
    public void FixedParameters_EncodeThePseudoInputsOnce_WithTheSameLogDensities()
    {
        var (prior, encoder) = Build(5, 3, 21);
        var model = new Parent(prior);   // the prior is a child of the model, as in the VAE
        Tensor z = Points(7, 3, 22);
        float[] expected;
        using (Tensor.NoGrad()) expected = prior.LogProb(z).Data;
        int before = encoder.Encoded;
        using (model.FixParameters())
        {
            using (model.FixParameters())
            using (Tensor.NoGrad())
                for (int i = 0; i < 3; i++) Assert.Equal(expected, prior.LogProb(z).Data);
            using (Tensor.NoGrad())
            {
                Assert.Equal(expected, prior.LogProb(z).Data);   // still kept in the outer scope
                prior.Sample(4, new Rng(1));
            }
            Assert.Equal(before + 5, encoder.Encoded);
            Assert.Equal(expected, prior.LogProb(z).Data);
            Assert.Equal(before + 10, encoder.Encoded);   // with gradients: encoded again
        }
        prior.PseudoInputParameter.Data[0] = 0.5f * (prior.PseudoInputParameter.Data[0] + 1f);
        using (Tensor.NoGrad())
            Assert.NotEqual(expected, prior.LogProb(z).Data);
    }
}
