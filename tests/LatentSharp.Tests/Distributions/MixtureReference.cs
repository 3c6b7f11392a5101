namespace LatentSharp.Tests.Distributions;

/// <summary>Closed-form mixture-of-diagonal-Gaussians densities in double, the reference for the mixture priors.</summary>
internal static class MixtureReference
{
    /// <summary>log Σ_k w_k Π_l N(z_l; μ_kl, exp(logVar_kl)) for one z [L]; means, logVariances [K, L], weights [K] (sum 1).</summary>
    public static double LogProb(ReadOnlySpan<float> z, float[] means, float[] logVariances, double[] weights)
    {
        int k = weights.Length, l = z.Length;
        double density = 0;
        for (int c = 0; c < k; c++)
        {
            double logN = 0;
            for (int j = 0; j < l; j++)
            {
                double v = Math.Exp(logVariances[c * l + j]), d = z[j] - means[c * l + j];
                logN += -0.5 * (Math.Log(2 * Math.PI * v) + d * d / v);
            }
            density += weights[c] * Math.Exp(logN);
        }
        return Math.Log(density);
    }

    public static double[] Softmax(float[] logits)
    {
        double max = logits.Max();
        double[] e = logits.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    /// <summary>∫ exp(logDensity(t)) dt over [low, high] by the trapezoid rule with n intervals (1-D).</summary>
    public static double Integrate(Func<float, double> logDensity, double low, double high, int n)
    {
        double h = (high - low) / n, sum = 0;
        for (int i = 0; i <= n; i++)
        {
            double w = i == 0 || i == n ? 0.5 : 1;
            sum += w * Math.Exp(logDensity((float)(low + i * h)));
        }
        return sum * h;
    }
}
