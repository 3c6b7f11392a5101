using LatentSharp.Distributions;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// What the PixelCNNs and PixelRNNs share: images in raster order with an exact likelihood
/// p(x | c) = Π_i p(x_i | outputs_i(x_&lt;i, c)), D = C·H·W sub-pixels (channel-planar rows), pixels in raster order and,
/// within a pixel, sub-pixels in channel order (R → G → B), an optional class condition c [B, C]. The
/// <see cref="PixelHead"/> (from <see cref="ModelSpec.Likelihood"/>) says what the P network outputs of a pixel are: a
/// Bernoulli logit of a binarized single-channel pixel ("bernoulli"), 256 logits per sub-pixel ("categorical") or
/// PixelCNN++'s discretized logistic mixture ("logistic-mixture"). A subclass gives the outputs of the first rows of the
/// images from those rows alone (every layer causal: nothing looks below its own row), with the channel groups of its
/// head masked in order; this class turns them into the exact log-likelihood, the <see cref="ModelTerms"/>, the log
/// importance weights the evaluator asks for, and pixel-by-pixel (and sub-pixel by sub-pixel) samples.
/// </summary>
public abstract class AutoregressiveImageModel : LatentModel, IExactLikelihood, IGenerative
{
    // The last exact log p(x | c) that LogImportanceWeights computed without gradients, with the rows, condition and weights
    // it was for: the evaluator asks for the same rows in chunks of K, which must not cost a forward pass each.
    private float[]? _memoRows, _memoParameters, _memoLogLikelihood;

    /// <summary>A model whose outputs <paramref name="head"/> reads.</summary>
    protected AutoregressiveImageModel(PixelHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        Head = head;
    }

    /// <summary>What the network's outputs of a pixel mean: its distribution, log-probability and sampler.</summary>
    public PixelHead Head { get; }

    /// <summary>
    /// The head of <paramref name="spec"/>'s likelihood: "bernoulli" (single-channel binarized images only), "categorical" or
    /// "logistic-mixture" (K = <see cref="ModelSpec.MixtureComponents"/>); throws <see cref="ArgumentException"/> otherwise.
    /// </summary>
    public static PixelHead HeadOf(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Likelihood switch
        {
            "bernoulli" when spec.Channels == 1 => new BernoulliPixelHead(),
            "bernoulli" => throw new ArgumentException($"The {spec.Kind}'s Bernoulli likelihood models single-channel binarized images; these have {spec.Channels} channels.", nameof(spec)),
            "categorical" => new CategoricalPixelHead(spec.Channels),
            "logistic-mixture" => new LogisticMixturePixelHead(spec.Channels, spec.MixtureComponents),
            _ => throw new ArgumentException($"The {spec.Kind} has a bernoulli, categorical or logistic-mixture likelihood, not \"{spec.Likelihood}\".", nameof(spec)),
        };
    }

    /// <summary>
    /// The head's outputs for the first <paramref name="rows"/> image rows from those rows alone; they equal the first rows·W
    /// columns of every output plane of <see cref="Logits"/> of any image that starts with these rows, so sampling row r
    /// costs r + 1 rows instead of H. The rows are channel-planar, [B, C, rows, W] flattened (single-channel: the first
    /// rows·W pixels). [B, C·rows·W] (+ [B, classes]) → [B, P·rows·W]
    /// </summary>
    public Tensor LogitsOfFirstRows(Tensor x, int rows, Tensor? condition = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, Spec.Height);
        int width = Spec.Channels * rows * Spec.Width;
        if (x.Rank != 2 || x.Dim(1) != width)
            throw new ArgumentException($"The first {rows} rows of the images are [B, {width}]; got {x}.", nameof(x));
        CheckCondition(condition, x.Dim(0));
        int b = x.Dim(0);
        return FirstRowOutputs(x.Reshape(b, Spec.Channels, rows, Spec.Width), rows, condition).Reshape(b, Head.OutputsPerPixel * rows * Spec.Width);
    }

    /// <summary>
    /// The head's outputs of the first rows from those rows alone, after <see cref="LogitsOfFirstRows"/>'s checks: output o of
    /// pixel i sees the pixels before i and, of pixel i itself, the input channels of earlier groups than o's (channel groups
    /// f mod <see cref="PixelHead.ChannelGroups"/>). [B, C, rows, W] (+ [B, classes]) → [B, P, rows, W]
    /// </summary>
    protected abstract Tensor FirstRowOutputs(Tensor x, int rows, Tensor? condition);

    /// <summary>The head's outputs for every pixel given the sub-pixels before it (and the class); the Bernoulli head's are the logits. [B, D] (+ [B, classes]) → [B, P·H·W]</summary>
    public Tensor Logits(Tensor x, Tensor? condition = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        int d = Spec.Dimensions;
        if (x.Rank != 2 || x.Dim(1) != d)
            throw new ArgumentException($"The {Spec.Kind} takes images as rows [B, {d}]; got {x}.", nameof(x));
        return LogitsOfFirstRows(x, Spec.Height, condition);
    }

    /// <summary>The exact log p(x | c) in nats (Bernoulli: −Σ_i BCE(logit_i, x_i); 8-bit heads: of the values v = round(255·x)). [B, D] (+ [B, classes]) → [B]</summary>
    public Tensor LogLikelihood(Tensor x, Tensor? condition) => Head.LogProb(x, Logits(x, condition));

    /// <summary>The exact log p(x) of an unconditional model (a conditional one needs the labels: the two-argument form). [B, D] → [B]</summary>
    public Tensor LogLikelihood(Tensor x) => LogLikelihood(x, null);

    /// <summary>The exact log p(x | c) of each image ([B]); there are no latent draws, so several samples or importance samples are refused.</summary>
    public override ModelTerms Terms(Tensor x, Rng rng, int samples = 1, int importanceSamples = 0, Tensor? condition = null)
    {
        CheckCondition(condition, x.Dim(0));
        if (importanceSamples > 0 || samples != 1)
            throw new ArgumentException($"The model {Spec} has an exact likelihood and no latent draws: ask for one sample and no importance samples.", nameof(samples));
        return ModelTerms.WithoutKl(TermsKind.Exact, LogLikelihood(x, condition));
    }

    /// <summary>
    /// The exact log p(x | c) repeated in all K columns (no sampling: log mean_k w_k = log p(x | c)). Without gradients the
    /// result for the last rows is remembered (rows, condition and weights compared by value), so the evaluator's chunks of
    /// K cost one forward pass per batch of images. [B, D] → [B, K]
    /// </summary>
    public Tensor LogImportanceWeights(Tensor x, int k, Rng rng, Tensor? condition = null)
    {
        CheckCondition(condition, x.Dim(0));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        int b = x.Dim(0);
        Tensor logLikelihood;
        if (Tensor.IsGradEnabled)
        {
            logLikelihood = LogLikelihood(x, condition);
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
            float[] rows = [.. x.Data.AsSpan(0, x.Length), .. condition is null ? [] : condition.Data.AsSpan(0, condition.Length)];
            if (_memoRows is null || !rows.AsSpan().SequenceEqual(_memoRows) || !parameters.AsSpan().SequenceEqual(_memoParameters))
            {
                _memoLogLikelihood = LogLikelihood(x, condition).Data.AsSpan(0, b).ToArray();
                _memoRows = rows;
                _memoParameters = parameters;
            }
            logLikelihood = Tensor.FromArray((float[])_memoLogLikelihood!.Clone(), b);
        }
        return logLikelihood.Reshape(b, 1) + Tensor.Full(0f, b, k);              // [B, 1] broadcast to [B, K]
    }

    /// <summary>
    /// n images drawn pixel by pixel in raster order and, within a pixel, sub-pixel by sub-pixel (R, then G given R, then B),
    /// one forward pass per pixel and <see cref="PixelHead.PassesPerPixel"/> (each over the rows down to the pixel's own),
    /// without gradients; a conditional model draws row i from class i mod C, so a grid C wide shows one class per column.
    /// [n, D]: 0/1 for the Bernoulli head, v/255 for the 8-bit heads
    /// </summary>
    public Tensor Sample(int n, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        return Draw(As<IConditional>() is null ? null : [.. Enumerable.Range(0, n).Select(i => i % Spec.Classes)], n, rng);
    }

    /// <summary>
    /// n images drawn pixel by pixel, image i under label <paramref name="labels"/>[i] (null: unconditional), in groups of at
    /// most <see cref="LatentModel.EvaluationBatchSize"/> images so that the feature maps of a pass stay within its memory
    /// budget. [n, D]
    /// </summary>
    protected Tensor Draw(int[]? labels, int n, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int d = Spec.Dimensions, group = EvaluationBatchSize(n);
        var image = new float[n * d];
        for (int first = 0; first < n; first += group)
        {
            int count = Math.Min(group, n - first);
            Tensor? condition = labels is null ? null : Condition(labels[first..(first + count)]);
            Head.Fill(image.AsSpan(first * d, count * d), count, Spec.Height, Spec.Width, (top, rows) => FirstRowOutputs(top, rows, condition), rng);
        }
        return Tensor.FromArray(image, n, d);
    }
}
