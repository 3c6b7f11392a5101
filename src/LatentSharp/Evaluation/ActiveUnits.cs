using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// Counts active latent units (Burda et al. 2016): dimension j is active when Cov_x(E_q[z_j | x]) &gt; 0.01,
/// from the posterior means of a data set, accumulated batch by batch in double.
/// </summary>
public sealed class ActiveUnits(int latentSize, double threshold = 0.01)
{
    private readonly double[] _sum = new double[latentSize];
    private readonly double[] _sumOfSquares = new double[latentSize];
    private long _count;

    /// <summary>Adds posterior means. [B, L]</summary>
    public void Add(Tensor means)
    {
        float[] m = means.Data;
        int b = means.Dim(0);
        for (int i = 0; i < b; i++)
        for (int j = 0; j < latentSize; j++)
        {
            double v = m[i * latentSize + j];
            _sum[j] += v;
            _sumOfSquares[j] += v * v;
        }
        _count += b;
    }

    /// <summary>The variance of each dimension's posterior mean over the data.</summary>
    public double[] Variances()
    {
        var variances = new double[latentSize];
        if (_count < 2) return variances;
        for (int j = 0; j < latentSize; j++)
        {
            double mean = _sum[j] / _count;
            variances[j] = Math.Max(0, (_sumOfSquares[j] - _count * mean * mean) / (_count - 1));
        }
        return variances;
    }

    /// <summary>The number of dimensions whose posterior-mean variance exceeds the threshold (0.01 by default).</summary>
    public int Count() => Variances().Count(v => v > threshold);
}
