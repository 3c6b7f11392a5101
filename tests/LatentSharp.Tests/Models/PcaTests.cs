using LatentSharp.Data;
using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Tensors;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace LatentSharp.Tests.Models;

public class PcaTests
{
    private static readonly Lazy<Dataset> SampleTrain = new(() =>
        new DatasetResolver(null, null, null, [AppContext.BaseDirectory]).Load("sample").Train);

    /// <summary>Correlated Gaussian rows [n, d]: x = A g + offset, so the covariance has a clear spectrum.</summary>
    private static float[] CorrelatedData(int n, int d, ulong seed)
    {
        var rng = new Rng(seed);
        var a = new double[d * d];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextGaussian() / (1 + i % d);
        var x = new float[n * d];
        var g = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) g[j] = rng.NextGaussian();
            for (int r = 0; r < d; r++)
            {
                double v = 0.5 + 0.1 * r;
                for (int c = 0; c < d; c++) v += a[r * d + c] * g[c];
                x[i * d + r] = (float)v;
            }
        }
        return x;
    }

    private static Matrix<double> SampleCovariance(float[] x, int n, int d, out double[] mean)
    {
        var mu = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mu[j] += x[i * d + j] / (double)n;
        mean = mu;
        return Matrix<double>.Build.Dense(d, d, (r, c) =>
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += (x[i * d + r] - mu[r]) * (x[i * d + c] - mu[c]);
            return s / n;
        });
    }

    /// <summary>log N(x; μ, C) by a D×D Cholesky: the reference the Woodbury path must match.</summary>
    private static double DirectLogLikelihood(ReadOnlySpan<float> x, double[] mean, Matrix<double> c)
    {
        var chol = c.Cholesky();
        float[] row = x.ToArray();
        Vector<double> e = Vector<double>.Build.Dense(row.Length, j => row[j] - mean[j]);
        double quad = e.DotProduct(chol.Solve(e));
        return -0.5 * (row.Length * Math.Log(2 * Math.PI) + chol.DeterminantLn + quad);
    }

    [Fact]
    public void Pca_MoreComponents_ReconstructionErrorDecreases()
    {
        Dataset train = SampleTrain.Value;
        const int n = 1500;
        float[] x = train.Pixels.AsSpan(0, n * 784).ToArray();
        double previous = double.PositiveInfinity;
        foreach (int m in new[] { 1, 5, 20, 50, 200 })
        {
            double error = Pca.Fit(x, n, 784, m).ReconstructionError(x, n);
            Assert.True(error < previous, $"M = {m}: error {error} did not drop below {previous}");
            previous = error;
        }
        Assert.True(previous < 0.005, $"200 components should reconstruct Fashion-MNIST closely, MSE {previous}");
    }

    [Fact]
    public void Pca_ExplainedVariance_DescendingAndSumsToAtMostOne()
    {
        Dataset train = SampleTrain.Value;
        Pca pca = Pca.Fit(train.Pixels, 2000, 784, 30);
        double[] ratios = pca.ExplainedVarianceRatio;
        Assert.Equal(30, ratios.Length);
        for (int i = 1; i < ratios.Length; i++) Assert.True(ratios[i] <= ratios[i - 1]);
        Assert.InRange(ratios.Sum(), 0.5, 1.0); // 30 components hold most of Fashion-MNIST's variance
        Assert.True(ratios.Sum() <= 1 + 1e-12);
        Assert.Equal(1.0, Pca.Fit(train.Pixels, 2000, 784, 784).ExplainedVarianceRatio.Sum(), 9);
    }

    [Fact]
    public void Pca_Components_AreOrthonormalAndEncodeMatchesProjection()
    {
        const int n = 300, d = 8;
        float[] x = CorrelatedData(n, d, 3);
        Pca pca = Pca.Fit(x, n, d, 3);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
            {
                double dot = 0;
                for (int j = 0; j < d; j++) dot += pca.Component(a)[j] * pca.Component(b)[j];
                Assert.Equal(a == b ? 1.0 : 0.0, dot, 10);
            }
        // The variance of the codes along a component is its eigenvalue.
        float[] z = pca.Encode(x, n);
        double variance = 0;
        for (int i = 0; i < n; i++) variance += z[i * 3] * (double)z[i * 3] / n;
        Assert.Equal(pca.Eigenvalues[0], variance, 1e-4 * pca.Eigenvalues[0]);
    }

    [Fact]
    public void ProbabilisticPca_ClosedFormLogLikelihood_EqualsDirectDxDComputation()
    {
        const int n = 200, d = 6, l = 2;
        float[] x = CorrelatedData(n, d, 11);
        ProbabilisticPca model = ProbabilisticPca.Fit(x, n, d, l);
        Matrix<double> w = model.Loadings;
        Matrix<double> c = w * w.Transpose() + Matrix<double>.Build.DenseIdentity(d) * model.NoiseVariance;

        double[] fast = model.LogLikelihood(x, n);
        for (int i = 0; i < n; i++)
            Assert.Equal(DirectLogLikelihood(x.AsSpan(i * d, d), model.Mean, c), fast[i], 1e-9);
    }

    [Fact]
    public void ProbabilisticPca_ArbitraryParameters_LogLikelihoodEqualsDirect()
    {
        // Not only the ML solution: a random W (not orthogonal columns) and σ² must go through Woodbury correctly.
        const int d = 6, l = 2;
        var rng = new Rng(5);
        Matrix<double> w = Matrix<double>.Build.Dense(d, l, (_, _) => rng.NextGaussian());
        double[] mean = Enumerable.Range(0, d).Select(j => 0.1 * j).ToArray();
        var model = new ProbabilisticPca(mean, w, 0.3);
        float[] x = CorrelatedData(20, d, 6);
        Matrix<double> c = w * w.Transpose() + Matrix<double>.Build.DenseIdentity(d) * 0.3;
        double[] fast = model.LogLikelihood(x, 20);
        for (int i = 0; i < 20; i++) Assert.Equal(DirectLogLikelihood(x.AsSpan(i * d, d), mean, c), fast[i], 1e-9);
    }

    [Fact]
    public void ProbabilisticPca_NoiseVariance_IsMeanOfDiscardedEigenvalues()
    {
        const int n = 500, d = 6, l = 2;
        float[] x = CorrelatedData(n, d, 21);
        ProbabilisticPca model = ProbabilisticPca.Fit(x, n, d, l);

        // Eigenvalues of the sample covariance computed independently (ascending from MathNet).
        double[] ascending = SampleCovariance(x, n, d, out _).Evd(Symmetricity.Symmetric).EigenValues.Select(v => v.Real).ToArray();
        double expectedSigma2 = ascending.Take(d - l).Average();
        Assert.Equal(expectedSigma2, model.NoiseVariance, 1e-9);

        // And the model covariance keeps the top L eigenvalues and replaces the rest by σ².
        Matrix<double> w = model.Loadings;
        double[] modelEigen = (w * w.Transpose() + Matrix<double>.Build.DenseIdentity(d) * model.NoiseVariance)
            .Evd(Symmetricity.Symmetric).EigenValues.Select(v => v.Real).ToArray();
        for (int k = 0; k < d - l; k++) Assert.Equal(expectedSigma2, modelEigen[k], 1e-9);
        for (int k = d - l; k < d; k++) Assert.Equal(ascending[k], modelEigen[k], 1e-9);
    }

    [Fact]
    public void ProbabilisticPca_DataFromTruePpca_RecoversNoiseVariance()
    {
        const int d = 10, l = 2, n = 20000;
        var rng = new Rng(8);
        Matrix<double> w = Matrix<double>.Build.Dense(d, l, (_, _) => rng.NextGaussian());
        var truth = new ProbabilisticPca(new double[d], w, 0.1);
        float[] x = truth.Sample(n, rng);
        ProbabilisticPca fitted = ProbabilisticPca.Fit(x, n, d, l);
        Assert.InRange(fitted.NoiseVariance, 0.095, 0.105);
        // The fitted model explains fresh data about as well as the truth does.
        float[] fresh = truth.Sample(2000, rng);
        Assert.InRange(fitted.LogLikelihood(fresh, 2000).Average() - truth.LogLikelihood(fresh, 2000).Average(), -0.05, 0.01);
    }

    [Fact]
    public void ProbabilisticPca_ElboWithExactPosterior_EqualsLogLikelihood()
    {
        const int n = 50, d = 6, l = 2;
        float[] x = CorrelatedData(n, d, 31);
        ProbabilisticPca model = ProbabilisticPca.Fit(x, n, d, l);
        double[] elbo = model.Elbo(x, n, model.PosteriorMeans(x, n), model.PosteriorCovariance);
        double[] exact = model.LogLikelihood(x, n);
        for (int i = 0; i < n; i++) Assert.Equal(exact[i], elbo[i], 1e-9);

        // Any other q is strictly worse.
        double[] widened = model.Elbo(x, n, model.PosteriorMeans(x, n), model.PosteriorCovariance * 3);
        for (int i = 0; i < n; i++) Assert.True(widened[i] < exact[i] - 1e-3);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(100)]
    public void ProbabilisticPca_IwaeWithExactPosterior_EqualsLogLikelihoodForAnyK(int k)
    {
        const int n = 40, d = 6, l = 2;
        float[] x = CorrelatedData(n, d, 41);
        ProbabilisticPca model = ProbabilisticPca.Fit(x, n, d, l);
        var evaluator = new ImportanceSampledNll(samples: k, chunkSize: 7, batchSize: 16);
        double[] estimate = evaluator.LogMarginals(model.LogImportanceWeights, x, n, d, new Rng(1));
        double[] exact = model.LogLikelihood(x, n);
        for (int i = 0; i < n; i++) Assert.Equal(exact[i], estimate[i], 1e-6);
    }

    [Fact]
    public void ProbabilisticPca_Samples_HaveTheModelCovariance()
    {
        const int d = 4, n = 40000;
        var rng = new Rng(2);
        Matrix<double> w = Matrix<double>.Build.Dense(d, 1, (j, _) => j + 1.0);
        var model = new ProbabilisticPca([1, 2, 3, 4], w, 0.5);
        float[] x = model.Sample(n, rng);
        Matrix<double> covariance = SampleCovariance(x, n, d, out double[] mean);
        for (int j = 0; j < d; j++) Assert.Equal(j + 1.0, mean[j], 0.05 * Math.Sqrt((j + 1) * (j + 1) + 0.5));
        for (int r = 0; r < d; r++)
            for (int c = 0; c < d; c++)
            {
                double expected = (r + 1.0) * (c + 1.0) + (r == c ? 0.5 : 0);
                Assert.Equal(expected, covariance[r, c], 0.05 * expected + 0.02);
            }
    }
}
