using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Models;

public sealed class PixelRnnTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ls-pixelrnn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Kinds => new() { "row-lstm", "diagonal-bilstm" };

    private static ModelSpec Spec(string kind, int height, int width, int hidden = 6, int layers = 2) => new()
    {
        Kind = kind, Height = height, Width = width, PixelCnnChannels = hidden, PixelCnnBlocks = layers,
    };

    private static PixelRnn Build(ModelSpec spec, ulong seed = 1) => (PixelRnn)ModelCatalog.Build(spec, new Rng(seed));

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
    private static (List<(int Output, int Input)> SeesItselfOrLater, List<(int Output, int Input)> Blind) ReceptiveField(PixelRnn model, int d)
    {
        using var _ = Tensor.NoGrad();
        var seesLater = new List<(int, int)>();
        var blind = new List<(int, int)>();
        foreach (ulong seed in new ulong[] { 2, 3 })
        {
            Tensor x = BinaryImages(1, d, seed);
            float[] reference = model.Logits(x).Data[..d];
            for (int j = 0; j < d; j++)
            {
                Tensor flipped = Tensor.FromArray(x.Data[..d], 1, d);
                flipped.Data[j] = 1f - flipped.Data[j];
                float[] moved = model.Logits(flipped).Data;
                for (int i = 0; i < d; i++)
                {
                    bool changed = moved[i] != reference[i];
                    if (i <= j && changed) seesLater.Add((i, j));
                    if (i > j && !changed) blind.Add((i, j));
                }
            }
        }
        return (seesLater, [.. blind.GroupBy(p => p).Where(g => g.Count() == 2).Select(g => g.Key)]);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Logits_NeverMoveWithTheirOwnOrALaterPixel(string kind)
    {
        foreach ((int height, int width, int layers) in new[] { (5, 5, 1), (5, 5, 3), (4, 9, 2), (9, 3, 2) })
        {
            var (seesLater, _) = ReceptiveField(Build(Spec(kind, height, width, layers: layers)), height * width);
            Assert.True(seesLater.Count == 0, $"{kind} {height}x{width}, {layers} layers: outputs that see their own or a later pixel: {string.Join(", ", seesLater)}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void DiagonalBiLstm_IsBlindOnlyToTheLastPixelOfTheRowAbove_BeyondTheFirstLayersReach(int layers)
    {
        // 5×5: the left LSTM sees F up to its own column in the rows above, and F at (r − 1, j) never holds pixel
        // (r − 1, j) itself (type A); the right LSTM, shifted down a row, sees F of row r − 1 from column j on, which holds
        // every pixel of that row but its last. So output (r, j) misses pixel (r − 1, W − 1) unless the 7×7 first layer
        // reaches it (3 columns right): on 5×5, output (r, 0) and nothing else, whatever the depth.
        var (_, blind) = ReceptiveField(Build(Spec("diagonal-bilstm", 5, 5, layers: layers)), 25);
        Assert.Equal(new List<(int, int)> { (5, 4), (10, 9), (15, 14), (20, 19) }, blind.Select(p => (p.Output, p.Input)));
    }

    [Fact]
    public void RowLstm_IsBlindAboveRight_BeyondItsTriangle()
    {
        // The Row LSTM's field above is a triangle: one layer on 5×5, pixel (4, 0) misses (3, 4), beyond both its state
        // kernel (one column a row) and the 7×7 first layer (three), but sees (3, 3).
        var (_, blind) = ReceptiveField(Build(Spec("row-lstm", 5, 5, layers: 1)), 25);
        Assert.Contains((4 * 5 + 0, 3 * 5 + 4), blind);
        Assert.DoesNotContain((4 * 5 + 0, 3 * 5 + 3), blind);
        Assert.DoesNotContain((4 * 5 + 1, 4 * 5 + 0), blind);
    }

    [Fact]
    public void DiagonalBiLstm_WithoutLayers_IsTheFirstConvolutionAlone_AndOneLayerReachesFurther()
    {
        // Pixel (6, 6) of an 8×8 image: the 7×7 type-A layer reaches rows 3–6 only; the diagonal LSTM reaches row 0.
        var (_, none) = ReceptiveField(Build(Spec("diagonal-bilstm", 8, 8, layers: 0)), 64);
        var (_, one) = ReceptiveField(Build(Spec("diagonal-bilstm", 8, 8, layers: 1)), 64);
        Assert.Contains((6 * 8 + 6, 0 * 8 + 0), none);
        Assert.DoesNotContain((6 * 8 + 6, 0 * 8 + 0), one);
        Assert.DoesNotContain((6 * 8 + 6, 0 * 8 + 7), one);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Probabilities_OfAllBinary3x3Images_SumToOne(string kind)
    {
        PixelRnn model = Build(Spec(kind, 3, 3, hidden: 4, layers: 2));
        const int d = 9, count = 1 << d;
        var images = new float[count * d];
        for (int image = 0; image < count; image++)
        for (int i = 0; i < d; i++)
            images[image * d + i] = (image >> i) & 1;
        using var _ = Tensor.NoGrad();
        float[] logP = model.LogLikelihood(Tensor.FromArray(images, count, d)).Data;
        double total = logP.Take(count).Sum(v => Math.Exp(v));
        Assert.Equal(1.0, total, 5);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void LogitsOfTheFirstRows_EqualThoseOfTheWholeImage(string kind)
    {
        PixelRnn model = Build(Spec(kind, 5, 4));
        Tensor x = BinaryImages(2, 20, 3);
        using var _ = Tensor.NoGrad();
        float[] full = model.Logits(x).Data;
        for (int rows = 1; rows <= 5; rows++)
        {
            int width = rows * 4;
            var top = new float[2 * width];
            for (int r = 0; r < 2; r++) x.Data.AsSpan(r * 20, width).CopyTo(top.AsSpan(r * width));
            float[] partial = model.LogitsOfFirstRows(Tensor.FromArray(top, 2, width), rows).Data;
            for (int r = 0; r < 2; r++)
            for (int i = 0; i < width; i++)
                Assert.Equal(full[r * 20 + i], partial[r * width + i], 5);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ParameterGradients_MatchFiniteDifferences(string kind)
    {
        PixelRnn model = Build(Spec(kind, 3, 4, hidden: 2, layers: 2));
        Tensor x = BinaryImages(2, 12, 4);
        GradCheck.CheckParameters(model, () => model.LogLikelihood(x), minimumWithGradient: 200, label: kind);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void InputGradients_MatchFiniteDifferences(string kind)
    {
        PixelRnn model = Build(Spec(kind, 3, 4, hidden: 2, layers: 1));
        GradCheck.Check(t => model.Logits(t[0]), [GradCheck.Param(5, 0f, 1f, 2, 12)]);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Checkpoint_RoundTrip_KeepsTheLikelihoodAndTheSamples(string kind)
    {
        PixelRnn model = Build(Spec(kind, 4, 5));
        string path = Path.Combine(_dir, $"{kind}.safetensors");
        Checkpoint.Save(path, model);
        var loaded = (PixelRnn)Checkpoint.Load(path).Model;
        Assert.Equal(model.GetType(), loaded.GetType());
        Assert.Equal(model.Spec.ToJson(), loaded.Spec.ToJson());
        Tensor x = BinaryImages(3, 20, 8);
        using (Tensor.NoGrad())
            Assert.Equal(model.LogLikelihood(x).Data, loaded.LogLikelihood(x).Data);
        Tensor images = model.Sample(4, new Rng(7));
        Assert.Equal(new[] { 4, 20 }, images.Shape.ToArray());
        Assert.All(images.Data, v => Assert.True(v is 0f or 1f));
        Assert.Equal(images.Data, loaded.Sample(4, new Rng(7)).Data);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TermsAreExact_ParametersAreAsEstimated_AndColourIsRefused(string kind)
    {
        ModelSpec spec = Spec(kind, 4, 4, hidden: 5, layers: 3);
        PixelRnn model = Build(spec);
        ModelTerms terms = model.Terms(BinaryImages(2, 16, 9), new Rng(1));
        Assert.Equal(TermsKind.Exact, terms.Kind);
        Assert.False(model.Has<ILatentSpace>());
        Assert.True(model.Has<IExactLikelihood>());
        Assert.Equal(ModelCatalog.Get(kind).EstimatedParameters(spec), model.ParameterCount);
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(spec with { Channels = 3 }, new Rng(1)));
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Validate(spec with { PixelCnnChannels = 0 }));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void OneEpochOnTheShippedSample_LowersTheTestNll(string kind)   // 100 images, five steps
    {
        DataSplits sample = new DatasetResolver().Load("sample");
        var data = new DataSplits(sample.Train.Subset(Enumerable.Range(0, 100).ToArray()), sample.Test.Subset(Enumerable.Range(0, 50).ToArray()));
        var spec = new ModelSpec { Kind = kind, PixelCnnChannels = 4, PixelCnnBlocks = 1 };
        var options = new TrainingOptions { Epochs = 1, BatchSize = 20, LearningRate = 2e-2f, Seed = 3, Binarization = Binarization.Dynamic };
        var trainer = new Trainer(ModelCatalog.Build(spec, new Rng(2)), options);
        double before = trainer.Evaluate(data.Test.Binarize(new Rng(20_141_222))).Metrics["nll"];

        TrainingState state = trainer.Fit(data);

        double after = state.Test!.Metrics["nll"];
        Assert.True(after < before - 25, $"{kind}: test NLL {before:F1} → {after:F1} after one epoch");
    }
}
