using LatentSharp.Imaging;
using LatentSharp.Models;
using LatentSharp.Reports;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Models;

/// <summary>What each kind of the catalog can do, said by its capabilities, and the one refusal when it cannot.</summary>
[Collection(ModelCatalogCollection.Name)]
public sealed class CapabilityTests
{
    /// <summary>A tiny model of every kind on <paramref name="height"/>×<paramref name="width"/> images.</summary>
    public static ModelSpec TinySpec(string kind, int height = 8, int width = 8) => new()
    {
        Kind = kind,
        Height = height,
        Width = width,
        Hidden = [8],
        ConvChannels = [4],
        PixelCnnChannels = 4,
        PixelCnnBlocks = 1,
        Classes = kind is "cvae" or "cgated-pixelcnn" ? 10 : 0,
        Likelihood = kind == "ae" ? "bce" : "bernoulli",
        LatentSizes = kind.EndsWith("hvae", StringComparison.Ordinal) ? [3, 2] : [],
        LatentSize = kind.EndsWith("hvae", StringComparison.Ordinal) ? 5 : 3,
    };

    /// <summary>The capabilities of each kind; a kind added to the catalog must be added here.</summary>
    private static readonly Dictionary<string, Type[]> Expected = new()
    {
        ["vae"] = [typeof(ILatentSpace), typeof(IGenerative), typeof(IHasPrior), typeof(ILikelihood), typeof(IEncoderDecoder)],
        ["ae"] = [typeof(ILatentSpace), typeof(IEncoderDecoder)],
        ["conv-vae"] = [typeof(ILatentSpace), typeof(IGenerative), typeof(IHasPrior), typeof(ILikelihood), typeof(IEncoderDecoder)],
        ["cvae"] = [typeof(ILatentSpace), typeof(IGenerative), typeof(IHasPrior), typeof(IConditional), typeof(ILikelihood), typeof(IEncoderDecoder)],
        ["hvae"] = [typeof(ILatentSpace), typeof(IGenerative), typeof(IHasPrior), typeof(ILayeredLatents), typeof(ILikelihood)],
        ["conv-hvae"] = [typeof(ILatentSpace), typeof(IGenerative), typeof(IHasPrior), typeof(ILayeredLatents), typeof(ILikelihood)],
        ["pixelcnn"] = [typeof(IGenerative), typeof(ILikelihood), typeof(IExactLikelihood)],
        ["gated-pixelcnn"] = [typeof(IGenerative), typeof(ILikelihood), typeof(IExactLikelihood)],
        ["cgated-pixelcnn"] = [typeof(IGenerative), typeof(IConditional), typeof(ILikelihood), typeof(IExactLikelihood)],
        ["row-lstm"] = [typeof(IGenerative), typeof(ILikelihood), typeof(IExactLikelihood)],
        ["diagonal-bilstm"] = [typeof(IGenerative), typeof(ILikelihood), typeof(IExactLikelihood)],
    };

    public static TheoryData<string> Kinds => new(ModelCatalog.Available.Select(k => k.Kind));

    [Fact]
    public void EveryKindOfTheCatalog_HasItsCapabilitiesListed() =>
        Assert.Equal(ModelCatalog.Available.Select(k => k.Kind).Order(), Expected.Keys.Order());

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Kind_HasExactlyItsCapabilities_AndRefusesTheOthersNamingTheCommand(string kind)
    {
        LatentModel model = ModelCatalog.Build(TinySpec(kind), new Rng(1));
        Assert.Equal(Expected[kind], ModelCapabilities.Of(model));
        foreach (Type capability in ModelCapabilities.All.Except(Expected[kind]))
        {
            var refusal = Assert.Throws<UnsupportedByModelException>(() => RequireByType(model, capability, "latent frobnicate"));
            Assert.StartsWith("latent frobnicate needs ", refusal.Message);
            Assert.Contains($"the {kind} ", refusal.Message);
        }
    }

    [Fact]
    public void Vae_WithoutClasses_IsNotConditional_ThoughTheConditionalVaeSharesItsClass()
    {
        LatentModel plain = ModelCatalog.Build(TinySpec("vae"), new Rng(1));
        LatentModel conditional = ModelCatalog.Build(TinySpec("cvae"), new Rng(1));
        Assert.Same(plain.GetType(), conditional.GetType());
        Assert.IsNotAssignableFrom<IConditional>(plain);
        Assert.Null(plain.Condition([0, 1]));
        Assert.Equal(new[] { 2, 10 }, conditional.Condition([0, 1])!.Shape.ToArray());
        Assert.Contains("conditioned on 10 classes",
            Assert.Throws<UnsupportedByModelException>(() => conditional.RequireUnconditional("latent embed")).Message);
        plain.RequireUnconditional("latent embed");
    }

    [Fact]
    public void LayerCodes_SliceTheConcatenatedCodesOfALayer()
    {
        var model = (ILayeredLatents)ModelCatalog.Build(TinySpec("hvae"), new Rng(1));   // layers of 3 and 2
        float[] codes = Enumerable.Range(0, 10).Select(i => (float)i).ToArray();           // two codes of 5
        Assert.Equal((0, 3, 3, 2), (model.LayerOffset(1), model.LayerSize(1), model.LayerOffset(2), model.LayerSize(2)));
        Assert.Equal([0f, 1, 2, 5, 6, 7], model.LayerCodes(codes, 2, 1));
        Assert.Equal([3f, 4, 8, 9], model.LayerCodes(codes, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.LayerCodes(codes, 2, 3));
    }

    [Fact]
    public void HierarchicalVae_HasAPrior_ForItsFrameAndPixelDraws()
    {
        LatentModel model = ModelCatalog.Build(TinySpec("hvae"), new Rng(1));
        var prior = model.Require<IHasPrior>("test");
        Tensor z = prior.SamplePrior(6, new Rng(4));
        Assert.Equal(new[] { 6, 5 }, z.Shape.ToArray());
        Assert.Equal(prior.Sample(6, new Rng(4)).Data, prior.Decode(z).Data);   // Sample decodes the same ancestral draws

        LatentFrame frame = LatentFrame.For(model, [], 0);
        Assert.Contains("ladder prior", frame.Description);
        Image image = LatentFigures.SamplesWithPixelDraws(model, 4, new Rng(2), 2);
        Assert.True(image.Width > 0);
    }

    [Theory]
    [InlineData(1, "z0 (one latent dimension)")]
    [InlineData(2, "z0, z1")]
    [InlineData(5, "principal axes 1 and 2")]
    public void LatentPlane_ShowsSmallCodesAsTheyAre_AndWideOnesOnTheirPrincipalAxes(int latentSize, string axes)
    {
        var rng = new Rng(3);
        int n = 40;
        float[] codes = Enumerable.Range(0, n * latentSize).Select(_ => (float)rng.NextGaussian()).ToArray();
        LatentPlane plane = LatentPlane.Fit(codes, n, latentSize);
        Assert.StartsWith(axes, plane.Axes);
        float[] points = plane.Project(codes, n);
        Assert.Equal(2 * n, points.Length);
        float[] back = plane.CodeAt(points[0], points[1]);
        Assert.Equal(latentSize, back.Length);
        if (latentSize <= 2) Assert.Equal(codes.AsSpan(0, latentSize).ToArray(), back);
        else Assert.Equal(plane.Project(back, 1), points.AsSpan(0, 2).ToArray(), (a, b) => Math.Abs(a - b) < 1e-4);   // a point maps back onto itself
    }

    [Fact]
    public void CodeSource_OfAnAutoencoder_DrawsFromAGaussianFittedToTheCodes()
    {
        LatentModel ae = ModelCatalog.Build(TinySpec("ae") with { LatentSize = 2 }, new Rng(1));
        float[] codes = [1, 10, 3, 10, 1, 12, 3, 12];   // four codes of 2: means 2 and 11
        CodeSource source = CodeSource.For(ae, codes, 4, "the test codes");
        Assert.False(source.IsPrior);
        Assert.Contains("fitted to the test codes", source.Description);
        float[] draws = source.Sample(2000, new Rng(5));
        Assert.Equal(2.0, Enumerable.Range(0, 2000).Average(i => draws[2 * i]), 0.1);
        Assert.Equal(11.0, Enumerable.Range(0, 2000).Average(i => draws[2 * i + 1]), 0.1);

        CodeSource prior = CodeSource.For(ModelCatalog.Build(TinySpec("vae"), new Rng(1)), [], 0);
        Assert.True(prior.IsPrior);
        Assert.Equal("the prior (standard-normal)", prior.Description);
        Assert.Throws<UnsupportedByModelException>(() => CodeSource.For(ModelCatalog.Build(TinySpec("pixelcnn"), new Rng(1)), [], 0));
    }

    private static void RequireByType(LatentModel model, Type capability, string command)
    {
        if (capability == typeof(ILatentSpace)) model.Require<ILatentSpace>(command);
        else if (capability == typeof(IGenerative)) model.Require<IGenerative>(command);
        else if (capability == typeof(IHasPrior)) model.Require<IHasPrior>(command);
        else if (capability == typeof(ILayeredLatents)) model.Require<ILayeredLatents>(command);
        else if (capability == typeof(IConditional)) model.Require<IConditional>(command);
        else if (capability == typeof(ILikelihood)) model.Require<ILikelihood>(command);
        else if (capability == typeof(IExactLikelihood)) model.Require<IExactLikelihood>(command);
        else if (capability == typeof(IEncoderDecoder)) model.Require<IEncoderDecoder>(command);
        else throw new ArgumentException($"No test for {capability.Name}.", nameof(capability));
    }
}
