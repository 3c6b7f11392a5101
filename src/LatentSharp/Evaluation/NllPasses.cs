using LatentSharp.Data;
using LatentSharp.Distributed;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// The importance-sampled NLL passes of one model, the same code for every model with a likelihood: its log-weight
/// source, the estimator's call sizes, the likelihood's convention (discrete nats of the images as given, the exact
/// likelihood of their 8-bit values, or the dequantized 8-bit bound) and the progress file in which a pass keeps its finished batches.
/// </summary>
internal sealed class NllPasses
{
    private readonly string _model;
    private readonly Func<int?, LogWeightsSource> _sourceFor;   // label (null: unconditional) → log-weight source
    private readonly int _classes;                             // 0: unconditional
    private readonly NllProgress? _progress;
    private readonly string _identity;
    private ICommunicator? _ranks;

    private NllPasses(string model, ImportanceSampledNll estimator, NllConvention convention, Func<int?, LogWeightsSource> sourceFor,
        int classes, NllProgress? progress, Func<string> identity)
    {
        _model = model;
        Estimator = estimator;
        Convention = convention;
        _sourceFor = sourceFor;
        _classes = classes;
        _progress = progress;
        _identity = progress is null ? "" : identity();
    }

    public ImportanceSampledNll Estimator { get; }

    public NllConvention Convention { get; }

    /// <summary>These passes shared by the ranks of <paramref name="ranks"/> (null: one process), each image's samples seeded by the image.</summary>
    public NllPasses SharedBy(ICommunicator? ranks)
    {
        _ranks = ranks;
        return this;
    }

    /// <summary>
    /// The passes of a neural model with a likelihood (<see cref="ILikelihood"/>): K = <paramref name="samples"/>,
    /// call sizes from <see cref="EstimatorFor"/>, the convention of its likelihood (<see cref="ConventionOf"/>), progress told apart by the model's
    /// spec and weights. A conditional model's passes score log p(x | y) with each image's label.
    /// </summary>
    public static NllPasses Of(LatentModel model, int samples, NllProgress? progress) => new(
        model.Spec.ToString(),
        EstimatorFor(model, samples),
        ConventionOf(model.Spec),
        label => ModelLogWeights.For(model, label),
        model.As<IConditional>()?.Classes ?? 0,
        progress,
        () => $"{model.Spec}|weights {NllProgress.Hash(model.Parameters().Select(p => (ReadOnlyMemory<float>)p.Data.AsMemory(0, p.Length)))}");

    /// <summary>
    /// What a model's likelihood is of: binary pixels (nats of the images as given), the 8-bit values themselves (exact
    /// bits/dim), or a density on the intensities (the dequantized 8-bit bound).
    /// </summary>
    public static NllConvention ConventionOf(ModelSpec spec) =>
        spec.HasBinaryLikelihood ? NllConvention.Discrete
        : spec.HasEightBitLikelihood ? NllConvention.Discrete8Bit
        : NllConvention.Dequantized8Bit;

    /// <summary>
    /// The passes of probabilistic PCA: its exact posterior as the proposal makes every weight log p(x), so one sample
    /// per image is exact; a density, so the dequantized 8-bit convention.
    /// </summary>
    public static NllPasses Of(ProbabilisticPca ppca, string name) => new(
        name,
        new ImportanceSampledNll(samples: 1, chunkSize: 1, batchSize: 500),
        NllConvention.Dequantized8Bit,
        _ => ppca.LogImportanceWeights,
        classes: 0,
        progress: null,
        () => "");

    /// <summary>
    /// The estimator's default calls (50 images × 100 samples, 5,000 decoder rows), with fewer images per call when that
    /// many rows would take more than the model's evaluation budget (<see cref="LatentModel.EvaluationBatchSize"/>): a
    /// convolutional decoder with an autoregressive likelihood holds ~100 K floats per row, 2 GB for 5,000 rows.
    /// </summary>
    public static ImportanceSampledNll EstimatorFor(LatentModel model, int samples)
    {
        var defaults = new ImportanceSampledNll(samples);
        int rows = model.EvaluationBatchSize(defaults.BatchSize * defaults.ChunkSize);
        int chunk = Math.Min(defaults.ChunkSize, rows);
        return new ImportanceSampledNll(samples, chunk, Math.Max(1, rows / chunk));
    }

    /// <summary>
    /// The importance-sampled NLL of the first <paramref name="n"/> images of <paramref name="data"/> in the model's
    /// convention (dequantized with draws from <paramref name="rng"/> first, for a density; a discrete likelihood scores
    /// the images as given). A conditional model's images
    /// of each label are evaluated together under that label. <paramref name="name"/> names the pass in the progress file.
    /// </summary>
    public NllEstimate Nll(string name, Dataset data, int n, Rng rng)
    {
        int d = data.Dimensions;
        float[] x = Convention == NllConvention.Dequantized8Bit ? ImportanceSampledNll.Dequantize(data.Pixels, n, d, rng) : data.Pixels;
        double[] logMarginals = _classes == 0
            ? LogMarginals(_sourceFor(null), x, n, d, rng, name)
            : ConditionalLogMarginals(name, data, x, n, d, rng);
        return Estimator.Summarize(Convention, logMarginals, d);
    }

    private double[] ConditionalLogMarginals(string name, Dataset data, float[] x, int n, int d, Rng rng)
    {
        ModelEvaluation.RequireLabels(_model, data);
        // One pass sorts the images by label; a label outside the model's classes would otherwise fall in no group
        // and leave its image silently unscored.
        var rowsOf = new List<int>[_classes];
        for (int i = 0; i < n; i++)
        {
            int label = data.Labels[i];
            if ((uint)label >= (uint)_classes)
                throw new DataMismatchException($"The model {_model} knows labels 0 to {_classes - 1}, but image {i} of {data.Name} has label {label}.");
            (rowsOf[label] ??= []).Add(i);
        }
        var logMarginals = new double[n];
        for (int label = 0; label < _classes; label++)
        {
            if (rowsOf[label] is not { } rows) continue;
            var group = new float[rows.Count * d];
            for (int r = 0; r < rows.Count; r++) x.AsSpan(rows[r] * d, d).CopyTo(group.AsSpan(r * d, d));
            double[] groupLogMarginals = LogMarginals(_sourceFor(label), group, rows.Count, d, rng, $"{name}, label {label}");
            for (int r = 0; r < rows.Count; r++) logMarginals[rows[r]] = groupLogMarginals[r];
        }
        return logMarginals;
    }

    private double[] LogMarginals(LogWeightsSource source, float[] x, int n, int d, Rng rng, string key) =>
        _ranks is null
            ? Estimator.LogMarginals(source, x, n, d, rng, _progress, key, _identity)
            : Estimator.SharedLogMarginals(source, x, n, d, rng, _ranks);
}
