using LatentSharp.Data;
using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Nn;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Models;

public sealed class PixelCnnTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-pixelcnn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // 6×6 images: the 7×7 first layer and two 3×3 blocks reach every earlier pixel.
    private static readonly ModelSpec Tiny = new() { Kind = "pixelcnn", Height = 6, Width = 6, PixelCnnChannels = 6, PixelCnnBlocks = 2 };

    private static PixelCnn Build() => (PixelCnn)ModelCatalog.Build(Tiny, new Rng(1));

    private static Tensor BinaryImages(int n, ulong seed)
    {
        var x = Tensor.Zeros(n, 36);
        var rng = new Rng(seed);
        for (int i = 0; i < x.Length; i++) x.Data[i] = rng.NextFloat() < 0.4f ? 1f : 0f;
        return x;
    }

    [Fact]
    public void OutputPixel_DependsOnlyOnEarlierInputPixels()
    {
        PixelCnn model = Build();
        Tensor x = BinaryImages(1, 2).AsParameter();
        for (int i = 0; i < 36; i++)
        {
            x.ZeroGrad();
            model.Logits(x).Slice(1, i, 1).Sum().Backward();
            float[] g = x.Grad!;
            for (int j = i; j < 36; j++) Assert.True(g[j] == 0f, $"logit {i} has gradient {g[j]} with respect to input {j} (not before it)");
            if (i > 0) Assert.True(g.Take(i).Any(v => v != 0f), $"logit {i} ignores every earlier pixel");
        }
    }

    [Fact]
    public void LogitsOfTheFirstRows_EqualThoseOfTheWholeImage()
    {
        PixelCnn model = Build();
        Tensor x = BinaryImages(2, 3);
        using var _ = Tensor.NoGrad();
        float[] full = model.Logits(x).Data;
        for (int rows = 1; rows <= 6; rows++)
        {
            int width = rows * 6;
            var top = new float[2 * width];
            for (int r = 0; r < 2; r++) x.Data.AsSpan(r * 36, width).CopyTo(top.AsSpan(r * width));
            float[] partial = model.LogitsOfFirstRows(Tensor.FromArray(top, 2, width), rows).Data;
            for (int r = 0; r < 2; r++)
            for (int i = 0; i < width; i++)
                Assert.Equal(full[r * 36 + i], partial[r * width + i], 5);
        }
    }

    [Fact]
    public void MaskedConv_OneByOneTypeA_IsRefused()
    {
        // Its only tap is the centre, which type A hides: an empty tap mask, which Conv2d would read as every tap.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MaskedConv2d(2, 3, 1, MaskType.A, new Rng(4)));
        Assert.Contains("type A", error.Message);
        Assert.Equal(1, new MaskedConv2d(2, 3, 1, MaskType.B, new Rng(4)).KernelSize);
    }

    [Theory]
    [InlineData(MaskType.A)]
    [InlineData(MaskType.B)]
    public void MaskedConv_SeesOnlyEarlierPixels_AndItsHiddenTapsGetNoGradient(MaskType type)
    {
        var conv = new MaskedConv2d(2, 3, 3, type, new Rng(4));
        Tensor x = GradCheck.Param(5, -1f, 1f, 1, 2, 4, 4);
        for (int i = 0; i < 16; i++)
        {
            x.ZeroGrad();
            conv.ZeroGrad();
            conv.Forward(x).Slice(1, 1, 1).Reshape(16).Slice(0, i, 1).Sum().Backward();
            for (int c = 0; c < 2; c++)
            {
                ReadOnlySpan<float> g = x.Grad.AsSpan(c * 16, 16);
                for (int j = i + 1; j < 16; j++) Assert.Equal(0f, g[j]);
                if (type == MaskType.A) Assert.Equal(0f, g[i]);
                else Assert.NotEqual(0f, g[i]);
            }
            for (int w = 0; w < conv.Weight.Length; w++)
                if (conv.Mask.Data[w] == 0f) Assert.Equal(0f, conv.Weight.Grad![w]);
        }
        Assert.Equal(type == MaskType.A ? 4 : 5, conv.Mask.Data.Take(9).Count(m => m == 1f));
    }

    [Fact]
    public void Nll_IsTheSumOfThePerPixelBces_AndEveryImportanceWeightIsTheExactLogLikelihood()
    {
        PixelCnn model = Build();
        Tensor x = BinaryImages(3, 6);
        using var _ = Tensor.NoGrad();
        float[] logits = model.Logits(x).Data;
        var expected = new double[3];
        for (int r = 0; r < 3; r++)
        for (int i = 0; i < 36; i++)
        {
            double p = 1 / (1 + Math.Exp(-logits[r * 36 + i]));
            expected[r] -= x.Data[r * 36 + i] == 1f ? Math.Log(p) : Math.Log(1 - p);
        }
        var metrics = new TermSums();
        float loss = ModelTestData.Loss(model, x, new Rng(1), Objective.Elbo, metrics).Item();
        Assert.Equal(expected.Average(), metrics.Mean("nll"), 3);
        Assert.Equal(expected.Average(), loss, 3);

        ModelTerms terms = model.Terms(x, new Rng(1));
        Tensor logW = model.LogImportanceWeights(x, 4, new Rng(1));
        Assert.Equal(new[] { 3, 4 }, logW.Shape.ToArray());
        for (int r = 0; r < 3; r++)
        {
            Assert.Equal(-expected[r], terms.Elbo.Data[r], 3);
            Assert.Equal(0f, terms.Kl.Data[r]);
            for (int k = 0; k < 4; k++) Assert.Equal(terms.LogLikelihood!.Data[r], logW.Data[r * 4 + k]);
        }

        // The unchanged evaluator reports the exact NLL, whatever K.
        var nll = new ImportanceSampledNll(samples: 10, chunkSize: 3, batchSize: 2).Evaluate(ModelLogWeights.For(model), x.Data, 3, 36, new Rng(2));
        Assert.Equal(expected.Average(), nll.NatsPerImage, 3);
    }

    [Fact]
    public void Sample_DrawsBinaryImages_AndThroughACheckpointTheSameOnes()
    {
        PixelCnn model = Build();
        Tensor images = model.Sample(5, new Rng(7));
        Assert.Equal(new[] { 5, 36 }, images.Shape.ToArray());
        Assert.All(images.Data, v => Assert.True(v is 0f or 1f));

        string path = Path.Combine(_dir, "pixelcnn.safetensors");
        Checkpoint.Save(path, model);
        var loaded = (PixelCnn)Checkpoint.Load(path).Model;
        Assert.Equal(model.Spec.ToJson(), loaded.Spec.ToJson());
        Assert.Equal(images.Data, loaded.Sample(5, new Rng(7)).Data);
        Tensor x = BinaryImages(4, 8);
        using var _ = Tensor.NoGrad();
        Assert.Equal(model.LogLikelihood(x).Data, loaded.LogLikelihood(x).Data);
    }

    [Fact]
    public void EvaluationBatchSize_IsCappedByActivationMemory()
    {
        // The default PixelCNN holds hundreds of thousands of floats of feature maps per image in a gradient-free pass
        // (its residual blocks keep theirs in cache, image by image): a 1,000-image evaluation batch would take
        // gigabytes. The MLP VAE's few thousand floats per image leave 1,000 as asked.
        LatentModel pixelCnn = ModelCatalog.Build(new ModelSpec { Kind = "pixelcnn" }, new Rng(1));
        int capped = pixelCnn.EvaluationBatchSize(1000);
        Assert.InRange(capped, 8, 500);
        Assert.Equal(capped, pixelCnn.EvaluationBatchSize(1000));   // measured once
        Assert.Equal(3, pixelCnn.EvaluationBatchSize(3));
        LatentModel vae = ModelCatalog.Build(new ModelSpec { Kind = "vae" }, new Rng(1));
        Assert.Equal(1000, vae.EvaluationBatchSize(1000));
    }

    [Fact]
    public void LatentSpaceAndObjectivesThatDoNotApply_AreRejectedWithAReason()
    {
        PixelCnn model = Build();
        Assert.False(model.Has<ILatentSpace>());
        Assert.IsNotAssignableFrom<ILatentSpace>(model);
        Tensor x = BinaryImages(2, 9);
        string refusal = Assert.Throws<UnsupportedByModelException>(() => model.Require<ILatentSpace>("latent traverse")).Message;
        Assert.Equal("latent traverse needs a model with a latent space; the pixelcnn has none.", refusal);
        Assert.Throws<ArgumentException>(() => model.Loss(x, new Rng(1), Objective.Iwae(5)));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Tiny with { Channels = 3 }, new Rng(1)));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Tiny with { Likelihood = "gaussian" }, new Rng(1)));
    }

    [Fact]
    public void ModelEvaluation_ReportsTheExactNll_AndSkipsTheLatentParts()
    {
        PixelCnn model = Build();
        Dataset Split(string name, ulong seed) =>
            new(name, 12, 6, 6, BinaryImages(12, seed).Data, Enumerable.Range(0, 12).Select(i => i % 3).ToArray(), ["a", "b", "c"]);
        var data = new DataSplits(Split("train", 20), Split("test", 21));

        EvaluationReport report = ModelEvaluation.Run(model, data, new EvaluationOptions { Samples = 7, Binarize = true, Probe = true });

        double exact;
        using (Tensor.NoGrad()) exact = -model.LogLikelihood(Tensor.FromArray(data.Test.Pixels, 12, 36)).Data.Average(v => (double)v);
        Assert.Equal(exact, report.NllNats!.Value, 3);
        Assert.Equal(-exact, report.Elbo!.Value, 3);
        Assert.Equal(0, report.Kl!.Value);
        Assert.Null(report.ActiveUnits);
        Assert.Null(report.LatentDimensions);
        Assert.Contains(report.Notes!, n => n.Contains("no latent space"));
    }

    [Fact]
    public void OneEpochOnTheShippedSample_LowersTheTestNll()   // 300 images, about 1–2 s on the loaded 2-core machine
    {
        DataSplits sample = new DatasetResolver().Load("sample");
        var data = new DataSplits(sample.Train.Subset(Enumerable.Range(0, 300).ToArray()), sample.Test.Subset(Enumerable.Range(0, 100).ToArray()));
        var spec = new ModelSpec { Kind = "pixelcnn", PixelCnnChannels = 8, PixelCnnBlocks = 1 };
        var options = new TrainingOptions { Epochs = 1, BatchSize = 50, LearningRate = 1e-2f, Seed = 3, Binarization = Binarization.Dynamic };
        var trainer = new Trainer(ModelCatalog.Build(spec, new Rng(2)), options);
        double before = trainer.Evaluate(data.Test.Binarize(new Rng(20_141_222))).Metrics["nll"];

        TrainingState state = trainer.Fit(data);

        double after = state.Test!.Metrics["nll"];
        Assert.True(after < before - 40, $"test NLL {before:F1} → {after:F1} after one epoch");
        Assert.Equal(0, state.History[^1].ActiveUnits);
        Assert.Equal(-state.History[^1].Validation["nll"], state.History[^1].Score);
    }
}
