using LatentSharp.Distributions;
using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// PixelCNN (van den Oord et al. 2016) for binarized single-channel images: an autoregressive model with an exact
/// likelihood, p(x) = Π_i Bernoulli(x_i | σ(logit_i(x_&lt;i))), pixels in raster order. Shapes: B rows, D = H·W pixels,
/// h = <see cref="ModelSpec.PixelCnnChannels"/>.
/// <code>
/// x [B, D] → [B, 1, H, W] → MaskedConv 7×7 type A (1 → h)
///   → N × residual block: x + Conv1×1(h/2 → h)(ReLU(MaskedConv 3×3 type B(h/2 → h/2)(ReLU(Conv1×1(h → h/2)(ReLU(x))))))
///   → ReLU → Conv1×1 (h → h) → ReLU → Conv1×1 (h → 1) → logits [B, D]
/// </code>
/// Only the first layer hides pixel i from output i; the type-B and 1×1 layers keep the dependence on positions ≤ i, so the
/// logit of pixel i depends on x_&lt;i alone.
/// <para>
/// Exact NLL in nats per image = Σ_i BCE-with-logits(logit_i, x_i). It fits the latent-variable API as follows:
/// <see cref="Terms"/> are <see cref="TermsKind.Exact"/>: log p(x) with no KL, so the loss is the mean NLL (metric "nll"; β and
/// warm-up have nothing to weigh; free bits, several samples and the IWAE objective are refused) and the ELBO is log p(x)
/// itself; <see cref="LogImportanceWeights"/> returns the exact log p(x) in every one of the K columns, so
/// log (1/K) Σ_k w_k = log p(x) and the importance-sampled NLL evaluator reports the exact NLL, whatever K. It has no
/// latent space (it is not an <see cref="ILatentSpace"/>). <see cref="Sample"/> draws pixel by pixel (D forward passes).
/// </para>
/// </summary>
public sealed class PixelCnn : LatentModel, IExactLikelihood, IGenerative
{
    private const int FirstKernel = 7;

    private readonly MaskedConv2d _input;
    private readonly MaskedResidualBlock[] _blocks;
    private readonly Conv2d _hidden, _output;
    private readonly int _height, _width;

    // The last exact log p(x) that LogImportanceWeights computed without gradients, with the rows and weights it was for:
    // the evaluator asks for the same rows in chunks of K, which must not cost a forward pass each.
    private float[]? _memoRows, _memoParameters, _memoLogLikelihood;

    public PixelCnn(ModelSpec spec, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Channels != 1) throw new ArgumentException($"The pixelcnn models single-channel binarized images; these have {spec.Channels} channels.", nameof(spec));
        int h = spec.PixelCnnChannels;
        if (h < 2) throw new ArgumentException($"The pixelcnn needs at least 2 feature channels, not {h}.", nameof(spec));
        if (spec.PixelCnnBlocks < 0) throw new ArgumentException($"The number of residual blocks must not be negative, not {spec.PixelCnnBlocks}.", nameof(spec));
        Spec = spec;
        _height = spec.Height;
        _width = spec.Width;
        _input = RegisterModule("input", new MaskedConv2d(1, h, FirstKernel, MaskType.A, rng));
        _blocks = new MaskedResidualBlock[spec.PixelCnnBlocks];
        for (int i = 0; i < _blocks.Length; i++) _blocks[i] = RegisterModule($"block{i + 1}", new MaskedResidualBlock(h, rng));
        _hidden = RegisterModule("hidden", new Conv2d(h, h, 1, rng));
        _output = RegisterModule("output", new Conv2d(h, 1, 1, rng));
    }

    public override ModelSpec Spec { get; }

    /// <summary>The Bernoulli logit of every pixel given the pixels before it. [B, D] → [B, D]</summary>
    public Tensor Logits(Tensor x)
    {
        int d = Spec.Dimensions;
        if (x.Rank != 2 || x.Dim(1) != d)
            throw new ArgumentException($"The pixelcnn takes images as rows [B, {d}]; got {x}.", nameof(x));
        return LogitsOfFirstRows(x, _height);
    }

    /// <summary>
    /// The logits of the first <paramref name="rows"/> image rows from those rows alone: every layer is causal (nothing looks
    /// below its own row), so they equal the first rows·W columns of <see cref="Logits"/> of any image that starts with
    /// these rows. Sampling row r this way costs r + 1 rows instead of H. [B, rows·W] → [B, rows·W]
    /// </summary>
    public Tensor LogitsOfFirstRows(Tensor x, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, _height);
        int width = rows * _width;
        if (x.Rank != 2 || x.Dim(1) != width)
            throw new ArgumentException($"The first {rows} rows of the images are [B, {width}]; got {x}.", nameof(x));
        int b = x.Dim(0);
        Tensor h = _input.Forward(x.Reshape(b, 1, rows, _width));            // [B, h, rows, W]
        foreach (MaskedResidualBlock block in _blocks) h = block.Forward(h);
        h = _hidden.Forward(h.Relu()).Relu();
        return _output.Forward(h).Reshape(b, width);                         // [B, 1, rows, W] → [B, rows·W]
    }

    /// <summary>The exact log p(x) = −Σ_i BCE(logit_i, x_i) in nats. [B, D] → [B]</summary>
    public Tensor LogLikelihood(Tensor x) => Logits(x).BinaryCrossEntropyWithLogits(x).Sum(1).Negate();

    /// <summary>The exact log p(x) of each image ([B]); there are no latent draws, so several samples or importance samples are refused.</summary>
    public override ModelTerms Terms(Tensor x, Rng rng, int samples = 1, int importanceSamples = 0, Tensor? condition = null)
    {
        CheckCondition(condition, x.Dim(0));
        if (importanceSamples > 0 || samples != 1)
            throw new ArgumentException($"The model {Spec} has an exact likelihood and no latent draws: ask for one sample and no importance samples.", nameof(samples));
        return ModelTerms.WithoutKl(TermsKind.Exact, LogLikelihood(x));
    }

    /// <summary>
    /// The exact log p(x) repeated in all K columns (no sampling: log mean_k w_k = log p(x)). Without gradients the
    /// result for the last rows is remembered (rows and weights compared by value), so the evaluator's chunks of K cost
    /// one forward pass per batch of images. [B, D] → [B, K]
    /// </summary>
    public Tensor LogImportanceWeights(Tensor x, int k, Rng rng, Tensor? condition = null)
    {
        CheckCondition(condition, x.Dim(0));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        int b = x.Dim(0);
        Tensor logLikelihood;
        if (Tensor.IsGradEnabled)
        {
            logLikelihood = LogLikelihood(x);
        }
        else
        {
            float[] parameters = new float[ParameterCount];
            int offset = 0;
            foreach (Tensor p in Parameters())
            {
                p.Data.AsSpan(0, p.Length).CopyTo(parameters.AsSpan(offset));
                offset += p.Length;
            }
            ReadOnlySpan<float> rows = x.Data.AsSpan(0, x.Length);
            if (_memoRows is null || !rows.SequenceEqual(_memoRows) || !parameters.AsSpan().SequenceEqual(_memoParameters))
            {
                _memoLogLikelihood = LogLikelihood(x).Data.AsSpan(0, b).ToArray();
                _memoRows = rows.ToArray();
                _memoParameters = parameters;
            }
            logLikelihood = Tensor.FromArray((float[])_memoLogLikelihood!.Clone(), b);
        }
        return logLikelihood.Reshape(b, 1) + Tensor.Full(0f, b, k);              // [B, 1] broadcast to [B, K]
    }

    /// <summary>
    /// n binary images drawn pixel by pixel in raster order: x_i ~ Bernoulli(σ(logit_i(x_&lt;i))), one forward pass per
    /// pixel (D passes, each over the rows down to the pixel's own: about half the cost of full images), without
    /// gradients, in groups of at most <see cref="LatentModel.EvaluationBatchSize"/> images so that the feature maps of a
    /// pass stay within its memory budget. [n, D] of 0/1
    /// </summary>
    public Tensor Sample(int n, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentNullException.ThrowIfNull(rng);
        int d = Spec.Dimensions, group = EvaluationBatchSize(n);
        var image = new float[n * d];
        for (int first = 0; first < n; first += group)
        {
            int count = Math.Min(group, n - first);
            RasterOrder.Fill(image.AsSpan(first * d, count * d), count, _height, _width, LogitsOfFirstRows, rng);
        }
        return Tensor.FromArray(image, n, d);
    }
}
