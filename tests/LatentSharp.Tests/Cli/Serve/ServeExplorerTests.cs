using LatentSharp.Cli;
using LatentSharp.Cli.Serving;
using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Cli.Serve;

/// <summary>The explorer's model-side pieces on a model with more latent dimensions than the scatter has axes.</summary>
public sealed class ServeExplorerTests
{
    private static Dataset SmallTestSet()
    {
        Dataset test = new DatasetResolver().Load("sample").Test;
        int n = 200;
        return new Dataset("sample/test", n, test.Rows, test.Cols, test.Pixels.AsSpan(0, n * test.Dimensions).ToArray(), test.Labels[..n], test.ClassNames);
    }

    [Fact]
    public async Task Explorer_LatentAbove2_ProjectsOnPrincipalAxesAndMapsClicksBackToFullCodes()
    {
        var spec = new ModelSpec { Kind = "vae", LatentSize = 20, Hidden = [16] };
        using Explorer explorer = Explorer.Create(ModelCatalog.Build(spec, new Rng(3)), SmallTestSet());

        Assert.StartsWith("principal axes 1 and 2", explorer.EmbeddingAxes);
        Assert.Equal(2 * 200, explorer.Embedding.Length);
        Assert.Equal(Explorer.MaxSliders, explorer.SliderDimensions.Length);
        double[] shown = explorer.SliderDimensions.Select(j => explorer.Variances[j]).ToArray();
        Assert.Equal(shown.OrderByDescending(v => v), shown);                                   // most active first
        Assert.True(explorer.Variances.Where((_, j) => !explorer.SliderDimensions.Contains(j)).All(v => v <= shown[^1]));

        float[] origin = explorer.CodeAt(0f, 0f);                                                // the projection's origin is the mean code
        Assert.Equal(20, origin.Length);
        for (int j = 0; j < 20; j++) Assert.Equal(explorer.CodeMeans[j], origin[j], 1e-4);
        Assert.Equal(28 * 28, (await explorer.DecodeAsync(origin)).Length);
    }

    [Fact]
    public void Explorer_ModelAndDataOfDifferentSizes_FailsNamingBoth()
    {
        var spec = new ModelSpec { Kind = "vae", Height = 14, Width = 14, LatentSize = 2, Hidden = [8] };
        var e = Assert.Throws<UsageException>(() => Explorer.Create(ModelCatalog.Build(spec, new Rng(1)), SmallTestSet()));
        Assert.Contains("14x14", e.Message);
        Assert.Contains("28x28", e.Message);
    }

    [Fact]
    public async Task Explorer_Autoencoder_SamplesFromAGaussianFittedToTheCodes()
    {
        var spec = new ModelSpec { Kind = "ae", LatentSize = 3, Hidden = [16], Likelihood = "bce" };
        using Explorer explorer = Explorer.Create(ModelCatalog.Build(spec, new Rng(5)), SmallTestSet());
        Assert.Contains("fitted to the test codes", explorer.SampleSource);
        float[] codes = await explorer.SampleCodesAsync(4, seed: 9);
        Assert.Equal(12, codes.Length);
        Assert.Equal(codes, await explorer.SampleCodesAsync(4, seed: 9));
    }
}
