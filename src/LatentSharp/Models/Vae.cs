using LatentSharp.Distributions;
using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// The variational autoencoder (Kingma &amp; Welling 2014): a Gaussian encoder q(z|x) = N(μ, diag σ²),
/// z = μ + σ·ε, a prior p(z) and a decoder likelihood p(x|z), trained on the ELBO
/// E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)). Encoder and decoder bodies are injected, so MLP and convolutional
/// variants share this one class.
/// </summary>
public sealed class Vae : LatentModel, IGenerativeModel
{
    // log σ² is clamped to a range where exp() neither overflows nor underflows to a zero variance.
    private const float MinLogVariance = -30f, MaxLogVariance = 20f;

    private readonly Layer _encoder;   // x [B, D] → [B, 2L]: μ then log σ²
    private readonly Layer _decoder;   // z [B, L] → decoder output [B, D]
    private readonly IObservationModel _observation;
    private readonly IPrior _prior;

    public Vae(ModelSpec spec, Layer encoder, Layer decoder, IObservationModel observation, IPrior prior)
    {
        Spec = spec;
        _encoder = RegisterModule("encoder", encoder);
        _decoder = RegisterModule("decoder", decoder);
        _observation = observation;
        _prior = prior;
        if (observation is Module likelihoodModule) RegisterModule("likelihood", likelihoodModule);
        if (prior is Module priorModule) RegisterModule("prior", priorModule);
    }

    public override ModelSpec Spec { get; }

    public IObservationModel Observation => _observation;

    public IPrior Prior => _prior;

    /// <summary>q(z | x). [B, D] → N([B, L], [B, L])</summary>
    public DiagonalNormal Posterior(Tensor x)
    {
        int l = LatentSize;
        Tensor h = _encoder.Forward(x);
        return new DiagonalNormal(h.Slice(1, 0, l), h.Slice(1, l, l).Clamp(MinLogVariance, MaxLogVariance));
    }

    public override Tensor Encode(Tensor x) => Posterior(x).Mean;

    public override Tensor Decode(Tensor z) => _observation.Mean(_decoder.Forward(z));

    public Tensor Sample(int n, Rng rng) => Decode(_prior.Sample(n, rng));

    public ElboTerms Elbo(Tensor x, Rng rng, int samples = 1)
    {
        DiagonalNormal q = Posterior(x);
        var (logLikelihood, kl, _) = Terms(x, q, rng, samples);
        return new ElboTerms(logLikelihood, kl);
    }

    public override Tensor Loss(Tensor x, Rng rng, Objective objective, MetricSums metrics)
    {
        DiagonalNormal q = Posterior(x);
        var (logLikelihood, kl, klPerDimension) = Terms(x, q, rng, objective.Samples);

        Tensor klPenalty = objective.FreeBits > 0f && klPerDimension is not null
            ? klPerDimension.Mean(0).Clamp(objective.FreeBits, float.PositiveInfinity).Sum()   // Σ_j max(λ, E_batch KL_j)
            : kl.Mean();
        Tensor loss = klPenalty * objective.Beta - logLikelihood.Mean();

        double sumLl = SumOf(logLikelihood), sumKl = SumOf(kl);
        metrics.Add("elbo", sumLl - sumKl);
        metrics.Add("reconstruction", sumLl);
        metrics.Add("kl", sumKl);
        metrics.AddExamples(x.Dim(0));
        return loss;
    }

    public Tensor LogImportanceWeights(Tensor x, int k, Rng rng)
    {
        int b = x.Dim(0);
        DiagonalNormal q = Posterior(x);
        // K draws per example, laid out sample-major: row s·B + i is draw s of example i.
        var tiled = new DiagonalNormal(Tile(q.Mean, k), Tile(q.LogVariance, k));
        Tensor z = tiled.Rsample(rng);
        Tensor logW = _observation.LogProb(Tile(x, k), _decoder.Forward(z)) + _prior.LogProb(z) - tiled.LogProb(z);   // [K·B]
        return logW.Reshape(k, b).Transpose();   // [B, K]
    }

    /// <summary>log p(x|z) averaged over draws, KL per example, and KL per dimension when it is in closed form.</summary>
    private (Tensor LogLikelihood, Tensor Kl, Tensor? KlPerDimension) Terms(Tensor x, DiagonalNormal q, Rng rng, int samples)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "At least one noise sample per example is needed.");
        int b = x.Dim(0);
        DiagonalNormal drawn = samples == 1 ? q : new DiagonalNormal(Tile(q.Mean, samples), Tile(q.LogVariance, samples));
        Tensor z = drawn.Rsample(rng);                                                    // [S·B, L]
        Tensor logLikelihood = _observation.LogProb(samples == 1 ? x : Tile(x, samples), _decoder.Forward(z));
        if (samples > 1) logLikelihood = logLikelihood.Reshape(samples, b).Mean(0);      // [B]

        if (_prior.HasClosedFormKl)
        {
            Tensor perDimension = q.KlToStandardNormalPerDimension();
            return (logLikelihood, perDimension.Sum(1), perDimension);
        }
        // No closed form: the single-sample estimate log q(z|x) − log p(z), averaged over draws.
        Tensor klEstimate = drawn.LogProb(z) - _prior.LogProb(z);
        if (samples > 1) klEstimate = klEstimate.Reshape(samples, b).Mean(0);
        return (logLikelihood, klEstimate, null);
    }

    /// <summary>k copies of the rows of t stacked along axis 0. [B, …] → [k·B, …]</summary>
    private static Tensor Tile(Tensor t, int k) => k == 1 ? t : Tensor.Concat(Enumerable.Repeat(t, k).ToArray(), 0);

    private static double SumOf(Tensor perExample)
    {
        double s = 0;
        foreach (float v in perExample.Data) s += v;
        return s;
    }
}
