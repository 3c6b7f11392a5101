using LatentSharp.Distributions;
using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// A hierarchical VAE with the Ladder VAE's top-down inference (Sønderby et al. 2016): stochastic layers
/// z_N → … → z_2 → z_1 → x, numbered from the data up. Catalog kinds "hvae" (MLP blocks) and "conv-hvae" (convolutional
/// first bottom-up block and decoder). Shapes: B rows, D pixels, L_i the size of layer i.
/// <code>
/// generative   z_N ~ N(0, I),  z_i ~ p(z_i | z_{i+1}) = N(μ_p, σ_p²) (top-down block i),  x ~ p(x | z_1) (decoder)
/// bottom-up    h_0 = x,  h_i = up_i(h_{i−1}),  (μ̂_i, log σ̂_i²) = head_i(h_i)              deterministic, once per x
/// inference    q(z_N | x) = N(μ̂_N, σ̂_N²);  for i &lt; N, with z_{i+1} the sample drawn above:
///              q(z_i | z_{i+1}, x) = N(μ_q, σ_q²),  σ_q² = 1 / (σ̂_i⁻² + σ_p⁻²),  μ_q = (μ̂_i σ̂_i⁻² + μ_p σ_p⁻²) σ_q²
/// </code>
/// The precision-weighted combination is computed stably as log σ_q² = log σ̂² − softplus(log σ̂² − log σ_p²) and
/// μ_q = μ_p + (μ̂ − μ_p)·sigmoid(log σ_p² − log σ̂²).
/// <para>
/// KL: the ELBO is E_q[log p(x|z_1)] − Σ_i E_q[KL(q(z_i | z_{i+1}, x) ‖ p(z_i | z_{i+1}))], with each layer's KL in
/// <b>closed form</b> between its two diagonal Gaussians, given the z_{i+1} sampled above it (so Monte Carlo only over the
/// layers above; lower variance than log q − log p at the sample). Reported per layer as "kl1" … "klN" in the metrics.
/// β (warm-up) weighs every layer's KL; free bits λ apply per dimension of every layer: Σ_i Σ_j max(λ, E_batch KL_ij).
/// The importance weights use log p(x|z_1) + Σ_i [log p(z_i | z_{i+1}) − log q(z_i | z_{i+1}, x)] at the sampled z.
/// </para>
/// <para>
/// Latent space: <see cref="Encode"/> returns the concatenated posterior means [μ_1 | … | μ_N] ([B, Σ L_i], so
/// <see cref="LatentSize"/> = Σ L_i), taking the mean rather than a sample at every layer of the top-down pass.
/// <see cref="Decode"/> takes such a concatenation and decodes its z_1 part (x depends on z_1 only); to see what a higher
/// layer encodes, use <see cref="DecodeFromLayer"/>, which passes a layer's code down through the prior means.
/// </para>
/// </summary>
public sealed class HierarchicalVae : LatentModel, ILayeredLatents, IHasPrior, ILayeredLikelihood
{
    // The log-variances of every layer stay where σ⁻² (used by the KL between two Gaussians) is finite and moderate.
    private const float MinLogVariance = -10f, MaxLogVariance = 10f;

    private readonly int[] _sizes;                 // L_1 … L_N
    private readonly Layer[] _up;                  // up_i: h_{i−1} → h_i
    private readonly Layer[] _heads;               // head_i: h_i → [B, 2 L_i]: μ̂_i then log σ̂_i²
    private readonly Layer[] _down;                // down_i (i = 1 … N−1): z_{i+1} [B, L_{i+1}] → [B, 2 L_i]: μ_p then log σ_p²
    private readonly Layer _decoder;               // z_1 [B, L_1] → decoder output [B, D]
    private readonly IObservationModel _observation;
    private readonly StandardNormalPrior _topPrior;  // p(z_N)

    /// <summary>
    /// Injected blocks, index 0 for layer 1: <paramref name="bottomUp"/> and <paramref name="posteriorHeads"/> have N entries,
    /// <paramref name="topDown"/> N − 1 (entry i computes p(z_{i+1} | z_{i+2})). <paramref name="spec"/>'s
    /// <see cref="ModelSpec.LatentSizes"/> gives L_i, unless <paramref name="layerSizes"/> does (when z_1 is maps, the spec lists
    /// only the layers above it), and its <see cref="ModelSpec.LatentSize"/> must be their sum.
    /// </summary>
    public HierarchicalVae(ModelSpec spec, IReadOnlyList<Layer> bottomUp, IReadOnlyList<Layer> posteriorHeads,
        IReadOnlyList<Layer> topDown, Layer decoder, IObservationModel observation, IReadOnlyList<int>? layerSizes = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _sizes = [.. layerSizes ?? spec.LatentSizes];
        int n = _sizes.Length;
        if (n < 2) throw new ArgumentException($"A hierarchical VAE needs at least two stochastic layers; LatentSizes is [{string.Join(", ", _sizes)}].", nameof(spec));
        if (_sizes.Any(l => l < 1)) throw new ArgumentException($"Every stochastic layer needs at least one dimension; LatentSizes is [{string.Join(", ", _sizes)}].", nameof(spec));
        if (spec.LatentSize != _sizes.Sum()) throw new ArgumentException($"LatentSize must be the sum of LatentSizes ({_sizes.Sum()}), not {spec.LatentSize}.", nameof(spec));
        if (bottomUp.Count != n || posteriorHeads.Count != n || topDown.Count != n - 1)
            throw new ArgumentException($"{n} stochastic layers need {n} bottom-up blocks and heads and {n - 1} top-down blocks; got {bottomUp.Count}, {posteriorHeads.Count} and {topDown.Count}.");
        Spec = spec;
        _up = new Layer[n];
        _heads = new Layer[n];
        _down = new Layer[n - 1];
        for (int i = 0; i < n; i++)
        {
            _up[i] = RegisterModule($"up{i + 1}", bottomUp[i]);
            _heads[i] = RegisterModule($"head{i + 1}", posteriorHeads[i]);
        }
        for (int i = 0; i < n - 1; i++) _down[i] = RegisterModule($"down{i + 1}", topDown[i]);
        _decoder = RegisterModule("decoder", decoder);
        _observation = observation;
        _topPrior = new StandardNormalPrior(_sizes[^1]);
        if (observation is Module likelihoodModule) RegisterModule("likelihood", likelihoodModule);
    }

    /// <inheritdoc/>
    public override ModelSpec Spec { get; }

    /// <summary>N, the number of stochastic layers.</summary>
    public int Layers => _sizes.Length;

    /// <summary>L_1 … L_N.</summary>
    public IReadOnlyList<int> LayerSizes => _sizes;

    /// <summary>Σ L_i, the width of the concatenated codes [z_1 | … | z_N].</summary>
    public int LatentSize => Spec.LatentSize;

    /// <summary>"ladder": N(0, I) on the top layer, each layer below Gaussian given the one above.</summary>
    public string PriorDescription => "ladder";

    /// <summary>False: only the top layer's prior is N(0, I); the lower ones are learned, given the layer above.</summary>
    public bool HasStandardNormalPrior => false;

    /// <summary>p(x | z_1), the decoder likelihood.</summary>
    public IObservationModel Observation => _observation;

    /// <summary>The concatenated posterior means [μ_1 | … | μ_N] of the top-down pass taken at its means. [B, D] → [B, Σ L_i]</summary>
    public Tensor Encode(Tensor x, Tensor? condition = null)
    {
        CheckCondition(condition, x.Dim(0));
        var (muHat, logVarHat) = BottomUp(x, 1);
        int n = Layers;
        var means = new Tensor[n];
        means[n - 1] = muHat[n - 1];
        for (int i = n - 2; i >= 0; i--)
        {
            var (muP, logVarP) = TopDownPrior(i, means[i + 1]);
            means[i] = Combine(muHat[i], logVarHat[i], muP, logVarP).Mean;
        }
        return Tensor.Concat(means, 1);
    }

    /// <summary>The decoder's mean for the z_1 part of concatenated codes [z_1 | … | z_N]. [B, Σ L_i] (or [B, L_1]) → [B, D]</summary>
    public Tensor Decode(Tensor z, Tensor? condition = null)
    {
        CheckCondition(condition, z.Dim(0));
        return _observation.Mean(_decoder.Forward(FirstLayer(z)));
    }

    /// <summary>z_1 of concatenated codes, or z_1 itself. [B, Σ L_i] (or [B, L_1]) → [B, L_1]</summary>
    private Tensor FirstLayer(Tensor z)
    {
        int width = z.Dim(1);
        if (width != LatentSize && width != _sizes[0])
            throw new ArgumentException($"Decode takes the concatenated codes [B, {LatentSize}] (or z_1 alone, [B, {_sizes[0]}]); got {z}.", nameof(z));
        return width == _sizes[0] ? z : z.Slice(1, 0, _sizes[0]);
    }

    /// <summary>
    /// The image a code of stochastic layer <paramref name="layer"/> (1 … N) stands for: the layers below take their prior
    /// means μ_p given the layer above, then the decoder's mean. For traversals per layer. [B, L_layer] → [B, D]
    /// </summary>
    public Tensor DecodeFromLayer(int layer, Tensor z)
    {
        if (layer < 1 || layer > Layers) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The layers are numbered 1 (next to x) to {Layers}.");
        if (z.Rank != 2 || z.Dim(1) != _sizes[layer - 1])
            throw new ArgumentException($"Layer {layer} has {_sizes[layer - 1]} dimensions: z must be [B, {_sizes[layer - 1]}]; got {z}.", nameof(z));
        for (int i = layer - 2; i >= 0; i--) z = TopDownPrior(i, z).Mean;
        return _observation.Mean(_decoder.Forward(z));
    }

    /// <summary>Ancestral samples z_N ~ N(0, I), z_i ~ p(z_i | z_{i+1}), shown as the decoder's mean. [n, D]</summary>
    public Tensor Sample(int n, Rng rng) => Decode(SamplePrior(n, rng));

    /// <summary>Ancestral draws z_N ~ N(0, I), z_i ~ p(z_i | z_{i+1}), concatenated [z_1 | … | z_N]. [n, Σ L_i]</summary>
    public Tensor SamplePrior(int n, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        var layers = new Tensor[Layers];
        Tensor z = layers[^1] = _topPrior.Sample(n, rng);
        for (int i = Layers - 2; i >= 0; i--)
        {
            var (muP, logVarP) = TopDownPrior(i, z);
            z = layers[i] = new DiagonalNormal(muP, logVarP).Rsample(rng);
        }
        return Tensor.Concat(layers, 1);
    }

    /// <summary>Images drawn from p(x | z_1) for the z_1 part of concatenated codes. [B, Σ L_i] (or [B, L_1]) → [B, D]</summary>
    public Tensor DrawPixels(Tensor z, Rng rng, Tensor? condition = null)
    {
        CheckCondition(condition, z.Dim(0));
        return _observation.Sample(_decoder.Forward(FirstLayer(z)), rng);
    }

    /// <inheritdoc/>
    public Tensor LogImportanceWeights(Tensor x, int k, Rng rng, Tensor? condition = null) =>
        Terms(x, rng, importanceSamples: k, condition: condition).Importance!.LogWeights;   // [B, K]

    /// <summary>
    /// The log importance weights of the bound with z_1 … z_m (m = <paramref name="priorLayers"/>) drawn from the prior
    /// p(z_i | z_{i+1}) and z_{m+1} … z_N from q: log p(x | z_1) + Σ_{i&gt;m} [log p(z_i | z_{i+1}) − log q(z_i | z_{i+1}, x)],
    /// the prior and proposal terms of the lowest m layers cancelling; with <paramref name="priorMean"/>, z_1 … z_m are the
    /// prior's means instead. The same draws as <see cref="LogImportanceWeights"/> from the same <paramref name="rng"/> state
    /// (which it equals for m = 0), and it leaves <paramref name="rng"/> where that does. [B, D] → [B, K]
    /// </summary>
    public Tensor LogImportanceWeightsWithPriorBelow(Tensor x, int k, int priorLayers, Rng rng, bool priorMean = false)
    {
        if (priorLayers < 0 || priorLayers >= Layers)
            throw new ArgumentOutOfRangeException(nameof(priorLayers), priorLayers, $"The lowest 0 to {Layers - 1} of the {Layers} layers can come from the prior.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        Pass weighted = Run(x, k, rng, withLogRatio: true, priorLayers, priorMean);
        return new ImportanceWeights(weighted.LogLikelihood, weighted.LogRatio!, k).LogWeights;   // [B, K]
    }

    /// <summary>
    /// log p(x | z_1) averaged over the S draws, and each layer's closed-form KL given the parent drawn above it, per draw
    /// ([S·B] and [S·B, L_i], sample-major); with K importance samples the parts of the log importance weights instead, next
    /// to the layers' KLs at the same draws.
    /// </summary>
    public override ModelTerms Terms(Tensor x, Rng rng, int samples = 1, int importanceSamples = 0, Tensor? condition = null)
    {
        CheckCondition(condition, x.Dim(0));
        int b = x.Dim(0);
        if (importanceSamples > 0)
        {
            Pass weighted = Run(x, importanceSamples, rng, withLogRatio: true);
            return new ModelTerms
            {
                Kind = TermsKind.Bound,
                Examples = b,
                KlPerLayer = weighted.KlPerDimension.Select(k => k.Sum(1)).ToArray(),
                KlPerDimension = weighted.KlPerDimension,
                Importance = new ImportanceWeights(weighted.LogLikelihood, weighted.LogRatio!, importanceSamples),
            };
        }
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "At least one noise sample per example is needed.");
        Pass pass = Run(x, samples, rng, withLogRatio: false);
        return new ModelTerms
        {
            Kind = TermsKind.Bound,
            Examples = b,
            LogLikelihood = MeanOverDraws(pass.LogLikelihood, samples),                       // [B]
            KlPerLayer = pass.KlPerDimension.Select(k => k.Sum(1)).ToArray(),                  // [S·B] each
            KlPerDimension = pass.KlPerDimension,
        };
    }

    /// <summary>One pass with <c>draws</c> samples per example, laid out sample-major: row s·B + i is draw s of example i.</summary>
    /// <param name="LogLikelihood">log p(x | z_1). [S·B]</param>
    /// <param name="KlPerDimension">per layer, KL(q ‖ p) per dimension in closed form given the sampled parent. [S·B, L_i]</param>
    /// <param name="LogRatio">Σ_i log p(z_i | z_{i+1}) − log q(z_i | ·) at the sampled z, when asked for. [S·B]</param>
    private readonly record struct Pass(Tensor LogLikelihood, Tensor[] KlPerDimension, Tensor? LogRatio);

    /// <remarks>
    /// The lowest <paramref name="priorLayers"/> layers draw z_i from p(z_i | z_{i+1}) instead of q, with the same noise, or
    /// take its mean with <paramref name="priorMean"/>: their KL is then 0 and they add nothing to the log ratio (log p − log q
    /// = 0 where q = p).
    /// </remarks>
    private Pass Run(Tensor x, int draws, Rng rng, bool withLogRatio, int priorLayers = 0, bool priorMean = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(draws);
        int n = Layers;
        var (muHat, logVarHat) = BottomUp(x, draws);
        var kl = new Tensor[n];

        // Top layer: q(z_N | x) = N(μ̂_N, σ̂_N²) against p(z_N) = N(0, I).
        var q = new DiagonalNormal(muHat[n - 1], logVarHat[n - 1]);
        Tensor z = q.Rsample(rng);                                                          // [S·B, L_N]
        kl[n - 1] = q.KlToStandardNormalPerDimension();
        Tensor? logRatio = withLogRatio ? _topPrior.LogProb(z) - q.LogProb(z) : null;

        for (int i = n - 2; i >= 0; i--)
        {
            var (muP, logVarP) = TopDownPrior(i, z);                                        // p(z_i | z_{i+1}), [S·B, L_i] each
            if (i < priorLayers)
            {
                var prior = new DiagonalNormal(muP, logVarP);
                // Drawn even when the mean is used: the stream then moves as in the full bound, so the layers above get the
                // same noise as there in every later call, and the difference of the two bounds stays low in variance.
                Tensor drawn = prior.Rsample(rng);
                z = priorMean ? muP : drawn;
                kl[i] = KlPerDimension(prior, muP, logVarP);                               // 0: the layer is its prior
                continue;
            }
            q = Combine(muHat[i], logVarHat[i], muP, logVarP);
            z = q.Rsample(rng);
            kl[i] = KlPerDimension(q, muP, logVarP);
            if (logRatio is not null) logRatio = logRatio + new DiagonalNormal(muP, logVarP).LogProb(z) - q.LogProb(z);
        }
        Tensor logLikelihood = _observation.LogProb(x, _decoder.Forward(z));   // [S·B]
        return new Pass(logLikelihood, kl, logRatio);
    }

    /// <summary>(μ̂_i, log σ̂_i²) of every layer from the deterministic bottom-up pass, each tiled <paramref name="draws"/> times. [S·B, L_i]</summary>
    private (Tensor[] Mean, Tensor[] LogVariance) BottomUp(Tensor x, int draws)
    {
        if (x.Rank != 2 || x.Dim(1) != Spec.Dimensions)
            throw new ArgumentException($"The model {Spec} takes images as rows [B, {Spec.Dimensions}]; got {x}.", nameof(x));
        int n = Layers;
        var mean = new Tensor[n];
        var logVariance = new Tensor[n];
        Tensor h = x;
        for (int i = 0; i < n; i++)
        {
            h = _up[i].Forward(h);                                                          // [B, H_i]
            Tensor o = _heads[i].Forward(h);                                                // [B, 2 L_i]
            int l = _sizes[i];
            mean[i] = o.Slice(1, 0, l).Tile(draws);
            logVariance[i] = o.Slice(1, l, l).Clamp(MinLogVariance, MaxLogVariance).Tile(draws);
        }
        return (mean, logVariance);
    }

    /// <summary>p(z_{i+1} | z_{i+2}) for 0-based index i: (μ_p, log σ_p²), each [B, L_{i+1}], from the parent code z [B, L_{i+2}].</summary>
    private (Tensor Mean, Tensor LogVariance) TopDownPrior(int i, Tensor parent)
    {
        Tensor o = _down[i].Forward(parent);
        int l = _sizes[i];
        return (o.Slice(1, 0, l), o.Slice(1, l, l).Clamp(MinLogVariance, MaxLogVariance));
    }

    /// <summary>
    /// The precision-weighted posterior: σ_q² = 1/(σ̂⁻² + σ_p⁻²), μ_q = (μ̂σ̂⁻² + μ_pσ_p⁻²)σ_q², as
    /// log σ_q² = log σ̂² − softplus(log σ̂² − log σ_p²) and μ_q = μ_p + (μ̂ − μ_p)·sigmoid(log σ_p² − log σ̂²). [B, L]
    /// </summary>
    internal static DiagonalNormal Combine(Tensor muHat, Tensor logVarHat, Tensor muP, Tensor logVarP)
    {
        Tensor difference = logVarHat - logVarP;
        Tensor logVarQ = logVarHat - difference.Softplus();
        Tensor weight = difference.Negate().Sigmoid();                                      // σ_q² / σ̂²
        return new DiagonalNormal(muP + (muHat - muP) * weight, logVarQ);
    }

    /// <summary>KL(N(μ_q, σ_q²) ‖ N(μ_p, σ_p²)) per dimension: ½[log σ_p² − log σ_q² + (σ_q² + (μ_q − μ_p)²)/σ_p² − 1]. [B, L]</summary>
    internal static Tensor KlPerDimension(DiagonalNormal q, Tensor muP, Tensor logVarP)
    {
        Tensor gap = q.Mean - muP;
        return (logVarP - q.LogVariance + (q.LogVariance.Exp() + gap.Square()) * logVarP.Negate().Exp() - 1f) * 0.5f;
    }

    /// <summary>The mean over the S draws of a sample-major [S·B] tensor. → [B]</summary>
    private static Tensor MeanOverDraws(Tensor t, int draws) => draws == 1 ? t : t.Reshape(draws, t.Dim(0) / draws).Mean(0);
}
