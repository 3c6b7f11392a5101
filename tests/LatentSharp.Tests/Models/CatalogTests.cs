using System.Text.RegularExpressions;
using LatentSharp.Models;
using LatentSharp.Models.Catalog;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Models;

[Collection(ModelCatalogCollection.Name)]
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
        { "gated-pixelcnn", "standard-normal" },
        { "cgated-pixelcnn", "standard-normal" },
        { "row-lstm", "standard-normal" },
        { "diagonal-bilstm", "standard-normal" },
    };

    private static ModelSpec SpecFor(string kind, string prior) => Small with
    {
        Kind = kind,
        Prior = prior,
        Classes = kind is "cvae" or "cgated-pixelcnn" ? 4 : 0,
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

    public static TheoryData<string, string, int> EightBitKindsAndLikelihoods => new()
    {
        { "vae", "categorical", 1 }, { "vae", "logistic-mixture", 1 }, { "vae", "discretized-gaussian", 1 },
        { "conv-vae", "categorical", 3 }, { "conv-vae", "logistic-mixture", 3 }, { "conv-vae", "discretized-gaussian", 1 },
        { "cvae", "logistic-mixture", 1 }, { "hvae", "discretized-gaussian", 1 }, { "conv-hvae", "logistic-mixture", 3 },
    };

    [Theory]
    [MemberData(nameof(EightBitKindsAndLikelihoods))]
    public void EightBitLikelihood_BuildsTrainsAndRoundTripsThroughACheckpoint(string kind, string likelihood, int channels)
    {
        ModelSpec spec = SpecFor(kind, "standard-normal") with { Likelihood = likelihood, Channels = channels, MixtureComponents = 2 };
        BuildsTrainsAndRoundTrips(spec, $"{kind}-{likelihood}-{channels}");
        LatentModel model = ModelCatalog.Build(spec, new Rng(1));
        Assert.Equal(LatentSharp.Evaluation.NllConvention.Discrete8Bit, LatentSharp.Evaluation.NllPasses.ConventionOf(model.Spec));
        using var _ = Tensor.NoGrad();
        Tensor sample = model.Require<IGenerative>("the test").Sample(3, new Rng(2));
        Assert.Equal([3, spec.Dimensions], sample.ShapeArray);
        Assert.All(sample.Data, v => Assert.InRange(v, 0f, 1f));   // the likelihood's mean of 8-bit values
    }

    [Theory]
    [InlineData("vae", "categorical", 256)]
    [InlineData("vae", "logistic-mixture", 3 * 7)]
    [InlineData("vae", "discretized-gaussian", 2)]
    [InlineData("conv-vae", "logistic-mixture", 3 * 7)]
    [InlineData("vae", "bernoulli", 1)]
    public void EightBitLikelihood_DecoderGivesItsOutputsPerSubPixel(string kind, string likelihood, int perValue)
    {
        ModelSpec spec = SpecFor(kind, "standard-normal") with { Likelihood = likelihood, Channels = 3, MixtureComponents = 7 };
        Assert.Equal(perValue * spec.Dimensions, VaeParts.DecoderOutputs(spec));
        Assert.Equal(perValue * 3, VaeParts.DecoderChannels(spec));
        LatentModel model = ModelCatalog.Build(spec, new Rng(1));
        Assert.Equal(ModelCatalog.Get(kind).EstimatedParameters(spec), model.ParameterCount, 0.2 * model.ParameterCount);
    }

    [Fact]
    public void Configure_MixtureComponents_AreStoredCheckedAndDefaultInOldSpecs()
    {
        Assert.Equal(9, ModelCatalog.Configure("conv-vae", [new("likelihood", "logistic-mixture"), new("mixture-components", 9)]).MixtureComponents);
        var ex = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Configure("vae", [new("likelihood", "logistic-mixture"), new("mixture-components", 0)]));
        Assert.Equal(nameof(ModelSpec.MixtureComponents), ex.Setting);
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Configure("ae", [new("mixture-components", 3)]));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Configure("ae", [new("likelihood", "categorical")]));
        Assert.Equal(5, ModelSpec.FromJson("""{"kind":"vae","likelihood":"logistic-mixture"}""").MixtureComponents);
    }

    [Theory]
    [InlineData("categorical")]
    [InlineData("logistic-mixture")]
    [InlineData("discretized-gaussian")]
    public void EightBitLikelihood_WithBinarization_IsRefusedNamingTheSetting(string likelihood)
    {
        ModelSpec spec = SpecFor("vae", "standard-normal") with { Likelihood = likelihood };
        var ex = Assert.Throws<InvalidSettingException>(() => ObjectiveSettings.Validate(spec, new TrainingOptions { Binarization = LatentSharp.Data.Binarization.Static }));
        Assert.Equal(nameof(TrainingOptions.Binarization), ex.Setting);
        ObjectiveSettings.Validate(spec, new TrainingOptions());
        ObjectiveSettings.Validate(spec with { Likelihood = "bernoulli" }, new TrainingOptions { Binarization = LatentSharp.Data.Binarization.Dynamic });
        Assert.Throws<InvalidSettingException>(() => new Trainer(ModelCatalog.Build(spec, new Rng(1)), new TrainingOptions { Binarization = LatentSharp.Data.Binarization.Dynamic }));
    }

    [Theory]
    [InlineData("vae")]
    [InlineData("cvae")]
    [InlineData("ae")]
    public void GatedActivation_BuildsTrainsAndRoundTripsThroughACheckpoint(string kind)
    {
        Assert.Equal("gated", ModelCatalog.Configure(kind, [new("activation", "gated")]).Activation);
        ModelSpec spec = SpecFor(kind, "standard-normal") with { Activation = "gated" };
        BuildsTrainsAndRoundTrips(spec, $"{kind}-gated");
        LatentModel model = ModelCatalog.Build(spec, new Rng(1));
        Assert.Contains("encoder.0.g.weight", model.NamedParameters().Select(np => np.Name));
        Assert.Equal(ModelCatalog.Get(kind).EstimatedParameters(spec), model.ParameterCount, 0.2 * model.ParameterCount);
    }

    [Fact]
    public void GatedActivation_OfAConvolutionalKind_IsRefusedNamingTheMlpKinds()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Configure("conv-vae", [new("activation", "gated")]));
        Assert.Equal(nameof(ModelSpec.Activation), ex.Setting);
        Assert.Contains("vae", ex.Message);
    }

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
        Tensor x = ModelTestData.Images(5, spec.Dimensions, 2);
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
        if (model.As<IGenerative>() is { } generative && model.Has<ILikelihood>())
        {
            Assert.Equal(model.Terms(x, new Rng(4), condition: condition).Elbo.Data,
                loaded.Terms(x, new Rng(4), condition: condition).Elbo.Data);
            Assert.Equal(generative.Sample(4, new Rng(5)).Data, loaded.Require<IGenerative>("sampling").Sample(4, new Rng(5)).Data);
        }
        else
        {
            Assert.Equal(model.Loss(x, new Rng(4), Objective.Elbo).Item(), loaded.Loss(x, new Rng(4), Objective.Elbo).Item());
        }
    }

    [Fact]
    public void Available_ListsEveryKind_AndPriorsAreNamed()
    {
        Assert.Equal(["vae", "ae", "conv-vae", "cvae", "hvae", "conv-hvae", "pixelcnn", "gated-pixelcnn", "cgated-pixelcnn", "row-lstm", "diagonal-bilstm"], ModelCatalog.Available.Select(k => k.Kind));
        Assert.Equal(["standard-normal", "mog", "vamp", "realnvp"], ModelCatalog.Priors.Select(p => p.Name));
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

    public static TheoryData<string, string> Descriptions => new()
    {
        { "vae", "vae 1x8x8 → [8] → 3 (relu, bernoulli, mog prior K=3)" },
        { "ae", "ae 1x8x8 → [8] → 3 (relu, bce)" },
        { "conv-vae", "conv-vae 1x8x8 → conv [4, 8] → 3 (relu, bernoulli, mog prior K=3)" },
        { "cvae", "cvae 1x8x8 → [8] → 3 (relu, bernoulli, mog prior K=3, 4 classes)" },
        { "hvae", "hvae 1x8x8 → [8] → z [3, 2] (relu, bernoulli)" },
        { "conv-hvae", "conv-hvae 1x8x8 → conv [4, 8] + [8] → z [3, 2] (relu, bernoulli)" },
        { "pixelcnn", "pixelcnn 1x8x8 → masked conv 4 channels, 7x7 type A + 1 residual 3x3 type B → Bernoulli logits per pixel" },
        { "gated-pixelcnn", "gated-pixelcnn 1x8x8 → gated stacks 4 channels, 7x7 type A + 1 gated 3x3 type B → Bernoulli logits per pixel" },
        { "cgated-pixelcnn", "cgated-pixelcnn 1x8x8 → gated stacks 4 channels, 7x7 type A + 1 gated 3x3 type B, class bias (4 classes) → Bernoulli logits per pixel" },
    };

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void Describe_EachKind_GivesTheLineOfItsEntry(string kind, string expected)
    {
        string prior = kind is "vae" or "conv-vae" or "cvae" ? "mog" : "standard-normal";
        Assert.Equal(expected, SpecFor(kind, prior).ToString());
    }

    [Fact]
    public void Configure_KindDefaults_ComeFromTheEntry()
    {
        Assert.Equal("bce", ModelCatalog.Configure("ae", []).Likelihood);
        Assert.Equal("bernoulli", ModelCatalog.Configure("vae", []).Likelihood);
        Assert.Equal([64, 32], ModelCatalog.Configure("hvae", []).LatentSizes);
        ModelSpec spec = ModelCatalog.Configure("conv-vae", [new("latent", 4), new("conv-channels", new[] { 8, 16 }), new("likelihood", "gaussian")]);
        Assert.Equal((4, "gaussian"), (spec.LatentSize, spec.Likelihood));
        Assert.Equal([8, 16], spec.ConvChannels);
        Assert.Equal(new ModelSpec { Kind = "vae" }.ToJson(), ModelCatalog.Configure("vae", []).ToJson());   // the stored format of a default run is unchanged
    }

    [Theory]
    [InlineData("vae", "latent-sizes", "LatentSizes", "hvae or conv-hvae")]
    [InlineData("hvae", "latent", "LatentSize", "vae, ae, conv-vae or cvae")]
    [InlineData("conv-vae", "hidden", "Hidden", "vae, ae, cvae, hvae or conv-hvae")]
    [InlineData("ae", "prior", "Prior", "vae, conv-vae or cvae")]
    public void Configure_SettingTheKindDoesNotUse_IsRefusedNamingTheKindsThatDo(string kind, string option, string setting, string kinds)
    {
        object value = ModelCatalog.Kinds.SelectMany(k => k.Options).First(o => o.Name == option).ValueIn(new ModelSpec());
        var ex = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Configure(kind, [new(option, value)]));
        Assert.Equal(setting, ex.Setting);
        Assert.Contains(kinds, ex.Message);
    }

    [Theory]
    [InlineData("ae", "likelihood", "bernoulli", "bce, mse")]
    [InlineData("vae", "likelihood", "pixelcnn", "conv-vae or conv-hvae")]
    [InlineData("cvae", "prior", "vamp", "unconditional")]
    public void Configure_ValueOfAnotherKind_IsRefusedBeforeTheData(string kind, string option, string value, string expected)
    {
        var ex = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Configure(kind, [new(option, value)]));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Validate_HierarchicalKindWithAOneLayerPrior_IsRefusedWithoutTheData()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Validate(new ModelSpec { Kind = "hvae", Prior = "mog" }));
        Assert.Equal(nameof(ModelSpec.Prior), ex.Setting);
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Validate(new ModelSpec { Kind = "hvae", LatentSizes = [8] }));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Validate(new ModelSpec { Kind = "pixelcnn", PixelCnnChannels = 1 }));
    }

    [Fact]
    public void ForData_OnlyAConditionalKind_TakesTheClasses()
    {
        Assert.Equal([("cvae", 10), ("cgated-pixelcnn", 10)], ModelCatalog.Kinds.Where(k => k.IsConditional).Select(k => (k.Name, ModelCatalog.ForData(k.Defaults, 1, 28, 28, 10).Classes)));
        Assert.Equal((0, 14, 12), ModelCatalog.ForData(new ModelSpec { Kind = "vae" }, 1, 14, 12, 10) is var s ? (s.Classes, s.Height, s.Width) : default);
    }

    public static TheoryData<string> KindsWithALatentSpace => new() { "vae", "conv-vae", "cvae", "ae", "hvae", "conv-hvae" };

    [Theory]
    [MemberData(nameof(KindsWithALatentSpace))]
    public void EveryKindWithALatentSpace_OnColourImagesNotSquare_BuildsTrainsAndRoundTrips(string kind)
    {
        ModelSpec spec = ModelCatalog.ForData(SpecFor(kind, "standard-normal"), 3, 8, 4, 4);
        BuildsTrainsAndRoundTrips(spec, $"{kind}-colour");
        LatentModel model = ModelCatalog.Build(spec, new Rng(1));
        using var _ = Tensor.NoGrad();
        Tensor decoded = model.Require<ILatentSpace>("the test").Decode(Tensor.Zeros(2, model.Require<ILatentSpace>("the test").LatentSize), model.Condition([0, 1]));
        Assert.Equal([2, 3 * 8 * 4], decoded.Shape);
    }

    [Theory]
    [InlineData("conv-vae")]
    [InlineData("conv-hvae")]
    public void ForData_ConvolutionalKind_SizeItsConvolutionsCannotHalve_IsRefusedNamingTheSetting(string kind)
    {
        var ex = Assert.Throws<InvalidSettingException>(() => ModelCatalog.ForData(SpecFor(kind, "standard-normal"), 3, 30, 30, 0));
        Assert.Equal(nameof(ModelSpec.ConvChannels), ex.Setting);
        Assert.Contains("divisible by 4; the images are 30x30", ex.Message);
        Assert.Equal(3, ModelCatalog.ForData(SpecFor(kind, "standard-normal"), 3, 32, 12, 0).Channels);
    }

    [Fact]
    public void ForData_PixelCnnOnColourImages_IsRefused()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => ModelCatalog.ForData(SpecFor("pixelcnn", "standard-normal"), 3, 8, 8, 0));
        Assert.Equal(nameof(ModelSpec.Kind), ex.Setting);
        Assert.Contains("needs single-channel binarized images; these are 3x8x8", ex.Message);
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(SpecFor("pixelcnn", "standard-normal") with { Channels = 3 }, new Rng(1)));
    }

    [Theory]
    [InlineData("conv-vae")]
    [InlineData("conv-hvae")]
    public void ForData_PixelCnnLikelihoodOnColourImages_IsRefused(string kind)
    {
        var ex = Assert.Throws<InvalidSettingException>(() => ModelCatalog.ForData(SpecFor(kind, "standard-normal") with { Likelihood = "pixelcnn" }, 3, 8, 8, 0));
        Assert.Equal(nameof(ModelSpec.Likelihood), ex.Setting);
        Assert.Contains("needs single-channel binarized images", ex.Message);
    }

    [Fact]
    public void EstimatedParameters_OfAConvVae_CountsTheInnermostMapsOnce()
    {
        // Colour adds input channels to the first convolution only: the flattened maps after it have the same size.
        ModelSpec grey = ModelCatalog.ForData(Small with { Kind = "conv-vae" }, 1, 32, 32, 0), colour = grey with { Channels = 3 };
        ModelKind entry = ModelCatalog.Get("conv-vae");
        Assert.Equal(2 * 16.0 * 2 * 4, entry.EstimatedParameters(colour) - entry.EstimatedParameters(grey));
    }

    [Fact]
    public void EveryOption_ReadsAndWritesTheSpecFieldItNames()
    {
        foreach (ModelKind kind in ModelCatalog.Kinds)
        {
            foreach (ModelOption option in kind.Options)
            {
                var property = typeof(ModelSpec).GetProperty(option.Setting);
                Assert.True(property is not null, $"{kind.Name}: {option.Name} names no ModelSpec property");
                Assert.Equal(property!.PropertyType, option.ValueType);
                Assert.Equal(property.GetValue(kind.Defaults), option.ValueIn(kind.Defaults));
                object changed = option.ValueType == typeof(int) ? 7 : option.ValueType == typeof(float) ? 0.5f : option.ValueType == typeof(int[]) ? new[] { 7, 5 } : option.Choices.Last();
                Assert.Equal(changed, property.GetValue(option.With(kind.Defaults, changed)));
                Assert.All(option.Choices.Count > 0 ? [option.Format(kind.Defaults)] : Array.Empty<string>(), d => Assert.Contains(d, option.Choices));
            }
        }
    }

    [Fact]
    public void ModelsAndTraining_StringLiterals_NameNoCommandLineFlag()
    {
        string library = Path.Combine(Repository.Root, "src", "LatentSharp");
        var flags = new List<string>();
        foreach (string folder in new[] { "Models", "Training" })
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(library, folder), "*.cs", SearchOption.AllDirectories))
            {
                foreach (var (line, number) in File.ReadLines(file).Select((l, i) => (l, i + 1)))
                {
                    if (line.TrimStart().StartsWith("//", StringComparison.Ordinal)) continue;
                    foreach (Match m in Regex.Matches(line, "\"[^\"]*--[a-z][^\"]*\""))
                        flags.Add($"{Path.GetRelativePath(library, file)}:{number}: {m.Value}");
                }
            }
        }
        Assert.Empty(flags);
    }

}
