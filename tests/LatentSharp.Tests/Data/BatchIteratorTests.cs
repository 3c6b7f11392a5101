using LatentSharp.Data;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Data;

public class BatchIteratorTests
{
    /// <summary>N images of D pixels; pixel j of image i is ((i * 7 + j) % 11) / 10, label i % 3.</summary>
    private static Dataset Data(int n = 10, int d = 6) =>
        new("t", n, 1, d,
            [.. Enumerable.Range(0, n * d).Select(k => (k / d * 7 + k % d) % 11 / 10f)],
            [.. Enumerable.Range(0, n).Select(i => i % 3)]);

    private static List<int> EpochIndices(BatchIterator it, int epoch) => it.Epoch(epoch).SelectMany(b => b.Indices).ToList();

    [Fact]
    public void Epoch_TenImagesInBatchesOfFour_KeepsTheLastPartialBatch()
    {
        var it = new BatchIterator(Data(), 4, seed: 1);

        Assert.Equal(new[] { 4, 4, 2 }, it.Epoch(0).Select(b => b.Size).ToArray());
        Assert.Equal(3, it.BatchesPerEpoch);
    }

    [Fact]
    public void Epoch_Indices_AreAPermutationThatMatchesOrder()
    {
        var it = new BatchIterator(Data(), 4, seed: 1);

        List<int> indices = EpochIndices(it, 0);

        Assert.Equal(Enumerable.Range(0, 10), indices.Order());
        Assert.Equal(it.Order(0), indices);
    }

    [Fact]
    public void Epoch_SameSeedAndEpoch_SameOrderEvenInAFreshIterator()
    {
        var first = new BatchIterator(Data(), 3, seed: 42);
        for (int e = 0; e < 3; e++) EpochIndices(first, e);
        var resumed = new BatchIterator(Data(), 3, seed: 42);

        Assert.Equal(EpochIndices(first, 3), EpochIndices(resumed, 3));
    }

    [Fact]
    public void Epoch_DifferentEpochOrSeed_DifferentOrder()
    {
        var it = new BatchIterator(Data(100), 10, seed: 42);

        Assert.NotEqual(EpochIndices(it, 0), EpochIndices(it, 1));
        Assert.NotEqual(EpochIndices(it, 0), EpochIndices(new BatchIterator(Data(100), 10, seed: 43), 0));
        Assert.NotEqual(Enumerable.Range(0, 100), EpochIndices(it, 0));
    }

    [Fact]
    public void Constructor_FromRng_TakesItsSeedFromTheRngState()
    {
        var a = new BatchIterator(Data(), 4, new Rng(9));
        var b = new BatchIterator(Data(), 4, new Rng(9));

        Assert.Equal(a.Seed, b.Seed);
        Assert.Equal(a.Order(5), b.Order(5));
    }

    [Fact]
    public void Batch_PixelsAndLabels_AreThoseOfItsIndices()
    {
        Dataset data = Data();
        var it = new BatchIterator(data, 4, seed: 3);

        foreach (Batch batch in it.Epoch(2))
        {
            for (int b = 0; b < batch.Size; b++)
            {
                Assert.Equal(data.Image(batch.Indices[b]).ToArray(), batch.Image(b).ToArray());
                Assert.Equal(data.Labels[batch.Indices[b]], batch.Labels[b]);
            }
        }
    }

    [Fact]
    public void Batch_Buffers_AreReusedAcrossBatchesAndEpochs()
    {
        var it = new BatchIterator(Data(), 4, seed: 3, Binarization.Dynamic);

        var seen = it.Epoch(0).Concat(it.Epoch(1)).Select(b => (b.Size, b.Pixels, b.Labels, b.Indices)).ToList();

        foreach (var group in seen.GroupBy(s => s.Size))
        {
            Assert.Single(group.Select(s => s.Pixels).Distinct());
            Assert.Single(group.Select(s => s.Labels).Distinct());
            Assert.Single(group.Select(s => s.Indices).Distinct());
        }
    }

    [Fact]
    public void Epoch_AfterWarmUp_AllocatesOnlyThePermutationNotPerBatch()
    {
        // 1,000 images of 784 pixels in batches of 10: a pixel buffer per batch would be 100 x 31 KB
        // The fewest bytes of three epochs after two of warm-up: the runtime's own one-off allocations on this thread
        // (tiered recompilation under load) can land in any one epoch, a per-batch buffer would be in all of them.
        var it = new BatchIterator(Data(1000, 784), 10, seed: 3, Binarization.Dynamic);
        for (int epoch = 0; epoch < 2; epoch++) foreach (Batch _ in it.Epoch(epoch)) { }

        long allocated = long.MaxValue;
        for (int epoch = 2; epoch < 5; epoch++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (Batch _ in it.Epoch(epoch)) { }
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.InRange(allocated, 0, 1000 * sizeof(int) + 2048);
    }

    [Fact]
    public void Dynamic_ManyDraws_MeanMatchesPixelIntensity()
    {
        Dataset data = Data(4, 11);
        var it = new BatchIterator(data, 4, seed: 5, Binarization.Dynamic);
        const int epochs = 4000;
        var sums = new double[data.Pixels.Length];
        for (int e = 0; e < epochs; e++)
            foreach (Batch batch in it.Epoch(e))
                for (int b = 0; b < batch.Size; b++)
                    for (int j = 0; j < data.Dimensions; j++)
                        sums[batch.Indices[b] * data.Dimensions + j] += batch.Pixels[b * data.Dimensions + j];

        for (int k = 0; k < sums.Length; k++)
        {
            double p = data.Pixels[k], mean = sums[k] / epochs;
            double tolerance = 4.5 * Math.Sqrt(p * (1 - p) / epochs); // 0 for p in {0, 1}; 0.036 at p = 0.5
            Assert.InRange(mean, p - tolerance - 1e-12, p + tolerance + 1e-12);
        }
    }

    [Fact]
    public void Dynamic_SameImageInTwoEpochs_IsDrawnAfresh()
    {
        Dataset data = Data(4, 200);
        var it = new BatchIterator(data, 4, seed: 5, Binarization.Dynamic);

        float[] ByImage(int epoch)
        {
            var byImage = new float[data.Pixels.Length];
            foreach (Batch batch in it.Epoch(epoch))
                for (int b = 0; b < batch.Size; b++)
                    batch.Image(b).CopyTo(byImage.AsSpan(batch.Indices[b] * data.Dimensions));
            return byImage;
        }

        float[] first = ByImage(0), second = ByImage(1);
        Assert.All(first, x => Assert.True(x == 0f || x == 1f));
        Assert.NotEqual(first, second);
        Assert.Equal(first, ByImage(0)); // but the same epoch again gives the same draws
    }

    [Fact]
    public void Static_SameImageInEveryEpoch_IsTheSameBinaryImage()
    {
        Dataset data = Data(4, 200);
        var it = new BatchIterator(data, 3, seed: 5, Binarization.Static);
        var firstSeen = new Dictionary<int, float[]>();

        for (int e = 0; e < 5; e++)
            foreach (Batch batch in it.Epoch(e))
                for (int b = 0; b < batch.Size; b++)
                {
                    float[] image = batch.Image(b).ToArray();
                    Assert.All(image, x => Assert.True(x == 0f || x == 1f));
                    if (firstSeen.TryGetValue(batch.Indices[b], out float[]? earlier)) Assert.Equal(earlier, image);
                    else firstSeen[batch.Indices[b]] = image;
                }

        Assert.Equal(4, firstSeen.Count);
        Assert.NotEqual(data.Image(0).ToArray(), firstSeen[0]); // binarized, not the intensities
    }

    [Fact]
    public void Constructor_BadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchIterator(Data(), 0, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchIterator(Data(), 4, seed: 1, (Binarization)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchIterator(Data(), 4, seed: 1).Epoch(-1));
    }
}
