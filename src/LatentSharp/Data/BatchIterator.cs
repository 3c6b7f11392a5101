using LatentSharp.Tensors;

namespace LatentSharp.Data;

/// <summary>
/// Minibatches of a dataset: each epoch visits every image once in a shuffled order, in batches of
/// <see cref="BatchSize"/>, the last one smaller when the count does not divide evenly.
/// An epoch's order and its dynamic binarization draws depend only on (<see cref="Seed"/>, epoch number), so
/// training resumed at epoch e sees exactly the batches it would have seen.
/// </summary>
/// <remarks>
/// The <see cref="Batch"/> objects are reused (one for full batches, one for the last partial batch): a batch is
/// valid until the enumeration moves on, and two epochs must not be enumerated at the same time.
/// </remarks>
public sealed class BatchIterator
{
    private const ulong StaticBinarizationStream = ulong.MaxValue;

    private readonly float[] _source; // [N, D]: the dataset's pixels, or their static binarization
    private Batch? _full;
    private Batch? _last;

    /// <summary>Takes one draw from <paramref name="rng"/> as the base seed.</summary>
    public BatchIterator(Dataset data, int batchSize, Rng rng, Binarization binarization = Binarization.None)
        : this(data, batchSize, NextSeed(rng), binarization)
    {
    }

    /// <summary>Batches of <paramref name="batchSize"/> images of <paramref name="data"/>, with the epoch orders fixed by <paramref name="seed"/>; throws <see cref="ArgumentOutOfRangeException"/> for a batch size below 1 or an unknown binarization.</summary>
    public BatchIterator(Dataset data, int batchSize, ulong seed, Binarization binarization = Binarization.None)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (!Enum.IsDefined(binarization)) throw new ArgumentOutOfRangeException(nameof(binarization), binarization, "unknown binarization");
        Data = data;
        BatchSize = batchSize;
        Seed = seed;
        Binarization = binarization;
        _source = binarization == Binarization.Static
            ? data.Binarize(new Rng(Mix(seed, StaticBinarizationStream))).Pixels
            : data.Pixels;
    }

    /// <summary>The dataset the batches are drawn from.</summary>
    public Dataset Data { get; }
    /// <summary>B, the images per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>The base seed; store it in a checkpoint to resume with the same batches.</summary>
    public ulong Seed { get; }

    /// <summary>How pixels become 0/1 values in the batches: not at all, once for the run (static), or afresh each epoch (dynamic).</summary>
    public Binarization Binarization { get; }

    /// <summary>The batches per epoch, the last one partial when the image count does not divide evenly.</summary>
    public int BatchesPerEpoch => (Data.Count + BatchSize - 1) / BatchSize;

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the dataset: a permutation of 0..N-1.</summary>
    public int[] Order(int epoch) => EpochRng(epoch).Permutation(Data.Count);

    /// <summary>The batches of epoch <paramref name="epoch"/> (0-based), in order.</summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        Rng rng = EpochRng(epoch);
        return Enumerate(rng, rng.Permutation(Data.Count));
    }

    private IEnumerable<Batch> Enumerate(Rng rng, int[] order)
    {
        int n = Data.Count, d = Data.Dimensions;
        for (int start = 0; start < n; start += BatchSize)
        {
            int size = Math.Min(BatchSize, n - start);
            Batch batch = size == BatchSize
                ? _full ??= new Batch(size, d, Data.HasLabels)
                : _last ??= new Batch(size, d, Data.HasLabels);
            for (int b = 0; b < size; b++)
            {
                int i = order[start + b];
                batch.Indices[b] = i;
                if (batch.Labels.Length != 0) batch.Labels[b] = Data.Labels[i];
                ReadOnlySpan<float> image = _source.AsSpan(i * d, d);
                Span<float> destination = batch.Pixels.AsSpan(b * d, d);
                if (Binarization == Binarization.Dynamic) Dataset.BernoulliDraw(image, destination, rng);
                else image.CopyTo(destination);
            }
            yield return batch;
        }
    }

    private Rng EpochRng(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return new Rng(Mix(Seed, (ulong)epoch));
    }

    private static ulong NextSeed(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return rng.NextUInt64();
    }

    /// <summary>A seed for stream <paramref name="stream"/> of <paramref name="seed"/> (SplitMix64 finalizer).</summary>
    private static ulong Mix(ulong seed, ulong stream)
    {
        ulong z = seed ^ ((stream + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
