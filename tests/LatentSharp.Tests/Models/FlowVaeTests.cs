using LatentSharp.Distributions;
using LatentSharp.Models;
using LatentSharp.Optim;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Models;

[Collection(ModelCatalogCollection.Name)]
public sealed class FlowVaeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-flows-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly ModelSpec Small = new() { Height = 8, Width = 8, LatentSize = 3, Hidden = [8], ConvChannels = [4, 8], FlowSteps = 2, FlowHidden = 6, PriorFlowSteps = 2 };

    public static TheoryData<string, string, string> FlowSpecs => new()
    {
        { "vae", "planar", "standard-normal" }, { "vae", "iaf", "standard-normal" }, { "vae", "none", "realnvp" }, { "vae", "iaf", "realnvp" },
        { "conv-vae", "iaf", "standard-normal" }, { "conv-vae", "planar", "realnvp" },
    };

    [Theory]
    [MemberData(nameof(FlowSpecs))]
    public void FlowModel_TrainsAStep_AndRoundTripsThroughACheckpoint(string kind, string flow, string prior)
    {
        ModelSpec spec = ModelCatalog.Configure(kind, [new("posterior-flow", flow), new("prior", prior), new("flow-steps", 2), new("flow-hidden", 6), new("prior-flow-steps", 2),
            new("latent", 3), .. kind == "vae" ? [new KeyValuePair<string, object>("hidden", new[] { 8 })] : Array.Empty<KeyValuePair<string, object>>()]) with { Height = 8, Width = 8, ConvChannels = [4, 8] };
        var vae = (Vae)ModelCatalog.Build(spec, new Rng(1));
        Assert.Equal(flow != "none" || prior != "standard-normal", vae.KlIsMonteCarlo);
        Assert.Equal(flow == "none" ? null : flow, vae.PosteriorFlow?.Name);
        Tensor x = ModelTestData.Images(5, spec.Dimensions, 2);

        var adam = new Adam(vae.Parameters(), 1e-2f);
        for (int step = 0; step < 3; step++)
        {
            vae.ZeroGrad();
            Tensor loss = vae.Loss(x, new Rng(3), Objective.Elbo);
            Assert.True(float.IsFinite(loss.Item()));
            loss.Backward();
            adam.Step();
        }
        foreach (var (name, p) in vae.NamedParameters())
            Assert.True(p.Grad!.Take(p.Length).Any(g => g != 0f), $"{name}: the gradient is zero");

        string path = Path.Combine(_dir, $"{kind}-{flow}-{prior}.safetensors");
        Checkpoint.Save(path, vae);
        LatentModel loaded = Checkpoint.Load(path).Model;
        Assert.Equal(spec.ToJson(), loaded.Spec.ToJson());
        using var _ = Tensor.NoGrad();
        Assert.Equal(vae.Terms(x, new Rng(4)).Elbo.Data, loaded.Terms(x, new Rng(4)).Elbo.Data);
        Assert.Equal(vae.LogImportanceWeights(x, 4, new Rng(5)).Data, ((Vae)loaded).LogImportanceWeights(x, 4, new Rng(5)).Data);
        Assert.Equal(vae.Sample(4, new Rng(6)).Data, loaded.Require<IGenerative>("sampling").Sample(4, new Rng(6)).Data);
    }

    [Fact]
    public void PosteriorFlow_KlIsLogQOfTheFlowedDrawMinusLogPrior()
    {
        var vae = (Vae)ModelCatalog.Build(Small with { PosteriorFlow = "iaf" }, new Rng(1));
        Tensor x = ModelTestData.Images(4, Small.Dimensions, 2);
        using var _ = Tensor.NoGrad();
        ModelTerms terms = vae.Terms(x, new Rng(7));

        // The same draw by hand: z_0 = μ + σ·ε with the model's noise, z_K and Σ log σ from the flow.
        DiagonalNormal q = vae.Posterior(x);
        Tensor z0 = q.Rsample(new Rng(7));
        var encoder = vae.NamedChildren().First(c => c.Name == "encoder").Module as LatentSharp.Nn.Layer;
        Tensor context = encoder!.Forward(x).Slice(1, 2 * Small.LatentSize, Small.FlowHidden);
        var (z, logDeterminant) = vae.PosteriorFlow!.Forward(z0, context);
        Tensor expected = q.LogProb(z0) - logDeterminant - vae.Prior.LogProb(z);
        for (int i = 0; i < 4; i++) Assert.Equal(expected.Data[i], terms.KlPerLayer![0].Data[i], 4);
        Assert.Null(terms.KlPerDimension);
    }

    [Fact]
    public void PosteriorFlow_EncodeCarriesTheMeanThroughTheFlow_AndNoEncoderDecoderExport()
    {
        var vae = (Vae)ModelCatalog.Build(Small with { PosteriorFlow = "planar" }, new Rng(1));
        Tensor x = ModelTestData.Images(3, Small.Dimensions, 2);
        using var _ = Tensor.NoGrad();
        Tensor mean = vae.Posterior(x).Mean;
        Assert.Equal(vae.PosteriorFlow!.Forward(mean, null).Z.Data, vae.Encode(x).Data);
        Assert.Null(vae.As<IEncoderDecoder>());
        Assert.Contains("planar posterior flow", ModelCapabilities.Lacking<IEncoderDecoder>(vae));
        Assert.NotNull(((Vae)ModelCatalog.Build(Small, new Rng(1))).As<IEncoderDecoder>());
    }

    [Fact]
    public void SpecJsonWithoutFlows_LoadsAsThePlainVae_WithTheSameParameters()
    {
        const string old = """{"kind":"vae","channels":1,"height":8,"width":8,"latentSize":3,"hidden":[8],"prior":"mog","priorComponents":2,"activation":"relu","likelihood":"bernoulli","variance":0.1}""";
        ModelSpec spec = ModelSpec.FromJson(old);
        Assert.Equal(("none", "mog"), (spec.PosteriorFlow, spec.Prior));
        var vae = (Vae)ModelCatalog.Build(spec, new Rng(1));
        Assert.Null(vae.PosteriorFlow);
        Assert.Equal(["encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias", "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias", "prior.means", "prior.log_variances", "prior.logits"],
            vae.NamedParameters().Select(p => p.Name));
        Assert.Equal(vae.ToString(), ModelCatalog.Build(spec, new Rng(1)).ToString());
    }

    [Fact]
    public void FlowSettings_AreDescribed_AndCheckedNamingTheSetting()
    {
        Assert.Equal("vae 1x8x8 → [8] → 3 (relu, bernoulli, realnvp prior K=2, iaf posterior K=2)", (Small with { PosteriorFlow = "iaf", Prior = "realnvp" }).ToString());
        Assert.Equal(nameof(ModelSpec.FlowSteps), Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Small with { PosteriorFlow = "planar", FlowSteps = 0 }, new Rng(1))).Setting);
        Assert.Equal(nameof(ModelSpec.PriorFlowSteps), Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Small with { Prior = "realnvp", PriorFlowSteps = 0 }, new Rng(1))).Setting);
        Assert.Equal(nameof(ModelSpec.FlowHidden), Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Small with { PosteriorFlow = "iaf", FlowHidden = 0 }, new Rng(1))).Setting);
        var unknown = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Small with { PosteriorFlow = "radial" }, new Rng(1)));
        Assert.Equal(nameof(ModelSpec.PosteriorFlow), unknown.Setting);
        Assert.Contains("\"none\", \"planar\" or \"iaf\"", unknown.Message);
        var hierarchical = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Configure("hvae", [new("posterior-flow", "iaf")]));
        Assert.Contains("vae or conv-vae", hierarchical.Message);
    }

    [Fact]
    public void FlowModel_ImportanceWeightedBound_IsAboveTheElbo()
    {
        var vae = (Vae)ModelCatalog.Build(Small with { PosteriorFlow = "iaf", Prior = "realnvp" }, new Rng(1));
        Tensor x = ModelTestData.Images(6, Small.Dimensions, 2);
        using var _ = Tensor.NoGrad();
        double elbo = vae.Terms(x, new Rng(8), samples: 200).Elbo.Data.Take(6).Average();
        Tensor logWeights = vae.LogImportanceWeights(x, 200, new Rng(9));   // [B, K]
        double iwae = logWeights.LogSumExp(1).Data.Take(6).Average() - Math.Log(200);
        Assert.True(iwae > elbo, $"IWAE {iwae:F3} ≤ ELBO {elbo:F3}");
    }
}
