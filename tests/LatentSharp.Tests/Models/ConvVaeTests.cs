using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Models;

public class ConvVaeTests
{
    private static readonly ModelSpec Tiny = new() { Kind = "conv-vae", Height = 8, Width = 8, LatentSize = 3, ConvChannels = [2, 3] };

    [Fact]
    public void Default28x28_HasTheIssuesArchitecture()
    {
        var vae = (Vae)ModelCatalog.Build(new ModelSpec { Kind = "conv-vae", LatentSize = 20 }, new Rng(1));
        var shapes = vae.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Shape.ToArray());
        Assert.Equal(new[] { 32, 1, 4, 4 }, shapes["encoder.1.weight"]);     // 1→32, 28→14
        Assert.Equal(new[] { 64, 32, 4, 4 }, shapes["encoder.3.weight"]);    // 32→64, 14→7
        Assert.Equal(new[] { 40, 64 * 7 * 7 }, shapes["encoder.6.weight"]);  // flatten → 2L
        Assert.Equal(new[] { 64 * 7 * 7, 20 }, shapes["decoder.0.weight"]);  // L → 64×7×7
        Assert.Equal(new[] { 64, 32, 4, 4 }, shapes["decoder.3.weight"]);    // convT 64→32, 7→14
        Assert.Equal(new[] { 32, 1, 4, 4 }, shapes["decoder.5.weight"]);     // convT 32→1, 14→28
        // The same count as the PyTorch module with these layers.
        Assert.Equal(544 + 32_832 + 125_480 + 65_856 + 32_800 + 513, vae.ParameterCount);
    }

    [Fact]
    public void Forward_GivesFlatRowsOfTheImageSize()
    {
        var vae = (Vae)ModelCatalog.Build(Tiny, new Rng(1));
        Tensor x = ModelTestData.Images(5, 64, 2);
        using var _ = Tensor.NoGrad();
        Assert.Equal(new[] { 5, 3 }, vae.Encode(x).Shape.ToArray());
        Assert.Equal(new[] { 5, 64 }, vae.Reconstruct(x).Shape.ToArray());
        Assert.Equal(new[] { 4, 64 }, vae.Sample(4, new Rng(3)).Shape.ToArray());
        Assert.All(vae.Terms(x, new Rng(4)).Elbo.Data, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void AdamSteps_OnOneBatch_RaiseItsElbo()
    {
        var vae = (Vae)ModelCatalog.Build(Tiny, new Rng(1));
        Tensor x = ModelTestData.Images(8, 64, 5);
        var optimizer = new LatentSharp.Optim.Adam(vae.Parameters(), 1e-2f);
        float first = 0, last = 0;
        for (int i = 0; i < 30; i++)
        {
            optimizer.ZeroGrad();
            Tensor loss = vae.Loss(x, new Rng(7), Objective.Elbo);
            if (i == 0) first = loss.Item();
            last = loss.Item();
            loss.Backward();
            optimizer.Step();
        }
        Assert.True(last < first - 1, $"30 steps on one batch should lower its loss: {first} → {last}");
    }

    [Fact]
    public void ImagesNotDivisibleByTheStrides_AreRejectedWithTheReason()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Tiny with { ConvChannels = [2, 3, 4, 5] }, new Rng(1)));
        Assert.Contains("divisible by 16", ex.Message);
        Assert.Throws<InvalidSettingException>(() => ModelCatalog.Build(Tiny with { ConvChannels = [] }, new Rng(1)));
    }
}
