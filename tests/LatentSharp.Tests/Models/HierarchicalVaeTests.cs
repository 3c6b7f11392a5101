using LatentSharp.Data;
using LatentSharp.Distributions;
using LatentSharp.Imaging;
using LatentSharp.Models;
using LatentSharp.Reports;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Models;

public sealed class HierarchicalVaeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-hvae-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // 4×4 images, z_1 of 3 and z_2 of 2 dimensions.
    private static readonly ModelSpec Tiny = new() { Kind = "hvae", Height = 4, Width = 4, LatentSizes = [3, 2], LatentSize = 5, Hidden = [8] };

    private static HierarchicalVae Build(ModelSpec? spec = null) => (HierarchicalVae)ModelCatalog.Build(spec ?? Tiny, new Rng(1));

    private static Tensor Images(int n, ulong seed) => ModelTestData.Images(n, 16, seed);

    [Fact]
    public void Loss_Backward_ReachesEveryParameter()
    {
        HierarchicalVae model = Build(Tiny with { LatentSizes = [3, 2, 2], LatentSize = 7 });
        Assert.Equal(3, model.Layers);
        model.ZeroGrad();
        model.Loss(Images(6, 2), new Rng(3), new Objective(Beta: 0.5f)).Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.True(p.Grad is not null, $"{name} has no gradient");
            Assert.True(p.Grad!.Take(p.Length).Any(g => g != 0f), $"{name}: the gradient is zero");
        }
        Assert.Contains(model.NamedParameters(), np => np.Name == "down2.0.weight");
    }

    [Fact]
    public void Elbo_IsLogLikelihoodMinusTheSumOfTheLayerKls_AndTheMetricsAgree()
    {
        HierarchicalVae model = Build();
        Tensor x = Images(5, 4);
        using var _ = Tensor.NoGrad();
        ModelTerms terms = model.Terms(x, new Rng(5));
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(terms.LogLikelihood!.Data[i] - terms.Kl.Data[i], terms.Elbo.Data[i], 4);
            Assert.True(terms.Kl.Data[i] >= 0f, $"KL {terms.Kl.Data[i]} of row {i} is negative");
        }

        // The same draws through Loss: elbo = reconstruction − kl, kl = kl1 + kl2, loss = −elbo at β = 1.
        var metrics = new TermSums();
        float loss = ModelTestData.Loss(model, x, new Rng(5), Objective.Elbo, metrics).Item();
        Assert.Equal(terms.Elbo.Data.Average(), metrics.Mean("elbo"), 3);
        Assert.Equal(metrics.Mean("kl1") + metrics.Mean("kl2"), metrics.Mean("kl"), 4);
        Assert.Equal(metrics.Mean("reconstruction") - metrics.Mean("kl"), metrics.Mean("elbo"), 4);
        Assert.Equal(-metrics.Mean("elbo"), loss, 3);
        Assert.True(metrics.Mean("kl1") > 0 && metrics.Mean("kl2") > 0);
    }

    [Fact]
    public void Combine_IsThePrecisionWeightedGaussianProduct_AndItsKlMatchesTheFormula()
    {
        Tensor muHat = Tensor.FromArray([0.5f, -2f, 3f], 1, 3), logVarHat = Tensor.FromArray([0f, 1.5f, -4f], 1, 3);
        Tensor muP = Tensor.FromArray([-1f, 0.2f, 3.5f], 1, 3), logVarP = Tensor.FromArray([-0.7f, 0f, 2f], 1, 3);
        DiagonalNormal q = HierarchicalVae.Combine(muHat, logVarHat, muP, logVarP);
        Tensor kl = HierarchicalVae.KlPerDimension(q, muP, logVarP);
        for (int j = 0; j < 3; j++)
        {
            double precisionHat = Math.Exp(-logVarHat.Data[j]), precisionP = Math.Exp(-logVarP.Data[j]);
            double varQ = 1 / (precisionHat + precisionP);
            double meanQ = (muHat.Data[j] * precisionHat + muP.Data[j] * precisionP) * varQ;
            Assert.Equal(Math.Log(varQ), q.LogVariance.Data[j], 4);
            Assert.Equal(meanQ, q.Mean.Data[j], 4);
            double varP = Math.Exp(logVarP.Data[j]);
            double expected = 0.5 * (Math.Log(varP / varQ) + (varQ + (meanQ - muP.Data[j]) * (meanQ - muP.Data[j])) / varP - 1);
            Assert.Equal(expected, kl.Data[j], 4);
        }
    }

    [Fact]
    public void LogImportanceWeights_AverageToTheClosedFormElbo_AndTheirBoundIsAboveIt()
    {
        // E_q[log w] = ELBO: the closed-form layer KLs agree with log q − log p at the samples, up to Monte Carlo error.
        HierarchicalVae model = Build();
        Tensor x = Images(3, 6);
        using var _ = Tensor.NoGrad();
        const int k = 4_000;
        Tensor logW = model.LogImportanceWeights(x, k, new Rng(7));
        Assert.Equal(new[] { 3, k }, logW.Shape.ToArray());
        float[] elbo = model.Terms(x, new Rng(8), samples: k).Elbo.Data;
        for (int i = 0; i < 3; i++)
        {
            var row = logW.Data.AsSpan(i * k, k).ToArray().Select(v => (double)v).ToArray();
            double mean = row.Average();
            Assert.InRange(mean, elbo[i] - 0.3, elbo[i] + 0.3);
            double max = row.Max();
            double bound = max + Math.Log(row.Sum(v => Math.Exp(v - max)) / k);
            Assert.True(bound > mean, $"row {i}: the importance-weighted bound {bound:F3} should be above the ELBO {mean:F3}");
        }
    }

    [Fact]
    public void FreeBitsAndBeta_ChangeTheLossNotTheReportedElbo()
    {
        HierarchicalVae model = Build();
        Tensor x = Images(8, 9);
        using var _ = Tensor.NoGrad();
        var plain = new TermSums();
        ModelTestData.Loss(model, x, new Rng(1), Objective.Elbo, plain);
        var noKl = new TermSums();
        float lossBeta = ModelTestData.Loss(model, x, new Rng(1), new Objective(Beta: 0f), noKl).Item();
        float lossFreeBits = model.Loss(x, new Rng(1), new Objective(FreeBits: 100f)).Item();
        Assert.Equal(plain.Mean("elbo"), noKl.Mean("elbo"), 5);
        Assert.Equal(-plain.Mean("reconstruction"), lossBeta, 3);
        Assert.Equal(-plain.Mean("reconstruction") + 100f * (3 + 2), lossFreeBits, 2);   // every dimension of both layers under λ
    }

    [Fact]
    public void IwaeObjective_RecordsABoundAboveTheElbo()
    {
        HierarchicalVae model = Build();
        var metrics = new TermSums();
        using var _ = Tensor.NoGrad();
        float loss = ModelTestData.Loss(model, Images(8, 10), new Rng(2), Objective.Iwae(16), metrics).Item();
        Assert.Equal(-metrics.Mean("iwae"), loss, 3);
        Assert.True(metrics.Mean("iwae") >= metrics.Mean("elbo"));
    }

    [Fact]
    public void EncodeDecodeAndSample_HaveTheDocumentedShapes()
    {
        HierarchicalVae model = Build();
        Tensor x = Images(4, 11);
        using var _ = Tensor.NoGrad();
        Tensor codes = model.Encode(x);
        Assert.Equal(new[] { 4, 5 }, codes.Shape.ToArray());
        Assert.Equal(5, model.LatentSize);
        Assert.Equal(new[] { 4, 16 }, model.Decode(codes).Shape.ToArray());
        Assert.Equal(model.Decode(codes).Data, model.Decode(codes.Slice(1, 0, 3)).Data);   // only z_1 reaches x
        Assert.Equal(new[] { 4, 16 }, model.DecodeFromLayer(2, codes.Slice(1, 3, 2)).Shape.ToArray());
        Assert.Equal(new[] { 6, 16 }, model.Sample(6, new Rng(1)).Shape.ToArray());
        Assert.Throws<ArgumentException>(() => model.DecodeFromLayer(2, codes));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Tiny with { LatentSizes = [4] }, new Rng(1)));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Tiny with { Prior = "mog" }, new Rng(1)));
    }

    [Fact]
    public void LayerTraversals_DrawOneLabelledRowPerDimension_AndTheTopLayerMovesTheImage()
    {
        HierarchicalVae model = Build();
        float[] image = Images(1, 13).Data;
        var top = LayerTraversals.Render(model, image, layer: 2, steps: 5);
        var expected = new ImageGrid().Render(new float[2 * 5 * 16], 2 * 5, 4, 4, 5, ["z2[0]", "z2[1]"]);
        Assert.Equal((expected.Width, expected.Height), (top.Width, top.Height));
        Assert.NotEqual(expected.Pixels, top.Pixels);

        // Moving a layer-2 dimension changes the decoded image through p(z_1 | z_2).
        using var _ = Tensor.NoGrad();
        Tensor z2 = Tensor.FromArray([-3f, 0f, 3f, 0f], 2, 2);
        float[] decoded = model.DecodeFromLayer(2, z2).Data;
        Assert.NotEqual(decoded.AsSpan(0, 16).ToArray(), decoded.AsSpan(16, 16).ToArray());
        Assert.Throws<ArgumentException>(() => LayerTraversals.Render(model, image, layer: 1, dimensions: [3]));
    }

    [Fact]
    public void DefaultLatentSizes_AreFilledInAndTheSpecRoundTripsThroughACheckpoint()
    {
        var model = Build(new ModelSpec { Kind = "hvae", Height = 4, Width = 4, Hidden = [8] });
        Assert.Equal(ModelSpec.DefaultLatentSizes, model.Spec.LatentSizes);
        Assert.Equal(ModelSpec.DefaultLatentSizes.Sum(), model.LatentSize);

        HierarchicalVae tiny = Build();
        string path = Path.Combine(_dir, "hvae.safetensors");
        Checkpoint.Save(path, tiny);
        var loaded = (HierarchicalVae)Checkpoint.Load(path).Model;
        Assert.Equal(tiny.Spec.ToJson(), loaded.Spec.ToJson());
        Tensor x = Images(4, 12);
        using var _ = Tensor.NoGrad();
        Assert.Equal(tiny.Terms(x, new Rng(3)).Elbo.Data, loaded.Terms(x, new Rng(3)).Elbo.Data);
        Assert.Equal(tiny.LogImportanceWeights(x, 5, new Rng(4)).Data, loaded.LogImportanceWeights(x, 5, new Rng(4)).Data);
    }

    [Fact]
    public void TwoEpochsOnTheShippedSample_RaiseTheTestElbo()
    {
        DataSplits sample = new DatasetResolver().Load("sample");
        var data = new DataSplits(sample.Train.Subset(Enumerable.Range(0, 1000).ToArray()), sample.Test.Subset(Enumerable.Range(0, 200).ToArray()));
        var spec = new ModelSpec { Kind = "hvae", LatentSizes = [8, 4], LatentSize = 12, Hidden = [32] };
        var options = new TrainingOptions { Epochs = 2, BatchSize = 100, LearningRate = 3e-3f, Seed = 3, Binarization = Binarization.Dynamic };
        var trainer = new Trainer(ModelCatalog.Build(spec, new Rng(2)), options);
        double before = trainer.Evaluate(data.Test.Binarize(new Rng(20_141_222))).Metrics["elbo"];

        TrainingState state = trainer.Fit(data);

        var last = state.History[^1];
        double after = state.Test!.Metrics["elbo"];
        Assert.True(after > before + 50, $"test ELBO {before:F1} → {after:F1} after two epochs");
        Assert.True(last.Validation["elbo"] > state.History[0].Validation["elbo"], "the second epoch should improve on the first");
        Assert.True(last.Validation.ContainsKey("kl1") && last.Validation.ContainsKey("kl2"));
    }
    // conv-hvae on 8×8 images with z_1 as 2 maps of 4×4 (32 values) and z_2 of 3; tanh keeps the objective smooth.
    private static readonly ModelSpec Maps = new()
    {
        Kind = "conv-hvae", Height = 8, Width = 8, ConvChannels = [4, 6], Hidden = [8], Activation = "tanh",
        LatentMaps = 2, LatentSizes = [3], LatentSize = 35,
    };

    [Fact]
    public void LatentMaps_GradientsMatchFiniteDifferences_AndReachEveryParameter()
    {
        HierarchicalVae model = Build(Maps with { LatentSizes = [3, 2], LatentSize = 37 });
        Assert.Equal((37, 3), (model.LatentSize, model.Layers));
        Assert.Equal("conv-hvae 1x8x8 → conv [4, 6] + [8] → z [2x4x4, 3, 2] (tanh, bernoulli)", model.Spec.ToString());
        Assert.Equal(ModelCatalog.Get("conv-hvae").EstimatedParameters(model.Spec), model.ParameterCount, 0.2 * model.ParameterCount);
        Tensor x = ModelTestData.Images(3, 64, 7);
        GradCheck.CheckParameters(model, () => model.Terms(x, new Rng(5)).Elbo, minimumWithGradient: model.ParameterCount / 2, label: "latent maps");
        model.ZeroGrad();
        model.Loss(x, new Rng(3), Objective.Elbo).Backward();
        foreach (var (name, p) in model.NamedParameters())
            Assert.True(p.Grad!.Take(p.Length).Any(g => g != 0f), $"{name}: the gradient is zero");
    }

    [Fact]
    public void LatentMaps_AreMaps_OneValueOfZ1MovesOnlyThePixelsAroundIt()
    {
        HierarchicalVae model = Build(Maps);
        using var _ = Tensor.NoGrad();
        var z = new float[2 * 35];
        z[35] = 3f;   // image 1: map 0, position (0, 0) of z_1
        float[] decoded = model.Decode(Tensor.FromArray(z, 2, 35)).Data;
        // A 3×3 convolution on the 4×4 maps, then a kernel-4 stride-2 transposed convolution: position (0, 0) reaches
        // map positions (0..1, 0..1) and from them pixel rows and columns 0..4 only.
        for (int r = 0; r < 8; r++)
        for (int c = 0; c < 8; c++)
        {
            float before = decoded[r * 8 + c], after = decoded[64 + r * 8 + c];
            if (r > 4 || c > 4) Assert.Equal(before, after);
        }
        Assert.NotEqual(decoded[0], decoded[64]);
    }

    [Fact]
    public void LatentMaps_RoundTripThroughACheckpoint_AndScoreLlr()
    {
        HierarchicalVae model = Build(Maps);
        string path = Path.Combine(_dir, "maps.safetensors");
        Checkpoint.Save(path, model);
        var loaded = (HierarchicalVae)Checkpoint.Load(path).Model;
        Assert.Equal(model.Spec.ToJson(), loaded.Spec.ToJson());
        Tensor x = ModelTestData.Images(4, 64, 12);
        using var _ = Tensor.NoGrad();
        Assert.Equal(model.LogImportanceWeights(x, 5, new Rng(4)).Data, loaded.LogImportanceWeights(x, 5, new Rng(4)).Data);
        Tensor withPrior = loaded.LogImportanceWeightsWithPriorBelow(x, 5, 1, new Rng(4));
        Assert.Equal([4, 5], withPrior.ShapeArray);
        Assert.All(withPrior.Data, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0, ModelSpec.FromJson("""{"kind":"conv-hvae"}""").LatentMaps);   // older checkpoints: z_1 a vector
    }

    [Fact]
    public void LatentMaps_OnTheWrongKindOrNegative_AreRefused_AndTheSizesListTheLayersAbove()
    {
        Assert.Equal(nameof(ModelSpec.LatentMaps), Assert.Throws<InvalidSettingException>(() => Build(Maps with { LatentMaps = -1 })).Setting);
        var mlp = Assert.Throws<InvalidSettingException>(() => Build(Tiny with { LatentMaps = 2 }));
        Assert.Contains("conv-hvae", mlp.Message);
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Configure("hvae", [new("latent-maps", 2)]));

        // The latent sizes list the layers above the maps: the defaults add two.
        ModelSpec configured = ModelCatalog.Configure("conv-hvae", [new("latent-maps", 8)]);
        var built = (HierarchicalVae)ModelCatalog.Build(ModelCatalog.ForData(configured with { Hidden = [16], ConvChannels = [4, 8] }, 1, 28, 28, 0), new Rng(1));
        Assert.Equal(ModelSpec.DefaultLatentSizes, built.Spec.LatentSizes);
        Assert.Equal((8 * 14 * 14 + ModelSpec.DefaultLatentSizes.Sum(), 3), (built.LatentSize, built.Layers));
        Assert.Contains("z [8x14x14, 64, 32]", built.Spec.ToString());
    }
}
