using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Models;

public class IwaeObjectiveTests
{
    private static readonly ModelSpec Tiny = new() { Height = 4, Width = 4, LatentSize = 3, Hidden = [8] };

    private static Vae Build(ModelSpec? spec = null) => (Vae)ModelCatalog.Build(spec ?? Tiny, new Rng(1));

    [Fact]
    public void Loss_IsMinusTheBound_WhichIsAtLeastTheElboOfTheSameDraws()
    {
        Vae vae = Build();
        Tensor x = ModelTestData.Images(6, 16, 2);
        using var _ = Tensor.NoGrad();
        var metrics = new TermSums();
        float loss = ModelTestData.Loss(vae, x, new Rng(3), Objective.Iwae(5), metrics).Item();
        Assert.Equal(-metrics.Mean("iwae"), loss, 3);
        Assert.True(metrics.Mean("iwae") >= metrics.Mean("elbo"), "log mean exp w ≥ mean log w (Jensen)");
        Assert.Equal(metrics.Mean("reconstruction") - metrics.Mean("kl"), metrics.Mean("elbo"), 3);
        Assert.Equal(["elbo", "reconstruction", "kl", "iwae"], metrics.Names);
    }

    [Fact]
    public void LossK5_OnAverage_IsBelowTheElboLoss()
    {
        Vae vae = Build();
        Tensor x = ModelTestData.Images(6, 16, 4);
        using var _ = Tensor.NoGrad();
        double iwae = 0, elbo = 0;
        for (ulong r = 0; r < 100; r++)
        {
            iwae += vae.Loss(x, new Rng(r), Objective.Iwae(5)).Item() / 100.0;
            elbo += vae.Loss(x, new Rng(1000 + r), Objective.Elbo).Item() / 100.0;
        }
        Assert.True(iwae < elbo, $"IWAE-5 loss {iwae} should be below the ELBO loss {elbo}");
    }

    [Fact]
    public void LossK1_IsTheElboLoss_ExactlyWithAMonteCarloKl_InExpectationWithTheClosedForm()
    {
        // A prior without closed-form KL: the ELBO and IWAE-1 use the same draw and the same log q − log p.
        Vae mog = Build(Tiny with { Prior = "mog", PriorComponents = 3 });
        Tensor x = ModelTestData.Images(6, 16, 5);
        using var _ = Tensor.NoGrad();
        Assert.Equal(mog.Loss(x, new Rng(7), Objective.Elbo).Item(), mog.Loss(x, new Rng(7), Objective.Iwae(1)).Item(), 4);

        // The standard normal prior: the ELBO loss uses the closed-form KL, IWAE-1 its single-sample estimate.
        Vae vae = Build();
        double iwae = 0, elbo = 0;
        const int draws = 2000;
        for (ulong r = 0; r < draws; r++)
        {
            iwae += vae.Loss(x, new Rng(r), Objective.Iwae(1)).Item() / draws;
            elbo += vae.Loss(x, new Rng(r), Objective.Elbo).Item() / draws;
        }
        Assert.InRange(iwae, elbo - 0.1, elbo + 0.1);
    }

    [Fact]
    public void Gradients_ReachEveryParameter()
    {
        Vae vae = Build(Tiny with { Prior = "mog", PriorComponents = 2 });
        Tensor x = ModelTestData.Images(4, 16, 6);
        vae.ZeroGrad();
        vae.Loss(x, new Rng(1), Objective.Iwae(5)).Backward();
        foreach (var (name, p) in vae.NamedParameters())
        {
            Assert.True(p.Grad is not null, $"{name} has no gradient");
            Assert.All(p.Grad!.Take(p.Length), g => Assert.True(float.IsFinite(g), $"{name}: {g}"));
            Assert.True(p.Grad!.Take(p.Length).Any(g => g != 0f), $"{name}: all zero");
        }
    }

    [Fact]
    public void Beta_WeighsTheLatentTermInsideEachWeight()
    {
        // β = 0 leaves log mean_k p(x | z_k): the IWAE of the likelihood alone.
        Vae vae = Build();
        Tensor x = ModelTestData.Images(3, 16, 8);
        using var _ = Tensor.NoGrad();
        float betaZero = vae.Loss(x, new Rng(2), new Objective(Beta: 0f, ImportanceSamples: 4)).Item();
        var plain = new TermSums();
        float betaOne = ModelTestData.Loss(vae, x, new Rng(2), Objective.Iwae(4), plain).Item();
        Assert.NotEqual(betaOne, betaZero);
        Assert.True(betaZero < -plain.Mean("reconstruction") + 1e-3, "log mean exp ll ≥ mean ll");
    }

    [Fact]
    public void Options_RejectIwaeWithFreeBitsOrSeveralSamples()
    {
        Assert.Throws<InvalidSettingException>(() => new TrainingOptions { ImportanceSamples = 5, Samples = 2 }.Validate());
        Assert.Throws<InvalidSettingException>(() => new TrainingOptions { ImportanceSamples = 5, FreeBits = 0.5f }.Validate());
        Assert.Throws<InvalidSettingException>(() => new TrainingOptions { ImportanceSamples = -1 }.Validate());
        new TrainingOptions { ImportanceSamples = 5, WarmupEpochs = 2 }.Validate();
        Assert.Throws<ArgumentException>(() => Build().Loss(ModelTestData.Images(2, 16, 1), new Rng(1), new Objective(FreeBits: 1f, ImportanceSamples: 2)));
    }
}
