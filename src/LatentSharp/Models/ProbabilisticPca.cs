using LatentSharp.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace LatentSharp.Models;

/// <summary>
/// Probabilistic PCA (Tipping &amp; Bishop 1999): z ~ N(0, I_L), x | z ~ N(W z + μ, σ² I_D), so that
/// p(x) = N(x; μ, C) with C = W Wᵀ + σ² I. A linear-Gaussian VAE whose likelihood, posterior and ELBO are all exact,
/// which is what makes it the reference for the evaluation code. Shapes: <c>B</c> rows, <c>D</c> data dimensions,
/// <c>L</c> latent dimensions, <c>K</c> importance samples. All arithmetic is in double.
/// </summary>
/// <remarks>
/// Everything goes through the L×L matrix M = WᵀW + σ² I, never a D×D inverse:
/// C⁻¹ = (I − W M⁻¹ Wᵀ) / σ² (Woodbury) and log det C = (D − L) log σ² + log det M (matrix determinant lemma).
/// The exact posterior is p(z | x) = N(M⁻¹ Wᵀ (x − μ), σ² M⁻¹).
/// </remarks>
public sealed class ProbabilisticPca
{
    private static readonly double Log2Pi = Math.Log(2 * Math.PI);

    private readonly double[] _w;                 // [D, L] row-major
    private readonly Matrix<double> _gram;        // WᵀW: [L, L]
    private readonly Matrix<double> _mInverse;    // M⁻¹: [L, L]
    private readonly Matrix<double> _posteriorCovariance; // σ² M⁻¹: [L, L]
    private readonly double[] _gramFlat;          // WᵀW row-major, for the per-sample loops
    private readonly double[] _mInverseFlat;      // M⁻¹ row-major
    private readonly double _logDetC;

    /// <summary>A pPCA with the given parameters: <paramref name="mean"/> [D], <paramref name="loadings"/> W [D, L], σ² &gt; 0.</summary>
    public ProbabilisticPca(double[] mean, Matrix<double> loadings, double noiseVariance)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(loadings);
        if (loadings.RowCount != mean.Length)
            throw new ArgumentException($"W must have D = {mean.Length} rows (one per data dimension), got {loadings.RowCount}.", nameof(loadings));
        if (!(noiseVariance > 0) || double.IsInfinity(noiseVariance))
            throw new ArgumentOutOfRangeException(nameof(noiseVariance), noiseVariance,
                "σ² must be positive and finite; a zero σ² means the data has rank ≤ L: use fewer latent dimensions.");

        Mean = (double[])mean.Clone();
        NoiseVariance = noiseVariance;
        int d = mean.Length, l = loadings.ColumnCount;
        _w = new double[d * l];
        for (int j = 0; j < d; j++)
            for (int m = 0; m < l; m++)
                _w[j * l + m] = loadings[j, m];

        _gram = loadings.TransposeThisAndMultiply(loadings);
        Matrix<double> mMatrix = _gram + Matrix<double>.Build.DenseIdentity(l) * noiseVariance;
        var cholesky = mMatrix.Cholesky();
        _mInverse = cholesky.Solve(Matrix<double>.Build.DenseIdentity(l));
        _posteriorCovariance = _mInverse * noiseVariance;
        _gramFlat = _gram.ToRowMajorArray();
        _mInverseFlat = _mInverse.ToRowMajorArray();
        _logDetC = (d - l) * Math.Log(noiseVariance) + cholesky.DeterminantLn;
    }

    /// <summary>D, the data dimension.</summary>
    public int Dimensions => Mean.Length;

    /// <summary>L, the latent dimension.</summary>
    public int LatentSize => _gram.RowCount;

    /// <summary>μ: [D].</summary>
    public double[] Mean { get; }

    /// <summary>σ², the isotropic noise variance.</summary>
    public double NoiseVariance { get; }

    /// <summary>A copy of W: [D, L].</summary>
    public Matrix<double> Loadings => Matrix<double>.Build.Dense(Dimensions, LatentSize, (j, m) => _w[j * LatentSize + m]);

    /// <summary>The covariance of the exact posterior, σ² M⁻¹: [L, L], the same for every x (a copy).</summary>
    public Matrix<double> PosteriorCovariance => _posteriorCovariance.Clone();

    /// <summary>
    /// The closed-form maximum-likelihood solution from a fitted <see cref="Pca"/> with L = its component count &lt; D:
    /// σ² = mean of the D − L discarded eigenvalues, W = U_L (Λ_L − σ² I)^{1/2} (rotation R = I).
    /// </summary>
    public static ProbabilisticPca Fit(Pca pca)
    {
        ArgumentNullException.ThrowIfNull(pca);
        int d = pca.Dimensions, l = pca.ComponentCount;
        if (l >= d) throw new ArgumentException($"pPCA needs L < D to have discarded eigenvalues for σ²; got L = {l}, D = {d}.", nameof(pca));
        double sigma2 = 0;
        for (int k = l; k < d; k++) sigma2 += pca.Eigenvalues[k];
        sigma2 /= d - l;

        Matrix<double> w = Matrix<double>.Build.Dense(d, l);
        for (int m = 0; m < l; m++)
        {
            // λ_m ≥ σ² because eigenvalues are sorted; max(0, ·) only absorbs rounding.
            double scale = Math.Sqrt(Math.Max(0, pca.Eigenvalues[m] - sigma2));
            ReadOnlySpan<double> u = pca.Component(m);
            for (int j = 0; j < d; j++) w[j, m] = u[j] * scale;
        }
        return new ProbabilisticPca(pca.Mean, w, sigma2);
    }

    /// <summary>Fits by eigendecomposition of the sample covariance of <paramref name="data"/>, [n, d] row-major.</summary>
    public static ProbabilisticPca Fit(float[] data, int n, int d, int latentSize) => Fit(Pca.Fit(data, n, d, latentSize));

    /// <summary>Exact log p(x) = log N(x; μ, C) per row of <paramref name="x"/> [b, D]: returns [b], in nats.</summary>
    public double[] LogLikelihood(float[] x, int b)
    {
        Pca.CheckRows(x, b, Dimensions, nameof(x));
        int l = LatentSize;
        var result = new double[b];
        var t = new double[l];
        for (int i = 0; i < b; i++)
        {
            double ee = ProjectResidual(x.AsSpan(i * Dimensions, Dimensions), t);
            double tMt = QuadraticForm(_mInverseFlat, t, t);
            double mahalanobis = (ee - tMt) / NoiseVariance; // (x−μ)ᵀ C⁻¹ (x−μ) by Woodbury
            result[i] = -0.5 * (Dimensions * Log2Pi + _logDetC + mahalanobis);
        }
        return result;
    }

    /// <summary>The exact posterior means M⁻¹ Wᵀ (x − μ) of the rows of <paramref name="x"/> [b, D]: returns [b, L].</summary>
    public double[] PosteriorMeans(float[] x, int b)
    {
        Pca.CheckRows(x, b, Dimensions, nameof(x));
        int l = LatentSize;
        var means = new double[b * l];
        var t = new double[l];
        for (int i = 0; i < b; i++)
        {
            ProjectResidual(x.AsSpan(i * Dimensions, Dimensions), t);
            MultiplyInto(_mInverseFlat, t, means.AsSpan(i * l, l));
        }
        return means;
    }

    /// <summary>
    /// The ELBO E_q[log p(x | z)] − KL(q ‖ p(z)) in closed form for q(z | x_i) = N(<paramref name="qMeans"/>_i,
    /// <paramref name="qCovariance"/>), per row of <paramref name="x"/> [b, D]; <paramref name="qMeans"/> is [b, L].
    /// Equals <see cref="LogLikelihood"/> when q is the exact posterior, and is below it otherwise.
    /// </summary>
    public double[] Elbo(float[] x, int b, double[] qMeans, Matrix<double> qCovariance)
    {
        Pca.CheckRows(x, b, Dimensions, nameof(x));
        int l = LatentSize;
        Pca.CheckRows(qMeans, b, l, nameof(qMeans));
        CheckSquare(qCovariance, l, nameof(qCovariance));
        double logDetS = qCovariance.Cholesky().DeterminantLn;
        double traceS = qCovariance.Trace();
        double traceGS = _gram.TransposeThisAndMultiply(qCovariance).Trace(); // tr(G S), G symmetric
        var result = new double[b];
        var t = new double[l];
        for (int i = 0; i < b; i++)
        {
            double ee = ProjectResidual(x.AsSpan(i * Dimensions, Dimensions), t);
            ReadOnlySpan<double> m = qMeans.AsSpan(i * l, l);
            // E_q ‖x − μ − W z‖² = ‖e‖² − 2 tᵀm + mᵀ G m + tr(G S), with t = Wᵀ e.
            double expectedSquare = ee - 2 * Dot(t, m) + QuadraticForm(_gramFlat, m, m) + traceGS;
            double reconstruction = -0.5 * (Dimensions * (Log2Pi + Math.Log(NoiseVariance)) + expectedSquare / NoiseVariance);
            double kl = 0.5 * (traceS + Dot(m, m) - l - logDetS);
            result[i] = reconstruction - kl;
        }
        return result;
    }

    /// <summary>
    /// Log importance weights log p(x, z_k) − log q(z_k | x) with the exact posterior as the proposal: every weight equals
    /// log p(x) up to rounding, so an importance-sampled estimate is exact for any K. Fills <paramref name="destination"/> [b, k].
    /// Matches <c>LatentSharp.Evaluation.LogWeightsSource</c>.
    /// </summary>
    public void LogImportanceWeights(float[] x, int b, int k, Rng rng, double[] destination) =>
        LogImportanceWeights(x, b, k, rng, destination, PosteriorMeans(x, b), _posteriorCovariance);

    /// <summary>
    /// Log importance weights log p(x, z_k) − log q(z_k | x) for the proposal q(z | x_i) = N(<paramref name="proposalMeans"/>_i,
    /// <paramref name="proposalCovariance"/>), z_k drawn from q with <paramref name="rng"/>. <paramref name="x"/> is [b, D],
    /// <paramref name="proposalMeans"/> [b, L], <paramref name="destination"/> [b, k].
    /// </summary>
    public void LogImportanceWeights(float[] x, int b, int k, Rng rng, double[] destination, double[] proposalMeans, Matrix<double> proposalCovariance)
    {
        Pca.CheckRows(x, b, Dimensions, nameof(x));
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        Pca.CheckRows(destination, b, k, nameof(destination));
        int l = LatentSize, d = Dimensions;
        Pca.CheckRows(proposalMeans, b, l, nameof(proposalMeans));
        CheckSquare(proposalCovariance, l, nameof(proposalCovariance));

        var cholesky = proposalCovariance.Cholesky();
        double[] factor = cholesky.Factor.ToRowMajorArray(); // lower triangular A with S = A Aᵀ
        double logDetS = cholesky.DeterminantLn;
        double logNormalLatent = -0.5 * l * Log2Pi;
        double logNormalData = -0.5 * d * (Log2Pi + Math.Log(NoiseVariance));

        var t = new double[l];
        var eps = new double[l];
        var z = new double[l];
        var gz = new double[l];
        for (int i = 0; i < b; i++)
        {
            double ee = ProjectResidual(x.AsSpan(i * d, d), t);
            ReadOnlySpan<double> m = proposalMeans.AsSpan(i * l, l);
            for (int s = 0; s < k; s++)
            {
                for (int a = 0; a < l; a++) eps[a] = rng.NextGaussian();
                for (int a = 0; a < l; a++)
                {
                    double v = m[a];
                    for (int c = 0; c <= a; c++) v += factor[a * l + c] * eps[c];
                    z[a] = v;
                }
                MultiplyInto(_gramFlat, z, gz);
                // ‖x − μ − W z‖² = ‖e‖² − 2 tᵀz + zᵀ G z: O(L²) per sample instead of O(D L).
                double square = Math.Max(0, ee - 2 * Dot(t, z) + Dot(z, gz));
                double logLikelihood = logNormalData - 0.5 * square / NoiseVariance;
                double logPrior = logNormalLatent - 0.5 * Dot(z, z);
                double logProposal = logNormalLatent - 0.5 * (logDetS + Dot(eps, eps)); // (z−m)ᵀS⁻¹(z−m) = ‖ε‖²
                destination[i * k + s] = logLikelihood + logPrior - logProposal;
            }
        }
    }

    /// <summary>Draws <paramref name="n"/> samples x = μ + W z + σ ε: returns [n, D].</summary>
    public float[] Sample(int n, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentNullException.ThrowIfNull(rng);
        int d = Dimensions, l = LatentSize;
        double sigma = Math.Sqrt(NoiseVariance);
        var x = new float[n * d];
        var z = new double[l];
        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < l; a++) z[a] = rng.NextGaussian();
            for (int j = 0; j < d; j++)
            {
                double v = Mean[j] + sigma * rng.NextGaussian();
                for (int a = 0; a < l; a++) v += _w[j * l + a] * z[a];
                x[i * d + j] = (float)v;
            }
        }
        return x;
    }

    /// <summary>e = x − μ; writes t = Wᵀ e into <paramref name="t"/> [L] and returns ‖e‖².</summary>
    private double ProjectResidual(ReadOnlySpan<float> x, Span<double> t)
    {
        int l = LatentSize;
        t.Clear();
        double ee = 0;
        for (int j = 0; j < x.Length; j++)
        {
            double e = x[j] - Mean[j];
            ee += e * e;
            ReadOnlySpan<double> row = _w.AsSpan(j * l, l);
            for (int a = 0; a < l; a++) t[a] += row[a] * e;
        }
        return ee;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>destination = A v for a square row-major A of size v.Length.</summary>
    private static void MultiplyInto(double[] a, ReadOnlySpan<double> v, Span<double> destination)
    {
        int n = v.Length;
        for (int r = 0; r < n; r++) destination[r] = Dot(a.AsSpan(r * n, n), v);
    }

    /// <summary>uᵀ A v for a square row-major A.</summary>
    private static double QuadraticForm(double[] a, ReadOnlySpan<double> u, ReadOnlySpan<double> v)
    {
        int n = v.Length;
        double s = 0;
        for (int r = 0; r < n; r++) s += u[r] * Dot(a.AsSpan(r * n, n), v);
        return s;
    }

    private static void CheckSquare(Matrix<double> matrix, int size, string name)
    {
        ArgumentNullException.ThrowIfNull(matrix, name);
        if (matrix.RowCount != size || matrix.ColumnCount != size)
            throw new ArgumentException($"Expected an L×L = {size}×{size} covariance, got {matrix.RowCount}×{matrix.ColumnCount}.", name);
    }
}
