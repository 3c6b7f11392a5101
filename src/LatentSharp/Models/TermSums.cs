using LatentSharp.Distributions;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// The metrics of a run, derived from <see cref="ModelTerms"/> in one place: per-example quantities summed in double over
/// the batches of an epoch (or of an evaluation) and reported as means per example. Their names are the columns of log.csv
/// (train_ / test_) and the keys of the checkpoint's history:
/// <list type="bullet">
/// <item>a bound: <see cref="Elbo"/>, <see cref="Reconstruction"/> (log p(x|z)), <see cref="Kl"/>; with several stochastic
/// layers first kl1 … klN, the KL of each layer (summed over its dimensions in double, so they add up to kl); with importance
/// weights also <see cref="Iwae"/>, the K-sample bound at β = 1 (the ELBO terms are then averaged over the K draws, the KL
/// being log q − log p at the draws unless the model gives it per layer in closed form);</item>
/// <item>an exact likelihood: <see cref="Nll"/>;</item>
/// <item>a reconstruction loss: <see cref="Loss"/>.</item>
/// </list>
/// </summary>
public sealed class TermSums
{
    /// <summary>The metric names (log.csv columns after train_ / test_); the quantities are means per example, in nats.</summary>
    public const string Elbo = "elbo", Reconstruction = "reconstruction", Kl = "kl", Iwae = "iwae", Nll = "nll", Loss = "loss";

    private readonly Dictionary<string, double> _sums = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>The KL column of stochastic layer <paramref name="layer"/> (1 next to x) of a layered model.</summary>
    public static string LayerKl(int layer) => $"{Kl}{layer}";

    /// <summary>The examples added so far, the divisor of every mean.</summary>
    public long Examples { get; private set; }

    /// <summary>The metric names in the order they were first added (the column order of log.csv).</summary>
    public IReadOnlyList<string> Names => _order;

    /// <summary>The mean per example of metric <paramref name="name"/> (0 if it was never added); NaN before any example.</summary>
    public double Mean(string name) => Examples == 0 ? double.NaN : _sums.GetValueOrDefault(name) / Examples;

    /// <summary>Every metric's mean per example, in <see cref="Names"/> order.</summary>
    public IReadOnlyDictionary<string, double> Means() => _order.ToDictionary(n => n, Mean);

    /// <summary>Adds the sums over the examples of one minibatch's terms.</summary>
    public void Add(ModelTerms terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        switch (terms.Kind)
        {
            case TermsKind.Exact:
                Add(Nll, SumOf(terms.LogLikelihood!, negate: true));   // Σ −log p(x)
                break;
            case TermsKind.Reconstruction:
                Add(Loss, SumOf(terms.LogLikelihood!, negate: true));  // Σ reconstruction loss
                break;
            default:
                if (terms.Importance is { } weights) AddImportanceWeighted(terms, weights);
                else AddElbo(terms);
                break;
        }
        Examples += terms.Examples;
    }

    private void AddElbo(ModelTerms terms)
    {
        double sumLl = SumOf(terms.LogLikelihood!);
        double sumKl = terms.KlPerLayer.Count > 1 ? AddLayerKls(terms) : SumOf(terms.KlPerLayer[0]);
        Add(Elbo, sumLl - sumKl);
        Add(Reconstruction, sumLl);
        Add(Kl, sumKl);
    }

    /// <summary>The bound at β = 1 and the ELBO terms averaged over the K draws, all from the same draws.</summary>
    private void AddImportanceWeighted(ModelTerms terms, ImportanceWeights weights)
    {
        int b = terms.Examples, k = weights.Samples;
        float[] ll = weights.LogLikelihood.Data, ratio = weights.LogRatio.Data;
        double sumLl = 0, sumRatio = 0, sumIwae = 0;
        var row = new double[k];
        for (int i = 0; i < b; i++)
        {
            for (int s = 0; s < k; s++)
            {
                int r = s * b + i;
                sumLl += ll[r];
                sumRatio += ratio[r];
                row[s] = (double)ll[r] + ratio[r];
            }
            sumIwae += LogSpace.LogMeanExp(row);
        }
        if (terms.KlPerLayer.Count > 1)
        {
            // The layers' closed-form KLs at the drawn parents: lower variance than log q − log p at the draws.
            double layerKl = AddLayerKls(terms), flatLl = SumOf(weights.LogLikelihood) / k;
            Add(Elbo, flatLl - layerKl);
            Add(Reconstruction, flatLl);
            Add(Kl, layerKl);
        }
        else
        {
            Add(Elbo, (sumLl + sumRatio) / k);
            Add(Reconstruction, sumLl / k);
            Add(Kl, -sumRatio / k);
        }
        Add(Iwae, sumIwae);
    }

    /// <summary>Adds kl1 … klN, each summed over every dimension and draw in double and divided by the draws; returns their sum.</summary>
    private double AddLayerKls(ModelTerms terms)
    {
        IReadOnlyList<Tensor> perDimension = terms.KlPerDimension
            ?? throw new ArgumentException("Terms with several stochastic layers carry each layer's KL per dimension.", nameof(terms));
        double total = 0;
        for (int i = 0; i < perDimension.Count; i++)
        {
            double layerKl = SumOf(perDimension[i]) / (perDimension[i].Dim(0) / terms.Examples);
            Add(LayerKl(i + 1), layerKl);
            total += layerKl;
        }
        return total;
    }

    /// <summary>The example count and the sums in <see cref="Names"/> order, to be added up over the shards of a distributed run.</summary>
    internal double[] Totals() => [Examples, .. _order.Select(n => _sums[n])];

    /// <summary>Replaces the example count and the sums by <paramref name="totals"/>, laid out as <see cref="Totals"/> gives them.</summary>
    internal void SetTotals(ReadOnlySpan<double> totals)
    {
        Examples = (long)totals[0];
        for (int i = 0; i < _order.Count; i++) _sums[_order[i]] = totals[i + 1];
    }

    private void Add(string name, double sum)
    {
        if (!_sums.ContainsKey(name)) _order.Add(name);
        _sums[name] = _sums.GetValueOrDefault(name) + sum;
    }

    private static double SumOf(Tensor t, bool negate = false)
    {
        double s = 0;
        foreach (float v in t.Data.AsSpan(0, t.Length)) s += negate ? -v : v;
        return s;
    }
}
