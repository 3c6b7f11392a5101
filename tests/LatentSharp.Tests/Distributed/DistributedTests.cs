using LatentSharp.Distributed;
using LatentSharp.Distributions;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Distributed;

public class DistributedTests
{
    [Fact]
    public void LocalGroup_AllReduceSum_GivesEveryRankTheSumInRankOrder()
    {
        float[][] results = LocalGroup.Run(3, ranks =>
        {
            float[] values = [ranks.Rank + 1, 0.1f * ranks.Rank];
            ranks.AllReduceSum(values);
            return values;
        });
        foreach (float[] r in results)
        {
            Assert.Equal(6f, r[0]);
            Assert.Equal(0f + 0.1f + 0.2f, r[1]);
        }
    }

    [Fact]
    public void LocalGroup_Broadcast_CopiesTheRootsValues()
    {
        float[][] results = LocalGroup.Run(2, ranks =>
        {
            float[] values = [ranks.Rank == 1 ? 7f : 0f];
            ranks.Broadcast(values, root: 1);
            return values;
        });
        Assert.All(results, r => Assert.Equal(7f, r[0]));
    }

    [Fact]
    public void LocalGroup_RankThatThrows_ReleasesTheOthersAndRethrows()
    {
        var error = Assert.Throws<InvalidOperationException>(() => LocalGroup.Run(2, ranks =>
        {
            if (ranks.Rank == 1) throw new InvalidOperationException("rank 1 failed");
            ranks.Barrier();
            return 0;
        }));
        Assert.Equal("rank 1 failed", error.Message);
    }

    [Fact]
    public void Shard_SplitsRowsContiguouslyInRankOrder()
    {
        Assert.Equal((0, 3), Communicator.Shard(7, 0, 2));
        Assert.Equal((3, 4), Communicator.Shard(7, 1, 2));
        Assert.Equal((0, 0), Communicator.Shard(0, 0, 3));
    }

    [Fact]
    public void RowNoise_SplitIntoShards_DrawsTheSameNoisePerExample()
    {
        // [S·B, L] sample-major: row s·B + i is draw s of example i; example i's draws come from its own stream.
        const int s = 3, b = 5, l = 7;
        Tensor whole = Noise.StandardNormal(Rng.ForRows(42, firstRow: 10, count: b), s * b, l);
        Tensor first = Noise.StandardNormal(Rng.ForRows(42, firstRow: 10, count: 2), s * 2, l);
        Tensor second = Noise.StandardNormal(Rng.ForRows(42, firstRow: 12, count: 3), s * 3, l);
        for (int draw = 0; draw < s; draw++)
            for (int i = 0; i < b; i++)
            {
                Tensor shard = i < 2 ? first : second;
                int row = i < 2 ? draw * 2 + i : draw * 3 + i - 2;
                Assert.True(whole.Data.AsSpan((draw * b + i) * l, l).SequenceEqual(shard.Data.AsSpan(row * l, l)), $"draw {draw} of example {i}");
            }
    }

    [Fact]
    public void Initialize_WithoutTheLibrary_SaysToInstallOpenMpiInOneLine()
    {
        var error = Assert.Throws<MpiLibraryNotFoundException>(() => MpiCommunicator.Initialize(["libmpi-not-installed.so.40"]));
        Assert.IsAssignableFrom<LatentSharpException>(error);
        Assert.Contains("apt-get install openmpi-bin", error.Message);
        Assert.Contains("libmpi-not-installed.so.40", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void FromEnvironment_LaunchedAlone_LoadsNothing()
    {
        Assert.Null(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE"));
        Assert.Null(Communicator.FromEnvironment());
    }
}
