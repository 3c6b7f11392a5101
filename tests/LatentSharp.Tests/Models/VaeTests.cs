using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Models;

public class VaeTests
{
    private static readonly ModelSpec TinySpec = new() { Height = 4, Width = 4, LatentSize = 3, Hidden = [8] };

    private static Tensor Images(int n, ulong seed)
    {
        var x = Tensor.Zeros(n, 16);
        new Rng(seed).FillUniform(x.Data, 0f, 1f);
        return x;
    }

    private static Vae Build(ModelSpec? spec = null) => (Vae)ModelCatalog.Build(spec ?? TinySpec, new Rng(1));

    [Fact]
    public void Elbo_EqualsLogLikelihoodMinusKl_AndIsBelowLogImportanceBound()
    {
        Vae vae = Build();
        Tensor x = Images(5, 2);
        using var _ = Tensor.NoGrad();
        ModelTerms terms = vae.Terms(x, new Rng(3));
        float[] elbo = terms.Elbo.Data;
        for (int i = 0; i < 5; i++) Assert.Equal(terms.LogLikelihood!.Data[i] - terms.Kl.Data[i], elbo[i], 4);

        // E[log mean_k w_k] >= E[log w]: compare averages over many draws.
        Tensor logW = vae.LogImportanceWeights(x, 64, new Rng(4));
        Assert.Equal(new[] { 5, 64 }, logW.Shape.ToArray());
        double meanElbo = 0, meanIwae = 0;
        for (int i = 0; i < 5; i++)
        {
            double max = double.NegativeInfinity, sum = 0, single = 0;
            for (int k = 0; k < 64; k++) max = Math.Max(max, logW.Data[i * 64 + k]);
            for (int k = 0; k < 64; k++)
            {
                sum += Math.Exp(logW.Data[i * 64 + k] - max);
                single += logW.Data[i * 64 + k];
            }
            meanIwae += max + Math.Log(sum / 64);
            meanElbo += single / 64;
        }
        Assert.True(meanIwae >= meanElbo, $"IWAE bound {meanIwae / 5} should not be below the ELBO {meanElbo / 5}");
    }

    [Fact]
    public void LogImportanceWeights_AverageToTheElbo()
    {
        // E_q[log w] is the ELBO: with the closed-form KL the two estimates agree up to Monte Carlo error.
        Vae vae = Build();
        Tensor x = Images(2, 5);
        using var _ = Tensor.NoGrad();
        Tensor logW = vae.LogImportanceWeights(x, 20_000, new Rng(6));
        double[] elbo = new double[2];
        for (int r = 0; r < 200; r++)
        {
            float[] e = vae.Terms(x, new Rng(100 + (ulong)r), samples: 100).Elbo.Data;
            elbo[0] += e[0] / 200;
            elbo[1] += e[1] / 200;
        }
        for (int i = 0; i < 2; i++)
        {
            double mean = 0;
            for (int k = 0; k < 20_000; k++) mean += logW.Data[i * 20_000 + k] / 20_000;
            Assert.InRange(mean, elbo[i] - 0.2, elbo[i] + 0.2);
        }
    }

    [Fact]
    public void TrainStep_ChangesWeights_EvaluationDoesNot()
    {
        Vae vae = Build();
        Tensor x = Images(8, 7);
        float[] before = vae.Parameters().SelectMany(p => p.Data).ToArray();
        using (Tensor.NoGrad()) vae.Loss(x, new Rng(1), Objective.Elbo);
        Assert.Equal(before, vae.Parameters().SelectMany(p => p.Data));

        var optimizer = new LatentSharp.Optim.Adam(vae.Parameters(), 1e-2f);
        vae.Loss(x, new Rng(1), Objective.Elbo).Backward();
        optimizer.Step();
        Assert.NotEqual(before, vae.Parameters().SelectMany(p => p.Data));
    }

    [Fact]
    public void Loss_FreeBitsAndBetaChangeTheObjectiveNotTheReportedElbo()
    {
        Vae vae = Build();
        Tensor x = Images(8, 8);
        using var _ = Tensor.NoGrad();
        var plain = new TermSums();
        float lossPlain = ModelTestData.Loss(vae, x, new Rng(1), Objective.Elbo, plain).Item();
        var weighted = new TermSums();
        float lossBeta = ModelTestData.Loss(vae, x, new Rng(1), new Objective(Beta: 0f), weighted).Item();
        var freeBits = new TermSums();
        float lossFreeBits = ModelTestData.Loss(vae, x, new Rng(1), new Objective(FreeBits: 100f), freeBits).Item();

        Assert.Equal(plain.Mean("elbo"), weighted.Mean("elbo"), 5);
        Assert.Equal(-plain.Mean("elbo"), lossPlain, 3);                                 // loss = -ELBO per example
        Assert.Equal(-plain.Mean("reconstruction"), lossBeta, 3);                        // β = 0 drops the KL
        Assert.Equal(-plain.Mean("reconstruction") + 100f * TinySpec.LatentSize, lossFreeBits, 2);   // every dimension under λ
    }

    [Theory]
    [InlineData("bernoulli")]
    [InlineData("gaussian")]
    [InlineData("gaussian-learned")]
    public void EveryLikelihood_TrainsOnePassWithoutNaN(string likelihood)
    {
        Vae vae = Build(TinySpec with { Likelihood = likelihood });
        Tensor x = Images(8, 9);
        var optimizer = new LatentSharp.Optim.Adam(vae.Parameters(), 1e-3f);
        for (int i = 0; i < 5; i++)
        {
            optimizer.ZeroGrad();
            Tensor loss = vae.Loss(x, new Rng((ulong)i), new Objective(Samples: 2));
            Assert.True(float.IsFinite(loss.Item()));
            loss.Backward();
            optimizer.Step();
        }
        Assert.Equal(new[] { 3, 16 }, vae.Sample(3, new Rng(1)).Shape.ToArray());
        Assert.Equal(new[] { 8, 16 }, vae.Reconstruct(x).Shape.ToArray());
    }

    [Fact]
    public void Checkpoint_SaveThenLoad_GivesTheSameElbo()
    {
        string dir = Directory.CreateTempSubdirectory("ls-vae-").FullName;
        try
        {
            Vae vae = Build(TinySpec with { Likelihood = "gaussian-learned" });
            string path = Path.Combine(dir, "m.safetensors");
            Checkpoint.Save(path, vae);
            var loaded = (Vae)Checkpoint.Load(path).Model;
            Tensor x = Images(4, 10);
            using var _ = Tensor.NoGrad();
            Assert.Equal(vae.Terms(x, new Rng(1)).Elbo.Data, loaded.Terms(x, new Rng(1)).Elbo.Data);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Checkpoint_IntoAnotherArchitecture_NamesTheMismatchedTensor()
    {
        string dir = Directory.CreateTempSubdirectory("ls-vae-").FullName;
        try
        {
            string path = Path.Combine(dir, "m.safetensors");
            Checkpoint.Save(path, Build());
            var contents = SafeTensorsFile.Read(path);
            var other = ModelCatalog.Build(TinySpec with { Hidden = [9] }, new Rng(1));
            var ex = Assert.Throws<InvalidCheckpointException>(() => Checkpoint.LoadWeights(other, contents, "m.safetensors"));
            Assert.Contains("encoder.0.weight", ex.Message);
            Assert.Contains("[8, 16]", ex.Message);
            Assert.Contains("[9, 16]", ex.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Autoencoder_HasALossButNoElbo()
    {
        LatentModel ae = ModelCatalog.Build(TinySpec with { Kind = "ae", Likelihood = "mse" }, new Rng(1));
        Assert.Null(ae.As<ILikelihood>());
        Assert.Null(ae.As<IGenerative>());
        var metrics = new TermSums();
        Tensor x = Images(4, 11);
        float loss = ModelTestData.Loss(ae, x, new Rng(1), Objective.Elbo, metrics).Item();
        Assert.Equal(metrics.Mean("loss"), loss, 4);
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(TinySpec with { Kind = "ae", Likelihood = "bernoulli" }, new Rng(1)));
    }
}
