using LatentSharp.Distributions;
using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// The variational autoencoder (Kingma &amp; Welling 2014): a Gaussian encoder q(z|x) = N(μ, diag σ²),
/// z = μ + σ·ε, a prior p(z) and a decoder likelihood p(x|z), trained on the ELBO
/// E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)) or on the IWAE bound. Encoder, decoder, likelihood and prior are injected,
/// so the MLP, convolutional and conditional variants and every prior share this one class.
/// A conditional model (Sohn et al. 2015) appends the condition c [B, C] to the encoder's input, [x, c], and to the
/// decoder's, [z, c]; its bodies are built for those widths. Such a model has the <see cref="IConditional"/> capability
/// (<see cref="LatentModel.As{T}"/>); the others do not, though they share this class.
/// A posterior flow (<see cref="IPosteriorFlow"/>: planar or IAF) turns the Gaussian draw z_0 into z_K; then
/// log q(z_K|x) = log q_0(z_0|x) − Σ log|det|, the "kl" term is the Monte Carlo log q(z_K|x) − log p(z_K), and the
/// importance weights use the same density. An IAF's context h comes from C more encoder outputs after μ and log σ².
/// </summary>
public sealed class Vae : LatentModel, IHasPrior, ILikelihood
{
    // log σ² is clamped to a range where exp() neither overflows nor underflows to a zero variance.
    private const float MinLogVariance = -30f, MaxLogVariance = 20f;

    private readonly Layer _encoder;   // x [B, D] (or [x, c] [B, D + C]) → [B, 2L + H]: μ, log σ², then the flow's context h (H = 0 without one)
    private readonly Layer _decoder;   // z [B, L] (or [z, c] [B, L + C]) → decoder output [B, D]
    private readonly IObservationModel _observation;
    private readonly IPrior _prior;
    private readonly ConditionalFacet? _conditional;   // null unless the spec has classes
    private readonly IPosteriorFlow? _posteriorFlow;

    /// <summary>A VAE of the given bodies; with a <paramref name="posteriorFlow"/>, the encoder gives its context after μ and log σ².</summary>
    public Vae(ModelSpec spec, Layer encoder, Layer decoder, IObservationModel observation, IPrior prior, IPosteriorFlow? posteriorFlow = null)
    {
        Spec = spec;
        _encoder = RegisterModule("encoder", encoder);
        _decoder = RegisterModule("decoder", decoder);
        _observation = observation;
        _prior = prior;
        if (observation is Module likelihoodModule) RegisterModule("likelihood", likelihoodModule);
        if (prior is Module priorModule) RegisterModule("prior", priorModule);
        if (posteriorFlow is Module flowModule) RegisterModule("posterior_flow", flowModule);
        _posteriorFlow = posteriorFlow;
        _conditional = spec.Classes > 0 ? new ConditionalFacet(this) : null;
    }

    /// <inheritdoc/>
    public override ModelSpec Spec { get; }

    /// <inheritdoc/>
    public int LatentSize => Spec.LatentSize;

    /// <inheritdoc/>
    public override T? As<T>() where T : class =>
        typeof(T) == typeof(IConditional) ? _conditional as T
        : typeof(T) == typeof(IEncoderDecoder) ? (_observation.MeanActivation is { } mean && _posteriorFlow is null ? new Networks(this, mean) as T : null)
        : base.As<T>();

    /// <inheritdoc/>
    public string PriorDescription => _prior.Name;

    /// <inheritdoc/>
    public bool HasStandardNormalPrior => _prior is StandardNormalPrior;

    /// <summary>p(x | z), the decoder likelihood.</summary>
    public IObservationModel Observation => _observation;

    /// <summary>p(z), the prior over codes.</summary>
    public IPrior Prior => _prior;

    /// <summary>The flow on the posterior's draws, or null for the Gaussian posterior alone.</summary>
    public IPosteriorFlow? PosteriorFlow => _posteriorFlow;

    /// <summary>True when the "kl" term is the Monte Carlo estimate log q(z|x) − log p(z) (a posterior flow, or a prior without a closed-form KL).</summary>
    public bool KlIsMonteCarlo => !_prior.HasClosedFormKl || _posteriorFlow is not null;

    /// <summary>q(z | x) (or q(z | x, c)), the Gaussian before any posterior flow. [B, D] → N([B, L], [B, L])</summary>
    public DiagonalNormal Posterior(Tensor x, Tensor? condition = null) => Encoded(x, condition).Base;

    /// <summary>The code of x: the posterior mean, carried through the posterior flow when there is one. [B, D] → [B, L]</summary>
    public Tensor Encode(Tensor x, Tensor? condition = null)
    {
        var (q, context) = Encoded(x, condition);
        return _posteriorFlow is null ? q.Mean : _posteriorFlow.Forward(q.Mean, context).Z;
    }

    /// <summary>q_0(z | x) and the flow's context h (null without a context). [B, D] → N([B, L], [B, L]), [B, H]</summary>
    private (DiagonalNormal Base, Tensor? Context) Encoded(Tensor x, Tensor? condition)
    {
        CheckCondition(condition, x.Dim(0));
        int l = LatentSize, contextSize = _posteriorFlow?.ContextSize ?? 0;
        Tensor h = _encoder.Forward(WithCondition(x, condition));
        var q = new DiagonalNormal(h.Slice(1, 0, l), h.Slice(1, l, l).Clamp(MinLogVariance, MaxLogVariance));
        return (q, contextSize > 0 ? h.Slice(1, 2 * l, contextSize) : null);
    }

    /// <summary>
    /// A reparameterized draw z_K of q(z|x) and log q(z_K|x) = log q_0(z_0|x) − Σ log|det|, the latter only when
    /// <paramref name="withDensity"/> (the closed-form KL needs none). [B, L], [B]
    /// </summary>
    private (Tensor Z, Tensor? LogQ) Draw(DiagonalNormal q, Tensor? context, Rng rng, bool withDensity = true)
    {
        Tensor z0 = q.Rsample(rng);
        if (!withDensity && _posteriorFlow is null) return (z0, null);
        Tensor logQ0 = q.LogProb(z0);
        if (_posteriorFlow is null) return (z0, logQ0);
        var (z, logDeterminant) = _posteriorFlow.Forward(z0, context);
        return (z, logQ0 - logDeterminant);
    }

    /// <inheritdoc/>
    public Tensor Decode(Tensor z, Tensor? condition = null)
    {
        CheckCondition(condition, z.Dim(0));
        return _observation.Mean(DecoderOutput(z, condition));
    }

    /// <summary>Images drawn from the likelihood p(x | z) (x | z, c): 0/1 pixels for Bernoulli ones, the mean plus noise for Gaussian ones. [B, L] → [B, D]</summary>
    public Tensor DrawPixels(Tensor z, Rng rng, Tensor? condition = null)
    {
        CheckCondition(condition, z.Dim(0));
        return _observation.Sample(DecoderOutput(z, condition), rng);
    }

    /// <inheritdoc/>
    public Tensor SamplePrior(int n, Rng rng) => _prior.Sample(n, rng);

    /// <inheritdoc/>
    public Tensor Sample(int n, Rng rng) =>
        _conditional is not null
            ? SampleConditional(Enumerable.Range(0, n).Select(i => i % Spec.Classes).ToArray(), rng)
            : Decode(_prior.Sample(n, rng));

    /// <summary>One image per label, decoded from a prior draw under that label; throws <see cref="InvalidOperationException"/> when the model is not conditional. [labels.Length, D]</summary>
    public Tensor SampleConditional(int[] labels, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (_conditional is null) throw new InvalidOperationException($"The model {Spec} is not conditional: draw images with Sample(n, rng).");
        return Decode(_prior.Sample(labels.Length, rng), _conditional.Condition(labels));
    }

    /// <inheritdoc/>
    public override ModelTerms Terms(Tensor x, Rng rng, int samples = 1, int importanceSamples = 0, Tensor? condition = null)
    {
        if (importanceSamples > 0)
        {
            var (logLikelihood, logRatio) = WeightTerms(x, condition, importanceSamples, rng);
            return new ModelTerms
            {
                Kind = TermsKind.Bound,
                Examples = x.Dim(0),
                Importance = new ImportanceWeights(logLikelihood, logRatio, importanceSamples),
            };
        }
        var (q, context) = Encoded(x, condition);
        return ElboTerms(x, condition, q, context, rng, samples);
    }

    /// <inheritdoc/>
    public Tensor LogImportanceWeights(Tensor x, int k, Rng rng, Tensor? condition = null) =>
        Terms(x, rng, importanceSamples: k, condition: condition).Importance!.LogWeights;   // [B, K]

    /// <summary>
    /// log p(x | z_k) and log p(z_k) − log q(z_k | x) for K draws per example, laid out sample-major: row s·B + i is
    /// draw s of example i. Their sum is the log importance weight. Each [K·B]
    /// </summary>
    private (Tensor LogLikelihood, Tensor LogRatio) WeightTerms(Tensor x, Tensor? condition, int k, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var (q, context) = Encoded(x, condition);
        var tiled = new DiagonalNormal(q.Mean.Tile(k), q.LogVariance.Tile(k));
        var (z, logQ) = Draw(tiled, context?.Tile(k), rng);                                             // [K·B, L], [K·B]
        Tensor logLikelihood = _observation.LogProb(x, DecoderOutput(z, condition is null ? null : condition.Tile(k)));
        return (logLikelihood, _prior.LogProb(z) - logQ!);
    }

    /// <summary>log p(x|z) averaged over draws, KL per example, and KL per dimension when it is in closed form.</summary>
    private ModelTerms ElboTerms(Tensor x, Tensor? condition, DiagonalNormal q, Tensor? context, Rng rng, int samples)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "At least one noise sample per example is needed.");
        int b = x.Dim(0);
        DiagonalNormal drawn = samples == 1 ? q : new DiagonalNormal(q.Mean.Tile(samples), q.LogVariance.Tile(samples));
        var (z, logQ) = Draw(drawn, samples == 1 ? context : context?.Tile(samples), rng, withDensity: KlIsMonteCarlo);   // [S·B, L], [S·B]
        Tensor? c = condition is null || samples == 1 ? condition : condition.Tile(samples);
        Tensor logLikelihood = _observation.LogProb(x, DecoderOutput(z, c));
        if (samples > 1) logLikelihood = logLikelihood.Reshape(samples, b).Mean(0);      // [B]

        if (!KlIsMonteCarlo)
        {
            Tensor perDimension = q.KlToStandardNormalPerDimension();                     // [B, L]
            return new ModelTerms { Kind = TermsKind.Bound, Examples = b, LogLikelihood = logLikelihood, KlPerLayer = [perDimension.Sum(1)], KlPerDimension = [perDimension] };
        }
        // No closed form: the single-sample estimate log q(z|x) − log p(z), averaged over draws.
        Tensor klEstimate = logQ! - _prior.LogProb(z);
        if (samples > 1) klEstimate = klEstimate.Reshape(samples, b).Mean(0);
        return new ModelTerms { Kind = TermsKind.Bound, Examples = b, LogLikelihood = logLikelihood, KlPerLayer = [klEstimate] };
    }

    /// <summary>The decoder's output for codes z (and the condition, appended to them). [B, L] → [B, D]</summary>
    private Tensor DecoderOutput(Tensor z, Tensor? condition) => _decoder.Forward(WithCondition(z, condition));

    /// <summary>[t, c] along the features, or t alone without a condition. [B, F] + [B, C] → [B, F + C]</summary>
    private static Tensor WithCondition(Tensor t, Tensor? condition) => condition is null ? t : Tensor.Concat([t, condition], 1);

    /// <summary>The networks of a VAE whose likelihood has an elementwise mean: a separate object, so that only such a VAE is an <see cref="IEncoderDecoder"/>.</summary>
    private sealed class Networks(Vae vae, Activation meanActivation) : IEncoderDecoder
    {
        public int LatentSize => vae.LatentSize;
        public Tensor Encode(Tensor x, Tensor? condition = null) => vae.Encode(x, condition);
        public Tensor Decode(Tensor z, Tensor? condition = null) => vae.Decode(z, condition);
        public Layer EncoderNetwork => vae._encoder;
        public Layer DecoderNetwork => vae._decoder;
        public (float Min, float Max)? LogVarianceRange => (MinLogVariance, MaxLogVariance);
        public Activation MeanActivation => meanActivation;
    }

    /// <summary>The conditional side of a VAE built with classes: a separate object, so that only such a VAE is an <see cref="IConditional"/>.</summary>
    private sealed class ConditionalFacet(Vae vae) : IConditional
    {
        public int Classes => vae.Spec.Classes;

        public Tensor Condition(int[] labels)
        {
            ArgumentNullException.ThrowIfNull(labels);
            return Tensor.OneHot(labels, Classes);
        }

        public Tensor SampleConditional(int[] labels, Rng rng) => vae.SampleConditional(labels, rng);
    }
}
