using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace LatentSharp.Models;

/// <summary>
/// Principal component analysis fitted by eigendecomposition of the sample covariance, in double.
/// Shapes: <c>N</c> rows, <c>D</c> data dimensions, <c>M</c> kept components.
/// </summary>
/// <remarks>
/// The covariance is the maximum-likelihood one, S = (1/N) Σ (x − μ)(x − μ)ᵀ, so that its eigenvalues are exactly
/// the ones the closed-form probabilistic PCA solution needs (<see cref="ProbabilisticPca.Fit(Pca)"/>).
/// A D×D eigendecomposition is cheap for D = 784; this class is not meant for D in the tens of thousands.
/// </remarks>
public sealed class Pca
{
    private readonly double[] _components; // [M, D] row-major: component m is row m, unit length

    private Pca(double[] mean, double[] eigenvalues, double[] components, int componentCount)
    {
        Mean = mean;
        Eigenvalues = eigenvalues;
        _components = components;
        ComponentCount = componentCount;
    }

    /// <summary>D, the data dimension.</summary>
    public int Dimensions => Mean.Length;

    /// <summary>M, the number of kept components.</summary>
    public int ComponentCount { get; }

    /// <summary>The sample mean μ: [D].</summary>
    public double[] Mean { get; }

    /// <summary>All D eigenvalues of the sample covariance, descending (variance along each principal axis; clamped at 0).</summary>
    public double[] Eigenvalues { get; }

    /// <summary>Total variance, the trace of the sample covariance.</summary>
    public double TotalVariance => Eigenvalues.Sum();

    /// <summary>Fraction of the total variance along each kept component: [M], descending, summing to at most 1.</summary>
    public double[] ExplainedVarianceRatio
    {
        get
        {
            double total = TotalVariance;
            return Eigenvalues.Take(ComponentCount).Select(v => total > 0 ? v / total : 0).ToArray();
        }
    }

    /// <summary>Component <paramref name="m"/> (unit length): [D].</summary>
    public ReadOnlySpan<double> Component(int m)
    {
        if ((uint)m >= (uint)ComponentCount) throw new ArgumentOutOfRangeException(nameof(m), m, $"must be in [0, {ComponentCount})");
        return _components.AsSpan(m * Dimensions, Dimensions);
    }

    /// <summary>
    /// Fits on <paramref name="data"/>, [<paramref name="n"/>, <paramref name="d"/>] row-major, keeping
    /// <paramref name="components"/> axes (1 ≤ components ≤ d).
    /// </summary>
    public static Pca Fit(float[] data, int n, int d, int components)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(components);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(components, d);
        var (mean, eigenvalues, eigenvectors) = Decompose(data, n, d);
        var rows = new double[components * d];
        for (int m = 0; m < components; m++)
            for (int j = 0; j < d; j++)
                rows[m * d + j] = eigenvectors[j, m];
        return new Pca(mean, eigenvalues, rows, components);
    }

    /// <summary>
    /// The mean, the eigenvalues (descending, clamped at 0) and the matching eigenvectors as columns of a D×D matrix.
    /// Shared with <see cref="ProbabilisticPca"/>, which needs all of them.
    /// </summary>
    internal static (double[] Mean, double[] Eigenvalues, Matrix<double> Eigenvectors) Decompose(float[] data, int n, int d)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        if (data.Length < (long)n * d) throw new ArgumentException($"{n} rows of {d} need {(long)n * d} values, got {data.Length}.", nameof(data));

        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
                mean[j] += data[i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;

        // Centre in double before forming XᵀX: (Σ xxᵀ − N μμᵀ) would cancel catastrophically for pixels near 1.
        Matrix<double> centred = Matrix<double>.Build.Dense(n, d, (i, j) => data[i * d + j] - mean[j]);
        Matrix<double> covariance = centred.TransposeThisAndMultiply(centred).Divide(n);
        // Exact symmetry for the symmetric solver: the product is symmetric only up to rounding.
        covariance = covariance.Add(covariance.Transpose()).Divide(2);

        Evd<double> evd = covariance.Evd(Symmetricity.Symmetric);
        // MathNet returns eigenvalues ascending; we want the largest first.
        var eigenvalues = new double[d];
        Matrix<double> vectors = Matrix<double>.Build.Dense(d, d);
        for (int k = 0; k < d; k++)
        {
            int source = d - 1 - k;
            eigenvalues[k] = Math.Max(0, evd.EigenValues[source].Real); // tiny negative values are rounding noise
            vectors.SetColumn(k, evd.EigenVectors.Column(source));
        }
        return (mean, eigenvalues, vectors);
    }

    /// <summary>Coordinates along the components: x [b, D] → z [b, M], z = Uᵀ(x − μ).</summary>
    public float[] Encode(float[] x, int b)
    {
        int d = Dimensions, mCount = ComponentCount;
        CheckRows(x, b, d, nameof(x));
        var z = new float[b * mCount];
        var centred = new double[d];
        for (int i = 0; i < b; i++)
        {
            for (int j = 0; j < d; j++) centred[j] = x[i * d + j] - Mean[j];
            for (int m = 0; m < mCount; m++)
            {
                ReadOnlySpan<double> u = _components.AsSpan(m * d, d);
                double dot = 0;
                for (int j = 0; j < d; j++) dot += u[j] * centred[j];
                z[i * mCount + m] = (float)dot;
            }
        }
        return z;
    }

    /// <summary>Back to data space: z [b, M] → x [b, D], x = μ + U z.</summary>
    public float[] Decode(float[] z, int b)
    {
        int d = Dimensions, mCount = ComponentCount;
        CheckRows(z, b, mCount, nameof(z));
        var x = new float[b * d];
        var row = new double[d];
        for (int i = 0; i < b; i++)
        {
            Mean.CopyTo(row, 0);
            for (int m = 0; m < mCount; m++)
            {
                double zm = z[i * mCount + m];
                ReadOnlySpan<double> u = _components.AsSpan(m * d, d);
                for (int j = 0; j < d; j++) row[j] += zm * u[j];
            }
            for (int j = 0; j < d; j++) x[i * d + j] = (float)row[j];
        }
        return x;
    }

    /// <summary>The projection onto the component subspace: Decode(Encode(x)), [b, D].</summary>
    public float[] Reconstruct(float[] x, int b) => Decode(Encode(x, b), b);

    /// <summary>Mean squared reconstruction error per value (per pixel), averaged over the <paramref name="b"/> rows.</summary>
    public double ReconstructionError(float[] x, int b)
    {
        float[] r = Reconstruct(x, b);
        double sum = 0;
        for (int i = 0; i < b * Dimensions; i++)
        {
            double e = x[i] - r[i];
            sum += e * e;
        }
        return sum / ((double)b * Dimensions);
    }

    internal static void CheckRows<T>(T[] values, int b, int width, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        ArgumentOutOfRangeException.ThrowIfNegative(b);
        if (values.Length < (long)b * width)
            throw new ArgumentException($"{b} rows of {width} need {(long)b * width} values, got {values.Length}.", name);
    }
}
