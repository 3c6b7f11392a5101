using System.Numerics;
using System.Runtime.CompilerServices;

namespace LatentSharp.Tensors;

/// <summary>
/// The one seeded random generator of LatentSharp (xoshiro256**, seeded through SplitMix64).
/// Every draw happens on the calling thread, so results never depend on the thread count.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian;
    private bool _hasSpare;
    private Rng[]? _rows;

    /// <summary>A generator whose whole stream is fixed by <paramref name="seed"/>.</summary>
    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>
    /// A generator whose batch-shaped noise (<see cref="Rows"/>) comes from one stream per example: example i of the
    /// <paramref name="count"/> examples, at <paramref name="firstRow"/> + i of the global order, draws from its own stream
    /// seeded by (<paramref name="seed"/>, its row), so an example gets the same noise whichever batch or shard holds it.
    /// Draws not shaped by the batch come from the generator's own stream, seeded by <paramref name="seed"/> alone.
    /// </summary>
    public static Rng ForRows(ulong seed, long firstRow, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rows = new Rng[count];
        for (int i = 0; i < count; i++)
        {
            ulong x = seed ^ (ulong)(firstRow + i) * 0xD6E8FEB86659FD93UL;
            rows[i] = new Rng(SplitMix64(ref x));
        }
        return new Rng(seed) { _rows = rows };
    }

    /// <summary>The per-example streams of a generator made by <see cref="ForRows"/>, else null.</summary>
    public IReadOnlyList<Rng>? Rows => _rows;

    /// <summary>The full generator state, for checkpoints: restoring it continues the exact stream.</summary>
    public ulong[] GetState() => [_s0, _s1, _s2, _s3, BitConverter.DoubleToUInt64Bits(_spareGaussian), _hasSpare ? 1UL : 0UL];

    /// <summary>Restores a state from <see cref="GetState"/>, so the stream continues exactly where it was; throws <see cref="ArgumentException"/> unless it has 6 words.</summary>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 6) throw new ArgumentException($"An Rng state has 6 words, got {state.Length}.", nameof(state));
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
        _spareGaussian = BitConverter.UInt64BitsToDouble(state[4]);
        _hasSpare = state[5] != 0;
    }

    /// <summary>A new generator whose stream is independent of this one (for a sub-task that must not shift this stream).</summary>
    public Rng Fork() => new(NextUInt64());

    /// <summary>The next 64 uniformly random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, 1) with 24 random bits.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform integer in [0, maxExclusive), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "must be positive");
        ulong bound = (ulong)maxExclusive;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            if (r >= threshold) return (int)(r % bound);
        }
    }

    /// <summary>Standard normal draw (Marsaglia polar method, in double).</summary>
    public double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareGaussian;
        }
        double u, v, s;
        do
        {
            u = 2.0 * NextDouble() - 1.0;
            v = 2.0 * NextDouble() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        double f = Math.Sqrt(-2.0 * Math.Log(s) / s);
        _spareGaussian = v * f;
        _hasSpare = true;
        return u * f;
    }

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool NextBernoulli(double p) => NextDouble() < p;

    /// <summary>Fills <paramref name="destination"/> with uniform draws in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public void FillUniform(Span<float> destination, float low, float high)
    {
        float width = high - low;
        for (int i = 0; i < destination.Length; i++) destination[i] = low + width * NextFloat();
    }

    /// <summary>Fills <paramref name="destination"/> with normal draws of mean <paramref name="mean"/> and standard deviation <paramref name="std"/>.</summary>
    public void FillGaussian(Span<float> destination, float mean = 0f, float std = 1f)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = mean + std * (float)NextGaussian();
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A random permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle<int>(p);
        return p;
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
