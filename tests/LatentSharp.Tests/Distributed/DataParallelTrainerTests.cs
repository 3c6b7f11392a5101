using LatentSharp.Data;
using LatentSharp.Distributed;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Training;

namespace LatentSharp.Tests.Distributed;

/// <summary>The data-parallel trainer on ranks emulated in this process (<see cref="LocalGroup"/>), with plain SGD, which, unlike Adam, shows a wrongly scaled gradient.</summary>
public class DataParallelTrainerTests
{
    private static DataSplits Data()
    {
        var random = new Random(7);
        float[] Pixels(int n) => [.. Enumerable.Range(0, n * 36).Select(_ => (float)random.NextDouble())];
        return new DataSplits(new Dataset("synthetic", 60, 6, 6, Pixels(60)), new Dataset("synthetic-test", 10, 6, 6, Pixels(10)));
    }

    private static TrainingOptions Options(float freeBits) => new()
    {
        Epochs = 2, BatchSize = 20, Optimizer = "sgd", LearningRate = 0.05f, ValidationImages = 0, FreeBits = freeBits,
    };

    private static (float[][] Weights, TrainingState State) Train(int ranks, float freeBits)
    {
        DataSplits data = Data();
        var results = LocalGroup.Run(ranks, communicator =>
        {
            LatentModel model = ModelCatalog.Build(new ModelSpec { Height = 6, Width = 6, Hidden = [8], LatentSize = 3 }, new Rng(3));
            TrainingState state = new Trainer(model, Options(freeBits), communicator).Fit(data);
            return ((float[][])[.. model.Parameters().Select(p => p.Data.AsSpan(0, p.Length).ToArray())], state);
        });
        return results[0];
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]   // λ among the dimensions' KL means: shards would clamp other dimensions than the whole batch does
    public void Fit_ThreeRanksAgainstOne_GivesTheSameWeightsUpToRounding(float freeBits)
    {
        var (one, oneState) = Train(1, freeBits);
        var (three, threeState) = Train(3, freeBits);

        for (int i = 0; i < one.Length; i++)
            for (int j = 0; j < one[i].Length; j++)
                Assert.True(Math.Abs(one[i][j] - three[i][j]) <= 1e-5f * (1 + Math.Abs(one[i][j])), $"parameter {i}[{j}]: {one[i][j]} with 1 rank, {three[i][j]} with 3");
        Assert.Equal(oneState.History[^1].Train["elbo"], threeState.History[^1].Train["elbo"], 1e-3);
        Assert.Equal(oneState.History[^1].Train["kl"], threeState.History[^1].Train["kl"], 1e-4);
    }

    [Fact]
    public void Fit_ThreeRanks_GivesEveryRankTheSameWeights()
    {
        DataSplits data = Data();
        float[][][] weights = LocalGroup.Run(3, communicator =>
        {
            // Different initial weights on each rank: rank 0's are broadcast.
            LatentModel model = ModelCatalog.Build(new ModelSpec { Height = 6, Width = 6, Hidden = [8], LatentSize = 3 }, new Rng((ulong)communicator.Rank + 1));
            new Trainer(model, Options(0f), communicator).Fit(data);
            return (float[][])[.. model.Parameters().Select(p => p.Data.AsSpan(0, p.Length).ToArray())];
        });
        for (int r = 1; r < 3; r++)
            for (int i = 0; i < weights[0].Length; i++)
                Assert.True(weights[0][i].AsSpan().SequenceEqual(weights[r][i]), $"rank {r}, parameter {i}");
    }

    [Fact]
    public void Fit_BatchSmallerThanTheRanks_IsRefusedOnEveryRank()
    {
        DataSplits data = Data();
        var error = Assert.Throws<InvalidSettingException>(() => LocalGroup.Run(3, communicator =>
            new Trainer(ModelCatalog.Build(new ModelSpec { Height = 6, Width = 6, Hidden = [8], LatentSize = 3 }, new Rng(3)),
                Options(0f) with { BatchSize = 2 }, communicator).Fit(data)));
        Assert.Equal(nameof(TrainingOptions.BatchSize), error.Setting);
    }
}
