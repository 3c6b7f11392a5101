using System.Numerics;

namespace LatentSharp.Kernels;

/// <summary>
/// log1p and expm1 on spans, accurate for tiny arguments. TensorPrimitives.LogP1 and ExpM1 compute log(1 + x) and
/// eˣ − 1 literally, so log1p(1e-10) comes out 0 and expm1(0) comes out 1.2e-7; stable losses need these instead.
/// Both use Kahan's correction: with u = fl(1 + x), log1p(x) = log(u)·x / (u − 1); with u = fl(eˣ), expm1(x) = (u − 1)·x / log(u).
/// Width-generic (<see cref="Vector{T}"/>) with a scalar tail; <c>x</c> and <c>destination</c> may be the same span.
/// </summary>
internal static class PreciseMath
{
    public static void Log1p(ReadOnlySpan<float> x, Span<float> destination)
    {
        if (destination.Length < x.Length) throw new ArgumentException("Destination is shorter than the source.", nameof(destination));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
                Log1p(new Vector<float>(x.Slice(i))).CopyTo(destination.Slice(i));
        }
        for (; i < x.Length; i++) destination[i] = Log1p(x[i]);
    }

    public static Vector<float> Log1p(Vector<float> z)
    {
        var u = z + Vector<float>.One;
        var d = u - Vector<float>.One;
        var r = Vector.Log(u) * (z / d);
        r = Vector.ConditionalSelect(Vector.Equals(d, Vector<float>.Zero), z, r);   // 1 + z rounds to 1: log1p(z) = z
        var infinity = new Vector<float>(float.PositiveInfinity);
        return Vector.ConditionalSelect(Vector.Equals(u, infinity), infinity, r);
    }

    public static float Log1p(float z)
    {
        float u = 1f + z, d = u - 1f;
        if (d == 0f) return z;
        if (float.IsPositiveInfinity(u)) return u;
        return MathF.Log(u) * (z / d);
    }

    public static void ExpM1(ReadOnlySpan<float> x, Span<float> destination)
    {
        if (destination.Length < x.Length) throw new ArgumentException("Destination is shorter than the source.", nameof(destination));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var one = Vector<float>.One;
            var infinity = new Vector<float>(float.PositiveInfinity);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(x.Slice(i));
                var u = Vector.Exp(v);
                var um1 = u - one;
                var r = um1 * (v / Vector.Log(u));
                r = Vector.ConditionalSelect(Vector.Equals(u, one), v, r);        // eˣ rounds to 1: expm1(x) = x
                r = Vector.ConditionalSelect(Vector.Equals(um1, -one), -one, r);  // eˣ underflows against 1
                r = Vector.ConditionalSelect(Vector.Equals(u, infinity), infinity, r);
                r.CopyTo(destination.Slice(i));
            }
        }
        for (; i < x.Length; i++) destination[i] = ExpM1(x[i]);
    }

    public static float ExpM1(float x)
    {
        float u = MathF.Exp(x), um1 = u - 1f;
        if (u == 1f) return x;
        if (um1 == -1f) return -1f;
        if (float.IsPositiveInfinity(u)) return u;
        return um1 * (x / MathF.Log(u));
    }

    public static double Log1p(double z)
    {
        double u = 1 + z, d = u - 1;
        if (d == 0) return z;
        if (double.IsPositiveInfinity(u)) return u;
        return Math.Log(u) * (z / d);
    }

    public static double ExpM1(double x)
    {
        double u = Math.Exp(x), um1 = u - 1;
        if (u == 1) return x;
        if (um1 == -1) return -1;
        if (double.IsPositiveInfinity(u)) return u;
        return um1 * (x / Math.Log(u));
    }
}
