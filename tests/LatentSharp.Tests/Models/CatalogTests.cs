using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Models;

public sealed class CatalogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-catalog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // 8×8 images so that the conv-vae's two stride-2 convolutions fit (8 → 4 → 2).
    private static readonly ModelSpec Small = new() { Height = 8, Width = 8, LatentSize = 3, Hidden = [8], ConvChannels = [4, 8], PriorComponents = 3, PixelCnnChannels = 4, PixelCnnBlocks = 1 };

    public static TheoryData<string, string> KindsAndPriors => new()
    {
        { "vae", "standard-normal" }, { "vae", "mog" }, { "vae", "vamp" },
        { "conv-vae", "standard-normal" }, { "conv-vae", "mog" }, { "conv-vae", "vamp" },
        { "cvae", "standard-normal" }, { "cvae", "mog" },
        { "ae", "standard-normal" },
        { "hvae", "standard-normal" },
        { "conv-hvae", "standard-normal" },
        { "pixelcnn", "standard-normal" },
    };

    private static ModelSpec SpecFor(string kind, string prior) => Small with
    {
        Kind = kind,
        Prior = prior,
        Classes = kind == "cvae" ? 4 : 0,
        Likelihood = kind == "ae" ? "bce" : "bernoulli",
        LatentSizes = kind.EndsWith("hvae", StringComparison.Ordinal) ? [3, 2] : [],
        LatentSize = kind.EndsWith("hvae", StringComparison.Ordinal) ? 5 : Small.LatentSize,
    };

    [Theory]
    [MemberData(nameof(KindsAndPriors))]
    public void EveryKind_BuildsTrainsAndRoundTripsThroughACheckpoint(string kind, string prior) =>
        BuildsTrainsAndRoundTrips(SpecFor(kind, prior), $"{kind}-{prior}");

    [Theory]
    [InlineData("conv-vae")]
    [InlineData("conv-hvae")]
    public void PixelCnnLikelihood_BuildsTrainsAndRoundTripsThroughACheckpoint(string kind) =>
        BuildsTrainsAndRoundTrips(SpecFor(kind, "standard-normal") with { Likelihood = "pixelcnn" }, $"{kind}-pixelcnn");

    [Theory]
    [InlineData("vae")]
    [InlineData("hvae")]
    [InlineData("cvae")]
    public void PixelCnnLikelihood_NeedsAConvolutionalDecoder(string kind)
    {
        var ex = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(SpecFor(kind, "standard-normal") with { Likelihood = "pixelcnn" }, new Rng(1)));
        Assert.Contains("conv-vae or conv-hvae", ex.Message);
    }

    private void BuildsTrainsAndRoundTrips(ModelSpec spec, string fileName)
    {
        LatentModel model = ModelCatalog.Build(spec, new Rng(1));
        Tensor x = ModelTestData.Images(5, 64, 2);
        Tensor? condition = model.Condition(ModelTestData.Labels(5, 4));

        model.ZeroGrad();
        Tensor loss = model.Loss(x, new Rng(3), Objective.Elbo, condition);
        Assert.True(float.IsFinite(loss.Item()));
        loss.Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.True(p.Grad is not null, $"{name} has no gradient");
            Assert.True(p.Grad!.Take(p.Length).Any(g => g != 0f), $"{name}: the gradient is zero");
        }

        string path = Path.Combine(_dir, $"{fileName}.safetensors");
        Checkpoint.Save(path, model);
        LatentModel loaded = Checkpoint.Load(path).Model;
        Assert.Equal(spec.ToJson(), loaded.Spec.ToJson());
        using var _ = Tensor.NoGrad();
        if (model is IGenerativeModel generative)
        {
            Assert.Equal(model.Terms(x, new Rng(4), condition: condition).Elbo.Data,
                loaded.Terms(x, new Rng(4), condition: condition).Elbo.Data);
            Assert.Equal(generative.Sample(4, new Rng(5)).Data, ((IGenerativeModel)loaded).Sample(4, new Rng(5)).Data);
        }
        else
        {
            Assert.Equal(model.Loss(x, new Rng(4), Objective.Elbo).Item(), loaded.Loss(x, new Rng(4), Objective.Elbo).Item());
        }
    }

    [Fact]
    public void Available_ListsEveryKind_AndPriorsAreNamed()
    {
        Assert.Equal(["vae", "ae", "conv-vae", "cvae", "hvae", "conv-hvae", "pixelcnn"], ModelCatalog.Available.Select(k => k.Kind));
        Assert.Equal(["standard-normal", "mog", "vamp"], ModelCatalog.Priors.Select(p => p.Name));
        var vae = (Vae)ModelCatalog.Build(Small with { Prior = "vamp" }, new Rng(1));
        Assert.True(vae.KlIsMonteCarlo);
        Assert.False(((Vae)ModelCatalog.Build(Small, new Rng(1))).KlIsMonteCarlo);
    }

    [Fact]
    public void UnknownPriorOrImpossibleCombination_IsRejectedWithTheChoices()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Small with { Prior = "flow" }, new Rng(1)));
        Assert.Contains("standard-normal, mog, vamp", ex.Message);
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Small with { Prior = "mog", PriorComponents = 0 }, new Rng(1)));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Small with { Kind = "ae", Likelihood = "bce", Prior = "mog" }, new Rng(1)));
    }

    [Fact]
    public void SpecJsonFromBeforeTheZoo_LoadsWithTheDefaults()
    {
        const string old = """{"kind":"vae","channels":1,"height":28,"width":28,"latentSize":20,"hidden":[400],"activation":"relu","likelihood":"bernoulli","variance":0.1}""";
        ModelSpec spec = ModelSpec.FromJson(old);
        Assert.Equal("standard-normal", spec.Prior);
        Assert.Equal(0, spec.Classes);
        Assert.Equal([32, 64], spec.ConvChannels);
        Assert.Equal(10, spec.PriorComponents);
        Assert.Empty(spec.LatentSizes);
        Assert.Equal((64, 5), (spec.PixelCnnChannels, spec.PixelCnnBlocks));
        Assert.Equal("head", spec.PixelCnnConditioning);
    }

    [Fact]
    public void PixelCnnConditioning_IsStoredInTheSpecAndChecked()
    {
        ModelSpec spec = Small with { Kind = "conv-vae", Likelihood = "pixelcnn", PixelCnnConditioning = "blocks" };
        Assert.Equal("blocks", ModelSpec.FromJson(spec.ToJson()).PixelCnnConditioning);
        Assert.Contains("code into the blocks", spec.ToString());
        var ex = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(spec with { PixelCnnConditioning = "everywhere" }, new Rng(1)));
        Assert.Contains("\"head\" or \"blocks\"", ex.Message);
    }
}
