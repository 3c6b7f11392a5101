using LatentSharp.Cli;
using LatentSharp.Models;
using LatentSharp.Nn;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Models;

public sealed class GatedPixelCnnTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-gated-pixelcnn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // 5×5 images: the 7×7 first layer and two 3×3 layers reach every earlier pixel.
    private static ModelSpec Spec(int height, int width, int classes = 0) => new()
    {
        Kind = classes > 0 ? "cgated-pixelcnn" : "gated-pixelcnn", Height = height, Width = width, PixelCnnChannels = 8, PixelCnnBlocks = 2, Classes = classes,
    };

    private static GatedPixelCnn Build(ModelSpec spec, ulong seed = 1) => (GatedPixelCnn)ModelCatalog.Build(spec, new Rng(seed));

    private static Tensor BinaryImages(int n, int d, ulong seed)
    {
        var x = Tensor.Zeros(n, d);
        var rng = new Rng(seed);
        for (int i = 0; i < x.Length; i++) x.Data[i] = rng.NextFloat() < 0.4f ? 1f : 0f;
        return x;
    }

    /// <summary>
    /// Flips each input pixel j of one image in turn and compares the logits: returns the pairs (output i, input j) with
    /// i ≤ j whose logit moved (it must not) and the pairs with i &gt; j whose logit did not (a blind spot).
    /// </summary>
    private static (List<(int Output, int Input)> SeesItselfOrLater, List<(int Output, int Input)> Blind) ReceptiveField(Func<Tensor, Tensor> logits, int d)
    {
        using var _ = Tensor.NoGrad();
        Tensor x = BinaryImages(1, d, 2);
        float[] reference = logits(x).Data[..d];
        var seesLater = new List<(int, int)>();
        var blind = new List<(int, int)>();
        for (int j = 0; j < d; j++)
        {
            Tensor flipped = Tensor.FromArray(x.Data[..d], 1, d);
            flipped.Data[j] = 1f - flipped.Data[j];
            float[] moved = logits(flipped).Data;
            for (int i = 0; i < d; i++)
            {
                bool changed = moved[i] != reference[i];
                if (i <= j && changed) seesLater.Add((i, j));
                if (i > j && !changed) blind.Add((i, j));
            }
        }
        return (seesLater, blind);
    }

    /// <summary>
    /// The categorical head's output layer starts at zero weights: a fresh model gives every pixel of every image the same
    /// logits (its biases), and one training step makes them depend on the image, through gradients that reach the
    /// layers below. The Bernoulli head keeps its random start.
    /// </summary>
    [Fact]
    public void CategoricalHead_StartsAtItsBiases_AndLearnsFromTheImageAfterOneStep()
    {
        ModelSpec spec = Spec(4, 4) with { Likelihood = "categorical" };
        GatedPixelCnn model = Build(spec);
        var x = Tensor.Zeros(2, 16);
        var rng = new Rng(3);
        for (int i = 0; i < x.Length; i++) x.Data[i] = MathF.Floor(rng.NextFloat() * 256f) / 255f;
        float[] before;
        using (Tensor.NoGrad()) before = model.Logits(x, null).Data;
        int perImage = before.Length / 2;
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i - i % 16], before[i]);   // [B, 256, 4, 4]: one value per plane
        Assert.Equal(before.AsSpan(0, perImage).ToArray(), before.AsSpan(perImage, perImage).ToArray());
        Assert.All(model.NamedParameters().Where(p => p.Name == "output.weight"), p => Assert.All(p.Parameter.Data.AsSpan(0, p.Parameter.Length).ToArray(), v => Assert.Equal(0f, v)));

        model.ZeroGrad();
        model.LogLikelihood(x, null).Sum().Backward();
        var adam = new LatentSharp.Optim.Adam(model.Parameters(), 1e-2f);
        adam.Step();
        float[] after;
        using (Tensor.NoGrad()) after = model.Logits(x, null).Data;
        Assert.NotEqual(after.AsSpan(0, perImage).ToArray(), after.AsSpan(perImage, perImage).ToArray());

        Assert.Contains(Build(Spec(4, 4)).NamedParameters(), p => p.Name == "output.weight" && p.Parameter.Data.AsSpan(0, p.Parameter.Length).IndexOfAnyExcept(0f) >= 0);
    }

    [Fact]
    public void Logits_MoveOnlyWithEarlierPixels_AndWithEveryOneOfThem()
    {
        GatedPixelCnn model = Build(Spec(5, 5));
        var (seesLater, blind) = ReceptiveField(x => model.Logits(x), 25);
        Assert.True(seesLater.Count == 0, $"outputs that see their own or a later pixel: {string.Join(", ", seesLater)}");
        Assert.True(blind.Count == 0, $"outputs blind to an earlier pixel: {string.Join(", ", blind)}");
    }

    [Fact]
    public void ConditionalLogits_AreCausalForEveryClass_AndDependOnTheClass()
    {
        GatedPixelCnn model = Build(Spec(5, 5, classes: 3));
        for (int label = 0; label < 3; label++)
        {
            Tensor condition = model.Condition([label])!;
            var (seesLater, blind) = ReceptiveField(x => model.Logits(x, condition), 25);
            Assert.Empty(seesLater);
            Assert.Empty(blind);
        }
        using var _ = Tensor.NoGrad();
        Tensor image = BinaryImages(1, 25, 3);
        Assert.NotEqual(model.Logits(image, model.Condition([0])).Data, model.Logits(image, model.Condition([1])).Data);
    }

    [Fact]
    public void SimplePixelCnn_IsBlindAboveRight_WhereTheGatedOneSees()
    {
        // The simple PixelCNN's stacked masked 3×3 layers never reach right in the row above beyond its 7×7 first layer:
        // on a 5×5 image, pixel (4, 0) is blind to pixel (3, 4), however many blocks it has.
        var simple = (PixelCnn)ModelCatalog.Build(new ModelSpec { Kind = "pixelcnn", Height = 5, Width = 5, PixelCnnChannels = 8, PixelCnnBlocks = 4 }, new Rng(1));
        var (simpleSeesLater, simpleBlind) = ReceptiveField(x => simple.Logits(x), 25);
        Assert.Empty(simpleSeesLater);
        Assert.Contains((4 * 5 + 0, 3 * 5 + 4), simpleBlind);

        GatedPixelCnn gated = Build(Spec(5, 5));
        Assert.DoesNotContain((4 * 5 + 0, 3 * 5 + 4), ReceptiveField(x => gated.Logits(x), 25).Blind);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Probabilities_OfAllBinaryImages_SumToOne(int classes)
    {
        // All 2^6 binary 2×3 images: the autoregressive factors are normalised, so p sums to 1 (for every class).
        GatedPixelCnn model = Build(Spec(2, 3, classes));
        const int d = 6, count = 1 << d;
        var images = new float[count * d];
        for (int image = 0; image < count; image++)
        for (int i = 0; i < d; i++)
            images[image * d + i] = (image >> i) & 1;
        using var _ = Tensor.NoGrad();
        for (int label = 0; label < Math.Max(1, classes); label++)
        {
            Tensor? condition = model.Condition(Enumerable.Repeat(label, count).ToArray());
            float[] logP = model.LogLikelihood(Tensor.FromArray((float[])images.Clone(), count, d), condition).Data;
            double total = logP.Take(count).Sum(v => Math.Exp(v));
            Assert.Equal(1.0, total, 5);
        }
    }

    [Fact]
    public void ParameterGradients_MatchFiniteDifferences()
    {
        GatedPixelCnn model = Build(Spec(3, 3, classes: 2) with { PixelCnnChannels = 2, PixelCnnBlocks = 1 });
        Tensor x = BinaryImages(2, 9, 4);
        Tensor condition = model.Condition([0, 1])!;

        GradCheck.CheckParameters(model, () => model.LogLikelihood(x, condition), minimumWithGradient: 100);
    }

    [Fact]
    public void InputGradients_MatchFiniteDifferences()
    {
        GatedPixelCnn model = Build(Spec(3, 3) with { PixelCnnChannels = 2, PixelCnnBlocks = 1 });
        GradCheck.Check(t => model.Logits(t[0]), [GradCheck.Param(5, 0f, 1f, 2, 9)]);
    }

    [Fact]
    public void Checkpoint_RoundTrip_KeepsTheLikelihoodAndTheSamples()
    {
        GatedPixelCnn model = Build(Spec(4, 4, classes: 3));
        string path = Path.Combine(_dir, "gated.safetensors");
        Checkpoint.Save(path, model);
        var loaded = (GatedPixelCnn)Checkpoint.Load(path).Model;
        Assert.Equal(model.Spec.ToJson(), loaded.Spec.ToJson());
        Tensor x = BinaryImages(3, 16, 8);
        Tensor condition = model.Condition([0, 1, 2])!;
        using (Tensor.NoGrad())
            Assert.Equal(model.LogLikelihood(x, condition).Data, loaded.LogLikelihood(x, condition).Data);
        Assert.Equal(model.Sample(6, new Rng(7)).Data, loaded.Sample(6, new Rng(7)).Data);
    }

    [Fact]
    public void ConditionalSample_DrawsRowIFromClassIModC()
    {
        GatedPixelCnn model = Build(Spec(4, 4, classes: 3));
        Assert.True(model.Has<IConditional>());
        Assert.False(Build(Spec(4, 4)).Has<IConditional>());
        Tensor images = model.Sample(6, new Rng(7));
        Assert.Equal(new[] { 6, 16 }, images.Shape.ToArray());
        Assert.All(images.Data, v => Assert.True(v is 0f or 1f));
        Assert.Equal(images.Data, model.Require<IConditional>("test").SampleConditional([0, 1, 2, 0, 1, 2], new Rng(7)).Data);
        Assert.Throws<ArgumentException>(() => model.Logits(BinaryImages(1, 16, 1)));   // a conditional model needs the labels
    }

    [Fact]
    public void TermsAndImportanceWeights_AreTheExactLogLikelihood_AndThereIsNoLatentSpace()
    {
        GatedPixelCnn model = Build(Spec(4, 4));
        Tensor x = BinaryImages(3, 16, 9);
        ModelTerms terms = model.Terms(x, new Rng(1));
        Assert.Equal(TermsKind.Exact, terms.Kind);
        Tensor logW;
        using (Tensor.NoGrad()) logW = model.LogImportanceWeights(x, 4, new Rng(1));
        for (int r = 0; r < 3; r++)
        for (int k = 0; k < 4; k++)
            Assert.Equal(terms.LogLikelihood!.Data[r], logW.Data[r * 4 + k], 5);
        Assert.False(model.Has<ILatentSpace>());
        Assert.True(model.Has<IExactLikelihood>());
        Assert.Throws<ArgumentException>(() => model.Loss(x, new Rng(1), Objective.Iwae(5)));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Spec(4, 4) with { Channels = 3 }, new Rng(1)));
    }

    [Fact]
    public void StackConv_KeepsTheTapsOfItsStack()
    {
        Assert.Equal(3, new StackConv2d(1, 1, 3, PixelStack.Vertical, MaskType.A, new Rng(1)).KeptTaps);
        Assert.Equal(6, new StackConv2d(1, 1, 3, PixelStack.Vertical, MaskType.B, new Rng(1)).KeptTaps);
        Assert.Equal(1, new StackConv2d(1, 1, 3, PixelStack.Horizontal, MaskType.A, new Rng(1)).KeptTaps);
        Assert.Equal(2, new StackConv2d(1, 1, 3, PixelStack.Horizontal, MaskType.B, new Rng(1)).KeptTaps);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StackConv2d(1, 1, 1, PixelStack.Vertical, MaskType.A, new Rng(1)));
    }

    // About 40 s alone, most of it drawing the 64 sample images pixel by pixel. `latent sample` on the conditional kind is
    // in CommandCapabilityTests, which runs every command on every kind.
    [Fact]
    public void OneEpochThroughTheCommandLine_TrainsAndSamples()
    {
        const string kind = "gated-pixelcnn";
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandRunner.Invoke(LatentCommand.Create(),
            ["train", "--kind", kind, "--epochs", "1", "--binarize", "static", "--gated-channels", "4", "--gated-layers", "1", "--threads", "2", "-o", _dir],
            output, error);
        Assert.True(code == CommandRunner.Ok, error.ToString());
        Assert.Contains($"{kind} 1x28x28 → gated stacks 4 channels", output.ToString());
        LatentModel model = Checkpoint.Load(Path.Combine(_dir, Trainer.LatestCheckpoint)).Model;
        Assert.True(model.Has<IExactLikelihood>());

        string samples = Path.Combine(_dir, "samples.png");
        code = CommandRunner.Invoke(LatentCommand.Create(),
            ["sample", "-m", Path.Combine(_dir, Trainer.LatestCheckpoint), "--count", "4", "--columns", "2", "-o", samples, "--threads", "2"], new StringWriter(), error);
        Assert.True(code == CommandRunner.Ok, error.ToString());
        Assert.True(File.Exists(samples));
    }
}
