using LatentSharp.Distributions;
using LatentSharp.Nn;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Distributions;

public class FlowTests
{
    /// <summary>Every parameter of <paramref name="module"/> refilled with seeded U(−scale, scale): away from the identity start, where some gradients vanish.</summary>
    private static void Scramble(Module module, ulong seed, float scale = 0.5f)
    {
        var rng = new Rng(seed);
        foreach (Tensor p in module.Parameters()) rng.FillUniform(p.Data, -scale, scale);
    }

    private static Tensor Points(int b, int l, ulong seed, float scale = 1.5f) => GradCheck.Param(seed, -scale, scale, b, l);

    private static Tensor WithLogDeterminant(Tensor z, Tensor logDeterminant) => Tensor.Concat([z, logDeterminant.Reshape(logDeterminant.Dim(0), 1)], 1);

    // Gradient checks: each flow's forward map and log-determinant, in its inputs and every parameter.

    [Fact]
    public void MaskedLinear_GradientCheck_AndMaskedWeightsGetNoGradient()
    {
        var layer = new MaskedLinear(MadeMasks.Hidden([1, 2, 1, 2], [1, 2, 3]), new Rng(1));
        Tensor x = Points(3, 3, 2);
        GradCheck.Check(_ => layer.Forward(x), [x, layer.Weight, layer.Bias]);
        for (int o = 0; o < 4; o++)
            Assert.Equal(0f, layer.Weight.Grad![o * 3 + 2]);   // degree-3 input: no hidden unit of degree ≤ 2 sees it
    }

    [Fact]
    public void PlanarFlow_GradientCheck()
    {
        var flow = new PlanarFlow(2, 3, new Rng(3));
        Scramble(flow, 4);
        Tensor z = Points(4, 3, 5);
        GradCheck.Check(_ => WithLogDeterminant(flow.Forward(z, null).Z, flow.Forward(z, null).LogDeterminant), [z, .. flow.Parameters()]);
    }

    [Fact]
    public void InverseAutoregressiveFlow_GradientCheck()
    {
        var flow = new InverseAutoregressiveFlow(2, 3, 4, 2, new Rng(6));
        Scramble(flow, 7);
        Tensor z = Points(3, 3, 8), context = Points(3, 2, 9);
        GradCheck.Check(_ =>
        {
            var (y, logDeterminant) = flow.Forward(z, context);
            return WithLogDeterminant(y, logDeterminant);
        }, [z, context, .. flow.Parameters()]);
    }

    [Fact]
    public void RealNvpPrior_GradientCheck()
    {
        var prior = new RealNvpPrior(3, 3, 4, new Rng(10));
        Scramble(prior, 11);
        Tensor z = Points(4, 3, 12);
        GradCheck.Check(_ => prior.LogProb(z), [z, .. prior.Parameters()], eps: 1e-2);
    }

    // Log-determinants against the determinant of a finite-difference Jacobian.

    /// <summary>log|det J| of <paramref name="f"/> at row <paramref name="row"/> of z, J by central differences in float, the determinant by elimination in double.</summary>
    private static double FiniteDifferenceLogDeterminant(Func<Tensor, Tensor> f, Tensor z, int row)
    {
        int b = z.Dim(0), l = z.Dim(1);
        const float h = 1e-2f;
        var jacobian = new double[l, l];
        using var _ = Tensor.NoGrad();
        for (int j = 0; j < l; j++)
        {
            Tensor plus = Tensor.FromArray((float[])z.Data.AsSpan(0, b * l).ToArray().Clone(), b, l), minus = Tensor.FromArray(z.Data.AsSpan(0, b * l).ToArray(), b, l);
            plus.Data[row * l + j] += h;
            minus.Data[row * l + j] -= h;
            float[] up = f(plus).Data, down = f(minus).Data;
            for (int i = 0; i < l; i++) jacobian[i, j] = ((double)up[row * l + i] - down[row * l + i]) / (2 * h);
        }
        return LogAbsDeterminant(jacobian);
    }

    private static double LogAbsDeterminant(double[,] a)
    {
        int n = a.GetLength(0);
        double logDeterminant = 0;
        for (int c = 0; c < n; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[pivot, c])) pivot = r;
            for (int k = 0; k < n; k++) (a[c, k], a[pivot, k]) = (a[pivot, k], a[c, k]);
            logDeterminant += Math.Log(Math.Abs(a[c, c]));
            for (int r = c + 1; r < n; r++)
            {
                double factor = a[r, c] / a[c, c];
                for (int k = c; k < n; k++) a[r, k] -= factor * a[c, k];
            }
        }
        return logDeterminant;
    }

    private static void AssertLogDeterminantsMatch(Func<Tensor, (Tensor Z, Tensor LogDeterminant)> flow, int l, ulong seed)
    {
        Tensor z = Points(5, l, seed);
        float[] logDeterminants;
        using (Tensor.NoGrad()) logDeterminants = flow(z).LogDeterminant.Data;
        for (int row = 0; row < 5; row++)
        {
            double expected = FiniteDifferenceLogDeterminant(t => flow(t).Z, z, row);
            Assert.True(Math.Abs(expected - logDeterminants[row]) < 2e-3, $"row {row}: finite differences give {expected:G6}, the flow {logDeterminants[row]:G6}");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void PlanarFlow_LogDeterminant_MatchesTheFiniteDifferenceJacobian(int l)
    {
        var flow = new PlanarFlow(3, l, new Rng(20));
        Scramble(flow, 21, 1f);
        AssertLogDeterminantsMatch(z => flow.Forward(z, null), l, 22);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void InverseAutoregressiveFlow_LogDeterminant_MatchesTheFiniteDifferenceJacobian(int l)
    {
        var flow = new InverseAutoregressiveFlow(3, l, 6, 2, new Rng(23));
        Scramble(flow, 24);
        Tensor context = Points(5, 2, 25);
        AssertLogDeterminantsMatch(z => flow.Forward(z, context), l, 26);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RealNvpPrior_LogDeterminant_MatchesTheFiniteDifferenceJacobian(int l)
    {
        var prior = new RealNvpPrior(3, l, 6, new Rng(27));
        Scramble(prior, 28);
        AssertLogDeterminantsMatch(prior.ToBase, l, 29);
    }

    // Densities that integrate to one.

    [Fact]
    public void RealNvpPrior_Density_IntegratesToOne_On1DAnd2DGrids()
    {
        var line = new RealNvpPrior(2, 1, 4, new Rng(30));
        Scramble(line, 31);
        Assert.Equal(1.0, GridIntegral(line, 1, 4000, -10, 10), 3);

        var plane = new RealNvpPrior(4, 2, 6, new Rng(32));
        Scramble(plane, 33);
        Assert.Equal(1.0, GridIntegral(plane, 2, 400, -10, 10), 3);
    }

    /// <summary>Σ p(z)·ΔV over a grid of n points per dimension on [low, high]^dimensions (midpoints).</summary>
    private static double GridIntegral(IPrior prior, int dimensions, int n, double low, double high)
    {
        double step = (high - low) / n;
        int points = dimensions == 1 ? n : n * n;
        var z = new float[points * dimensions];
        for (int p = 0; p < points; p++)
            for (int d = 0; d < dimensions; d++) z[p * dimensions + d] = (float)(low + ((d == 0 ? p % n : p / n) + 0.5) * step);
        using var _ = Tensor.NoGrad();
        float[] logP = prior.LogProb(Tensor.FromArray(z, points, dimensions)).Data;
        return logP.AsSpan(0, points).ToArray().Sum(v => Math.Exp(v)) * Math.Pow(step, dimensions);
    }

    /// <summary>
    /// E_{z~q}[r(z)/q(z)] for r = N(0, 0.7² I), by Monte Carlo: 1 when q(z_K) = q_0(z_0)·exp(−Σ log|det|) is the density
    /// the draws z_K = f(z_0) really have (r is narrower than q, so the ratio is bounded).
    /// </summary>
    private static (double Mean, double StandardError) ImportanceMass(Func<Tensor, (Tensor Z, Tensor LogDeterminant)> flow, int l, int n, ulong seed)
    {
        using var _ = Tensor.NoGrad();
        var q0 = new DiagonalNormal(Tensor.Zeros(n, l), Tensor.Zeros(n, l));
        Tensor z0 = q0.Rsample(new Rng(seed));
        Tensor logQ0 = q0.LogProb(z0);
        var (z, logDeterminant) = flow(z0);
        var r = new DiagonalNormal(Tensor.Zeros(n, l), Tensor.Zeros(n, l) + 2 * MathF.Log(0.7f));
        float[] logR = r.LogProb(z).Data;
        double[] ratios = [.. Enumerable.Range(0, n).Select(i => Math.Exp(logR[i] - (logQ0.Data[i] - logDeterminant.Data[i])))];
        double mean = ratios.Average();
        return (mean, Math.Sqrt(ratios.Sum(v => (v - mean) * (v - mean)) / (n - 1) / n));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void PlanarFlow_Density_IntegratesToOne_ByMonteCarlo(int l)
    {
        var flow = new PlanarFlow(3, l, new Rng(40));
        Scramble(flow, 41, 1f);
        var (mass, standardError) = ImportanceMass(z => flow.Forward(z, null), l, 200_000, 42);
        Assert.True(Math.Abs(mass - 1) < 4 * standardError + 1e-3, $"∫q = {mass:F4} ± {standardError:F4}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void InverseAutoregressiveFlow_Density_IntegratesToOne_ByMonteCarlo(int l)
    {
        var flow = new InverseAutoregressiveFlow(2, l, 4, 2, new Rng(43));
        Scramble(flow, 44, 1f);
        const int n = 200_000;
        Tensor context = Tensor.FromArray([.. Enumerable.Repeat(new[] { 0.3f, -0.8f }, n).SelectMany(c => c)], n, 2);   // one example's context for every draw
        var (mass, standardError) = ImportanceMass(z => flow.Forward(z, context), l, n, 45);
        Assert.True(Math.Abs(mass - 1) < 4 * standardError + 1e-3, $"∫q = {mass:F4} ± {standardError:F4}");
    }

    [Fact]
    public void PlanarFlow_ConstrainedU_KeepsWTransposeUAboveMinusOne()
    {
        var flow = new PlanarFlow(1, 3, new Rng(50));
        new[] { 1f, 2f, -1f }.CopyTo(flow.W(0).Data, 0);
        new[] { -1f, -2f, 1f }.CopyTo(flow.U(0).Data, 0);   // wᵀu = −6: the unconstrained flow is not invertible
        using var _ = Tensor.NoGrad();
        float[] u = flow.ConstrainedU(0).Data;
        double wu = u[0] * 1.0 + u[1] * 2.0 - u[2];
        Assert.Equal(-1 + Math.Log(1 + Math.Exp(-6)), wu, 1e-5);   // m(wᵀu) = −1 + softplus(wᵀu) > −1
    }

    // Invertibility and the autoregressive structure.

    [Fact]
    public void RealNvpPrior_FromBase_InvertsToBase()
    {
        var prior = new RealNvpPrior(4, 5, 8, new Rng(60));
        Scramble(prior, 61);
        Tensor z = Points(6, 5, 62, 3f);
        using var _ = Tensor.NoGrad();
        Tensor back = prior.FromBase(prior.ToBase(z).Epsilon);
        for (int i = 0; i < 30; i++) Assert.Equal(z.Data[i], back.Data[i], 4);
        Tensor epsilon = Points(6, 5, 63, 3f);
        Tensor again = prior.ToBase(prior.FromBase(epsilon)).Epsilon;
        for (int i = 0; i < 30; i++) Assert.Equal(epsilon.Data[i], again.Data[i], 4);
    }

    [Fact]
    public void RealNvpPrior_StartsAsTheStandardNormal_AndSamplesThroughTheInverse()
    {
        var prior = new RealNvpPrior(3, 4, 8, new Rng(64));
        Tensor z = Points(5, 4, 65);
        using (Tensor.NoGrad())
        {
            float[] flow = prior.LogProb(z).Data, standard = new StandardNormalPrior(4).LogProb(z).Data;
            for (int i = 0; i < 5; i++) Assert.Equal(standard[i], flow[i], 5);
        }
        Scramble(prior, 66);
        Tensor drawn = prior.Sample(7, new Rng(67));
        Tensor epsilon = Noise.StandardNormal(new Rng(67), 7, 4);
        using (Tensor.NoGrad())
        {
            Tensor expected = prior.FromBase(epsilon);
            Assert.Equal(expected.Data.AsSpan(0, 28).ToArray(), drawn.Data.AsSpan(0, 28).ToArray());
        }
        Assert.False(drawn.RequiresGrad);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void InverseAutoregressiveFlow_MadeOutputs_MoveOnlyWithEarlierInputs(int step)
    {
        const int l = 5;
        var flow = new InverseAutoregressiveFlow(2, l, 8, 3, new Rng(70));
        Scramble(flow, 71);
        Tensor z = Points(1, l, 72), context = Points(1, 3, 73);
        bool reversed = step % 2 == 1;   // the odd steps run the order backwards
        using var _ = Tensor.NoGrad();
        var (m, s) = flow.Shift(step, z, context);
        for (int j = 0; j < l; j++)
        {
            Tensor moved = Tensor.FromArray(z.Data.AsSpan(0, l).ToArray(), 1, l);
            moved.Data[j] += 0.5f;
            var (m2, s2) = flow.Shift(step, moved, context);
            for (int i = 0; i < l; i++)
            {
                bool earlier = reversed ? j > i : j < i;
                bool changes = m2.Data[i] != m.Data[i] || s2.Data[i] != s.Data[i];
                Assert.True(changes == earlier, $"step {step}: output {i} {(changes ? "moves" : "stays")} when input {j} moves");
            }
        }
    }
}
