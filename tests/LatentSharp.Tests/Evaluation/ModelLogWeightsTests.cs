using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Evaluation;

public class ModelLogWeightsTests
{
    /// <summary>Six 4x4 binary images of very different densities, so per-image values differ by many nats.</summary>
    private static float[] Images()
    {
        var rng = new Rng(10);
        var x = new float[6 * 16];
        double[] density = [0.05, 0.95, 0.5, 0.2, 0.8, 0.35];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 16; j++) x[i * 16 + j] = rng.NextDouble() < density[i] ? 1f : 0f;
        return x;
    }

    private static double[] NegativeElbo(LatentModel model, float[] x, int n, int samples)
    {
        using (Tensor.NoGrad())
        {
            ModelTerms terms = model.Terms(Tensor.FromArray((float[])x.Clone(), n, 16), new Rng(99), samples);
            return terms.Elbo.Data.Select(v => -(double)v).ToArray();
        }
    }

    [Fact]
    public void TinyVae_ImportanceSampledNll_IsAtMostNegativeElboPerImage()
    {
        LatentModel model = ModelCatalog.Build(new ModelSpec { Height = 4, Width = 4, LatentSize = 2, Hidden = [8] }, new Rng(1));
        model.Eval();
        float[] x = Images();
        double[] negativeElbo = NegativeElbo(model, x, 6, samples: 4000); // se of the mean over 4000 draws is ~0.01 nats

        // Batches of 4 (so the last batch is partial) and chunks of 64 exercise the adapter's copying and the LSE merge.
        var evaluator = new ImportanceSampledNll(samples: 1000, chunkSize: 64, batchSize: 4);
        NllEstimate nll = evaluator.Evaluate(ModelLogWeights.For(model), x, 6, 16, new Rng(2));
        Assert.Equal(NllConvention.Discrete, nll.Convention);
        for (int i = 0; i < 6; i++)
            Assert.True(nll.PerImage[i] <= negativeElbo[i] + 0.05, $"image {i}: NLL {nll.PerImage[i]} vs −ELBO {negativeElbo[i]}");
        Assert.True(nll.NatsPerImage <= negativeElbo.Average(), $"NLL {nll.NatsPerImage} vs −ELBO {negativeElbo.Average()}");

        // K = 1 averaged over many seeds estimates −ELBO itself: checks the adapter keeps rows and samples in place.
        double[] single = new double[6];
        const int seeds = 400;
        for (int s = 0; s < seeds; s++)
        {
            double[] logP = new ImportanceSampledNll(samples: 1, batchSize: 4).LogMarginals(ModelLogWeights.For(model), x, 6, 16, new Rng((ulong)s + 100));
            for (int i = 0; i < 6; i++) single[i] -= logP[i] / seeds;
        }
        for (int i = 0; i < 6; i++) Assert.Equal(negativeElbo[i], single[i], 0.25);
    }

    [Fact]
    public void For_Autoencoder_ExplainsItHasNoLikelihood()
    {
        LatentModel model = ModelCatalog.Build(new ModelSpec { Kind = "ae", Likelihood = "bce", Height = 4, Width = 4, LatentSize = 2, Hidden = [8] }, new Rng(1));
        var error = Assert.Throws<UnsupportedByModelException>(() => ModelLogWeights.For(model));
        Assert.Contains("needs a model with a likelihood; the ae has none", error.Message);
    }
}
