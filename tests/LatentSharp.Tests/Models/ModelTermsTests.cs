using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Models;

/// <summary>The shape of the terms every model kind gives: B = 3 examples, S = 2 draws, K = 4 importance samples.</summary>
public class ModelTermsTests
{
    private static readonly ModelSpec Small = new() { Height = 8, Width = 8, LatentSize = 3, Hidden = [8], ConvChannels = [4, 8], PixelCnnChannels = 4, PixelCnnBlocks = 1 };

    private static LatentModel Build(string kind) => ModelCatalog.Build(Small with
    {
        Kind = kind,
        Classes = kind == "cvae" ? 4 : 0,
        Likelihood = kind == "ae" ? "bce" : "bernoulli",
        LatentSizes = kind == "hvae" ? [3, 2] : [],
        LatentSize = kind == "hvae" ? 5 : Small.LatentSize,
    }, new Rng(1));

    [Theory]
    [InlineData("vae", 1)]
    [InlineData("cvae", 1)]
    [InlineData("conv-vae", 1)]
    [InlineData("hvae", 2)]
    public void Terms_LatentVariableModel_GiveLogLikelihoodAndOneKlPerLayer(string kind, int layers)
    {
        LatentModel model = Build(kind);
        Tensor x = ModelTestData.Images(3, 64, 2);
        Tensor? condition = model.Condition([0, 1, 2]);
        using var _ = Tensor.NoGrad();

        ModelTerms terms = model.Terms(x, new Rng(3), samples: 2, condition: condition);
        Assert.Equal(TermsKind.Bound, terms.Kind);
        Assert.Equal(3, terms.Examples);
        Assert.Equal([3], terms.LogLikelihood!.Shape.ToArray());
        Assert.Equal(layers, terms.KlPerLayer.Count);
        Assert.Equal(layers, terms.KlPerDimension!.Count);
        Assert.Equal([3], terms.Kl.Shape.ToArray());
        Assert.Equal([3], terms.Elbo.Shape.ToArray());
        Assert.Null(terms.Importance);

        ModelTerms weighted = model.Terms(x, new Rng(3), importanceSamples: 4, condition: condition);
        Assert.Null(weighted.LogLikelihood);
        Assert.Equal([12], weighted.Importance!.LogLikelihood.Shape.ToArray());
        Assert.Equal([12], weighted.Importance.LogRatio.Shape.ToArray());
        Assert.Equal([3, 4], weighted.Importance.LogWeights.Shape.ToArray());
    }

    [Theory]
    [InlineData("ae", TermsKind.Reconstruction)]
    [InlineData("pixelcnn", TermsKind.Exact)]
    public void Terms_ExactOrDeterministicModel_GiveALogLikelihoodAndNoKl(string kind, TermsKind expected)
    {
        LatentModel model = Build(kind);
        using var _ = Tensor.NoGrad();
        ModelTerms terms = model.Terms(ModelTestData.Images(3, 64, 2), new Rng(3));
        Assert.Equal(expected, terms.Kind);
        Assert.True(terms.IsExactOrDeterministic);
        Assert.Equal([3], terms.LogLikelihood!.Shape.ToArray());
        Assert.Empty(terms.KlPerLayer);
        Assert.Null(terms.KlPerDimension);
        Assert.Equal(new float[3], terms.Kl.Data);
    }
}
