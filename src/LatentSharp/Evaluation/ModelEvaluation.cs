using System.Diagnostics;
using System.Globalization;
using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// Everything <c>latent eval</c> measures, in one call: the ELBO split into reconstruction and KL, the importance-sampled
/// NLL in the convention of the model's likelihood, active units and KL per latent dimension, linear probes on the latent
/// means next to PCA features of the same size and raw pixels, and outlier AUROC / FPR at 95% TPR against an
/// out-of-distribution set with the raw likelihood and the likelihood-ratio score. Each part is timed.
/// Shapes: <c>N</c> images evaluated, <c>D</c> pixels, <c>L</c> latent dimensions.
/// </summary>
/// <remarks>
/// Conventions. A Bernoulli decoder gets a discrete NLL in nats of the images as given (binarized ones when
/// <see cref="EvaluationOptions.Binarize"/>); a Gaussian decoder and pPCA get the dequantized 8-bit bound in bits/dim,
/// in its own report field. With <see cref="EvaluationOptions.Binarize"/> every split used (evaluated split, probe
/// training images, out-of-distribution set) is binarized once with <see cref="Dataset.TestBinarizationSeed"/>,
/// the whole split at once before any subset is taken, so the test images are exactly those the trainer evaluates on.
/// The background model of the ratio score is fitted on the training intensities (its pixel means are the same whether
/// or not the images are binarized afterwards).
/// </remarks>
public static class ModelEvaluation
{
    /// <summary>Evaluates a trained model (a VAE, or an autoencoder, which has no likelihood) on <paramref name="data"/>.</summary>
    /// <remarks>
    /// With <paramref name="progress"/>, the NLL passes keep their finished batches in that file and resume from it: an
    /// evaluation killed after hours and run again continues where it stopped, with the same result. The caller deletes the
    /// file once it has the report.
    /// </remarks>
    public static EvaluationReport Run(LatentModel model, DataSplits data, EvaluationOptions options, string? modelName = null,
        NllProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var parts = new PartTimer();
        var notes = new List<string>();
        var inputs = Inputs.Prepare(data, options, model.Spec.Dimensions, notes);
        int l = model.LatentSize;

        model.Eval();
        var report = Header(modelName ?? model.Spec.ToString(), model.HasLatentSpace ? l : null, inputs, options);
        double[]? logModel = null;
        bool generativeModel = model is IGenerativeModel;
        bool discrete = model.Spec.HasBinaryLikelihood;
        var estimator = NllEstimator(model, options.Samples);
        var passes = new NllPasses(model, estimator, discrete, progress);
        if (generativeModel)
        {
            report = parts.Time("elbo", () => ElboAndLatentStatistics(model, inputs.Evaluated, inputs.Count, options, report));
            var rng = new Rng(StreamSeed(options.Seed, 2));
            NllEstimate nll = parts.Time("nll", () => passes.Nll(options.Split, inputs.Evaluated, inputs.Count, rng));
            report = report.WithNll(nll);
            logModel = nll.PerImage.Select(v => -v).ToArray();
            if (model.IsConditional)
                notes.Add($"Conditional model: the ELBO and NLL are of log p(x | y) given each image's true label, not comparable with unconditional log p(x).");
            if (discrete && !options.Binarize)
                notes.Add("Bernoulli decoder on intensities in [0, 1] (not binarized): ELBO and NLL are cross-entropies, not log-probabilities of the data.");
            if (!discrete)
                notes.Add("Gaussian decoder: the NLL is the dequantized 8-bit bound (bits/dim); the ELBO is a density on the intensities as given, not comparable with binarized nats.");
        }
        else
        {
            report = parts.Time("reconstruction", () => AutoencoderReconstruction(model, inputs.Evaluated, inputs.Count, options, report, notes));
            notes.Add($"The model ({model.Spec.Kind}) has no prior: no ELBO, KL, NLL, active units or likelihood-based outlier scores.");
        }

        if (generativeModel && !model.IsConditional)
        {
            var rng = new Rng(StreamSeed(options.Seed, 3));
            report = Outliers(report, inputs, options, logModel!, parts, notes,
                ood => Negate(passes.Nll("out-of-distribution", ood, ood.Count, rng).PerImage));
        }
        else if (options.OutOfDistribution is { } requested)
        {
            notes.Add($"Outlier scores vs {requested.Name} skipped: " + (generativeModel
                ? "the model's likelihood is conditional on a label, which the out-of-distribution images do not have."
                : "the model has no likelihood."));
        }

        if (options.Probe && !model.HasLatentSpace)
            notes.Add($"The model ({model.Spec.Kind}) has no latent space: no active units or latent probes.");
        else if (options.Probe)
            report = Probes(report, inputs, l, parts, notes,
                x => Encode(model, x, x.Count, options.BatchSize), pca: null);

        return report with
        {
            Seconds = clock.Elapsed.TotalSeconds,
            SecondsByPart = parts.Seconds,
            Notes = notes,
        };
    }

    /// <summary>
    /// The probabilistic-PCA baseline with <paramref name="latentSize"/> dimensions, fitted in closed form on the training
    /// intensities: its exact log-likelihood as dequantized 8-bit bits/dim (importance sampling with the exact posterior,
    /// whose every weight is log p(x), so one sample is exact), active units of the posterior means, the probes (latent =
    /// posterior means) and the outlier scores.
    /// </summary>
    public static EvaluationReport RunProbabilisticPca(DataSplits data, int latentSize, EvaluationOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Binarize)
            throw new ArgumentException("pPCA is a Gaussian density on 8-bit intensities; it has no binarized evaluation (drop the binarization).");
        int d = data.Train.Dimensions;
        if (latentSize < 1 || latentSize >= d)
            throw new ArgumentException($"--latent must be between 1 and D − 1 = {d - 1} for pPCA, not {latentSize}.");
        var clock = Stopwatch.StartNew();
        var parts = new PartTimer();
        var notes = new List<string>();
        var inputs = Inputs.Prepare(data, options, d, notes);

        Pca pca = parts.Time("fit", () => Pca.Fit(inputs.ProbeTrain.Pixels, inputs.ProbeTrain.Count, d, latentSize));
        ProbabilisticPca ppca = ProbabilisticPca.Fit(pca);
        var report = Header($"ppca, L = {latentSize} (σ² = {ppca.NoiseVariance.ToString("G4", CultureInfo.InvariantCulture)})", latentSize, inputs, options);

        var estimator = new ImportanceSampledNll(samples: 1, chunkSize: 1, batchSize: 500);
        LogWeightsSource source = ppca.LogImportanceWeights;
        NllEstimate nll = parts.Time("nll", () =>
            estimator.EvaluateDequantized(source, inputs.Evaluated.Pixels, inputs.Count, d, new Rng(StreamSeed(options.Seed, 2))));
        report = report.WithNll(nll);
        notes.Add("pPCA: exact log-likelihood (the exact posterior as proposal makes every importance weight log p(x), so K = 1 is exact), "
            + "as dequantized 8-bit bits/dim; its ELBO with the exact posterior equals it.");

        var activity = new ActiveUnits(latentSize);
        activity.Add(Tensor.FromArray(ToFloats(ppca.PosteriorMeans(inputs.Evaluated.Pixels, inputs.Count)), inputs.Count, latentSize));
        report = report with { ActiveUnits = activity.Count(), ActiveUnitThreshold = 0.01 };

        var rng = new Rng(StreamSeed(options.Seed, 3));
        report = Outliers(report, inputs, options, nll.PerImage.Select(v => -v).ToArray(), parts, notes,
            ood => Negate(estimator.EvaluateDequantized(source, ood.Pixels, ood.Count, d, rng).PerImage));

        if (options.Probe)
            report = Probes(report, inputs, latentSize, parts, notes, x => ToFloats(ppca.PosteriorMeans(x.Pixels, x.Count)), pca);

        return report with
        {
            Seconds = clock.Elapsed.TotalSeconds,
            SecondsByPart = parts.Seconds,
            Notes = notes,
        };
    }

    /// <summary>The first <paramref name="n"/> latent codes (posterior means for a VAE) of <paramref name="data"/>: [n, L].</summary>
    public static float[] Encode(LatentModel model, Dataset data, int n, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        int l = model.LatentSize;
        var codes = new float[(long)n * l];
        ForEachBatch(model, data, n, batchSize, (x, start, b) =>
        {
            Tensor z = model.Encode(x, ConditionOf(model, data, start, b)); // [b, L]
            z.Data.AsSpan(0, b * l).CopyTo(codes.AsSpan(start * l, b * l));
        });
        return codes;
    }

    private static EvaluationReport Header(string model, int? latentSize, Inputs inputs, EvaluationOptions options) => new()
    {
        Model = model,
        LatentDimensions = latentSize,
        Dataset = inputs.Description,
        Split = options.Split,
        Images = inputs.Count,
        Dimensions = inputs.Dimensions,
    };

    /// <summary>
    /// The ELBO's terms from the same <see cref="TermSums"/> the trainer's test metrics come from (one sample per image; an
    /// exact likelihood is its own ELBO, with no KL), the active units and the closed-form KL per latent dimension.
    /// </summary>
    private static EvaluationReport ElboAndLatentStatistics(LatentModel model, Dataset data, int n,
        EvaluationOptions options, EvaluationReport report)
    {
        int l = model.LatentSize;
        var rng = new Rng(StreamSeed(options.Seed, 1));
        var activity = model.HasLatentSpace ? new ActiveUnits(l) : null;   // none for the PixelCNN
        var klPerDimension = new double[l];
        bool perDimension = model is Vae { Prior.HasClosedFormKl: true };
        var sums = new TermSums();
        ForEachBatch(model, data, n, options.BatchSize, (x, start, b) =>
        {
            Tensor? condition = ConditionOf(model, data, start, b);
            sums.Add(model.Terms(x, rng, condition: condition));
            if (model is Vae vae)
            {
                DiagonalNormalMoments(vae, x, condition, b, l, activity!, perDimension ? klPerDimension : null);
            }
            else
            {
                activity?.Add(model.Encode(x, condition));
            }
        });
        bool exact = sums.Names.Contains(TermSums.Nll);
        double meanReconstruction = exact ? -sums.Mean(TermSums.Nll) : sums.Mean(TermSums.Reconstruction);
        double meanKl = exact ? 0 : sums.Mean(TermSums.Kl);
        return report with
        {
            Reconstruction = meanReconstruction,
            Kl = meanKl,
            Elbo = meanReconstruction - meanKl,
            ActiveUnits = activity?.Count(),
            ActiveUnitThreshold = activity is null ? null : 0.01,
            KlPerDimension = perDimension ? klPerDimension.Select(v => v / n).OrderDescending().ToArray() : null,
        };
    }

    /// <summary>Adds the posterior means to <paramref name="activity"/> and the closed-form KL per dimension to <paramref name="klSums"/>.</summary>
    private static void DiagonalNormalMoments(Vae vae, Tensor x, Tensor? condition, int b, int l, ActiveUnits activity, double[]? klSums)
    {
        var q = vae.Posterior(x, condition);
        activity.Add(q.Mean);
        if (klSums is null) return;
        float[] perDimension = q.KlToStandardNormalPerDimension().Data; // [B, L]
        for (int i = 0; i < b; i++)
            for (int j = 0; j < l; j++) klSums[j] += perDimension[i * l + j];
    }

    private static EvaluationReport AutoencoderReconstruction(LatentModel model, Dataset data, int n, EvaluationOptions options,
        EvaluationReport report, List<string> notes)
    {
        if (model.Spec.Likelihood != "bce")
        {
            notes.Add($"An autoencoder trained on \"{model.Spec.Likelihood}\" has no log-likelihood to report as reconstruction.");
            return report;
        }
        var sums = new TermSums();
        var rng = new Rng(StreamSeed(options.Seed, 1));
        ForEachBatch(model, data, n, options.BatchSize, (x, start, b) => sums.Add(model.Terms(x, rng, condition: ConditionOf(model, data, start, b))));
        notes.Add("Autoencoder reconstruction = −BCE = log p(x | x̂) of a Bernoulli decoder at its own code; comparable with the VAE's reconstruction term.");
        return report with { Reconstruction = -sums.Mean(TermSums.Loss) };
    }

    private static EvaluationReport Outliers(EvaluationReport report, Inputs inputs, EvaluationOptions options, double[] logModelIn,
        PartTimer parts, List<string> notes, Func<Dataset, double[]> logModelOf)
    {
        if (options.OutOfDistribution is not { } requested) return report;
        if (inputs.OutOfDistribution is not { } ood)
        {
            notes.Add($"Outlier scores vs {requested.Name} skipped: {requested.MissingReason ?? "no images"}");
            return report with { OutOfDistribution = requested.Name };
        }
        return parts.Time("outliers", () =>
        {
            Func<Dataset, double[]> backgroundOf;
            string backgroundNote;
            if (options.Background == OutlierBackground.Compression)
            {
                var compressor = new CompressionBackground(ood.Cols, ood.Rows);
                backgroundOf = x => compressor.LogLikelihood(x.Pixels, x.Count);
                backgroundNote = "background = −(PNG-compressed length in nats), the input-complexity score of Serrà et al. (2020).";
            }
            else
            {
                var pixels = PixelBernoulliBackground.Fit(inputs.BackgroundTrain.Pixels, inputs.BackgroundTrain.Count, inputs.Dimensions);
                backgroundOf = x => pixels.LogLikelihood(x.Pixels, x.Count);
                backgroundNote = "background = independent Bernoulli pixels fitted on the training images.";
            }
            double[] logModelOut = logModelOf(ood);
            double[] backgroundIn = backgroundOf(inputs.Evaluated);
            double[] backgroundOut = backgroundOf(ood);
            double[] rawIn = OutlierDetection.NegativeLogLikelihoodScores(logModelIn), rawOut = OutlierDetection.NegativeLogLikelihoodScores(logModelOut);
            double[] ratioIn = OutlierDetection.LikelihoodRatioScores(logModelIn, backgroundIn);
            double[] ratioOut = OutlierDetection.LikelihoodRatioScores(logModelOut, backgroundOut);
            notes.Add($"Outliers: {inputs.Count} {inputs.Name} {options.Split} images (in) vs the first {ood.Count} {requested.Name} test images (out); "
                + backgroundNote);
            return report with
            {
                OutOfDistribution = requested.Name,
                OutlierBackground = options.Background.ToString().ToLowerInvariant(),
                AurocLikelihood = OutlierDetection.Auroc(rawIn, rawOut),
                AurocRatio = OutlierDetection.Auroc(ratioIn, ratioOut),
                FprAt95Likelihood = OutlierDetection.FalsePositiveRateAtTruePositiveRate(rawIn, rawOut),
                FprAt95Ratio = OutlierDetection.FalsePositiveRateAtTruePositiveRate(ratioIn, ratioOut),
            };
        });
    }

    private static EvaluationReport Probes(EvaluationReport report, Inputs inputs, int l, PartTimer parts, List<string> notes,
        Func<Dataset, float[]> latentFeatures, Pca? pca)
    {
        Dataset train = inputs.ProbeTrain, test = inputs.ProbeTest;
        if (!train.HasLabels || !test.HasLabels)
        {
            notes.Add("Linear probes skipped: the data set has no labels.");
            return report;
        }
        int d = inputs.Dimensions, classes = Math.Max(train.ClassCount, test.ClassCount);
        double Score(float[] trainFeatures, float[] testFeatures, int f) =>
            LinearProbe.TrainAndScore(trainFeatures, train.Labels, testFeatures, test.Labels, f, classes);

        double latent = parts.Time("probe: latent", () => Score(latentFeatures(train), latentFeatures(test), l));
        double pcaAccuracy = parts.Time("probe: PCA", () =>
        {
            Pca fitted = pca ?? Pca.Fit(train.Pixels, train.Count, d, l);
            return Score(fitted.Encode(train.Pixels, train.Count), fitted.Encode(test.Pixels, test.Count), l);
        });
        double pixels = parts.Time("probe: pixels", () => Score(train.Pixels, test.Pixels, d));
        notes.Add($"Linear probes: softmax regression trained on {train.Count} {inputs.Name} train images, accuracy on all {test.Count} test images; "
            + $"PCA with {l} components fitted on the same training images.");
        return report with { ProbeAccuracyLatent = latent, ProbeAccuracyPca = pcaAccuracy, ProbeAccuracyPixels = pixels };
    }

    /// <summary>
    /// The estimator's default calls (50 images × 100 samples, 5,000 decoder rows), with fewer images per call when that
    /// many rows would take more than the model's evaluation budget (<see cref="LatentModel.EvaluationBatchSize"/>): a
    /// convolutional decoder with an autoregressive likelihood holds ~100 K floats per row, 2 GB for 5,000 rows.
    /// </summary>
    internal static ImportanceSampledNll NllEstimator(LatentModel model, int samples)
    {
        var defaults = new ImportanceSampledNll(samples);
        int rows = model.EvaluationBatchSize(defaults.BatchSize * defaults.ChunkSize);
        int chunk = Math.Min(defaults.ChunkSize, rows);
        return new ImportanceSampledNll(samples, chunk, Math.Max(1, rows / chunk));
    }

    /// <summary>The importance-sampled NLL passes of one model: the estimator, the likelihood's convention, the progress file.</summary>
    private sealed class NllPasses(LatentModel model, ImportanceSampledNll estimator, bool discrete, NllProgress? progress)
    {
        // What tells this model's passes apart from another's in the progress file: its spec and weights.
        private readonly string _identity = progress is null ? "" :
            $"{model.Spec}|weights {NllProgress.Hash(model.Parameters().Select(p => (ReadOnlyMemory<float>)p.Data.AsMemory(0, p.Length)))}";

        /// <summary>
        /// The importance-sampled NLL of the first <paramref name="n"/> images of <paramref name="data"/> in the convention
        /// of the likelihood: discrete nats of the images as given, or the dequantized 8-bit bound. A conditional model gives
        /// −log p(x | y) with each image's label y: the images of each label are evaluated together under that label.
        /// <paramref name="name"/> names the pass in the progress file.
        /// </summary>
        public NllEstimate Nll(string name, Dataset data, int n, Rng rng)
        {
            int d = data.Dimensions;
            float[] x = discrete ? data.Pixels : ImportanceSampledNll.Dequantize(data.Pixels, n, d, rng);
            double[] logMarginals;
            if (!model.IsConditional)
            {
                logMarginals = estimator.LogMarginals(ModelLogWeights.For(model), x, n, d, rng, progress, name, _identity);
            }
            else
            {
                RequireLabels(model, data);
                // One pass sorts the images by label; a label outside the model's classes would otherwise fall in no group
                // and leave its image silently unscored.
                var rowsOf = new List<int>[model.Classes];
                for (int i = 0; i < n; i++)
                {
                    int label = data.Labels[i];
                    if ((uint)label >= (uint)model.Classes)
                        throw new ArgumentException($"The model {model.Spec} knows labels 0 to {model.Classes - 1}, but image {i} of {data.Name} has label {label}.");
                    (rowsOf[label] ??= []).Add(i);
                }
                logMarginals = new double[n];
                for (int label = 0; label < model.Classes; label++)
                {
                    if (rowsOf[label] is not { } rows) continue;
                    var group = new float[rows.Count * d];
                    for (int r = 0; r < rows.Count; r++) x.AsSpan(rows[r] * d, d).CopyTo(group.AsSpan(r * d, d));
                    double[] groupLogMarginals = estimator.LogMarginals(ModelLogWeights.For(model, label), group, rows.Count, d, rng,
                        progress, $"{name}, label {label}", _identity);
                    for (int r = 0; r < rows.Count; r++) logMarginals[rows[r]] = groupLogMarginals[r];
                }
            }
            return estimator.Summarize(discrete ? NllConvention.Discrete : NllConvention.Dequantized8Bit, logMarginals, d);
        }
    }

    /// <summary>The condition of images [start, start + b) of <paramref name="data"/>: their one-hot labels for a conditional model, else null.</summary>
    internal static Tensor? ConditionOf(LatentModel model, Dataset data, int start, int b)
    {
        if (!model.IsConditional) return null;
        RequireLabels(model, data);
        return model.Condition(data.Labels[start..(start + b)]);   // OneHot rejects a label outside the model's classes
    }

    private static void RequireLabels(LatentModel model, Dataset data)
    {
        if (!data.HasLabels)
            throw new ArgumentException($"The model {model.Spec} is conditioned on labels, but {data.Name} has none.");
    }

    /// <summary>
    /// Runs <paramref name="body"/>(x [b, D], start, b) over the first <paramref name="n"/> images, without gradients,
    /// buffers recycled, in batches of <paramref name="batchSize"/> or fewer (<see cref="LatentModel.EvaluationBatchSize"/>).
    /// </summary>
    internal static void ForEachBatch(LatentModel model, Dataset data, int n, int batchSize, Action<Tensor, int, int> body)
    {
        int d = data.Dimensions;
        batchSize = model.EvaluationBatchSize(batchSize);
        var arena = new Arena();
        using (Tensor.NoGrad())
        {
            for (int start = 0; start < n; start += batchSize)
            {
                int b = Math.Min(batchSize, n - start);
                using (arena.Scope())
                    body(Tensor.CopyOf(data.Pixels.AsSpan(start * d, b * d), b, d), start, b);
            }
        }
    }

    private static float[] ToFloats(double[] values) => values.Select(v => (float)v).ToArray();

    private static double[] Negate(double[] values) => values.Select(v => -v).ToArray();

    private static ulong StreamSeed(ulong seed, int stream) => seed * 0x9E3779B97F4A7C15UL ^ ((ulong)stream << 48) ^ 0x5851F42D4C957F2DUL;

    /// <summary>The images each part works on, binarized (once, whole split first) when asked.</summary>
    private sealed record Inputs(string Name, string Description, Dataset Evaluated, int Count, int Dimensions,
        Dataset ProbeTrain, Dataset ProbeTest, Dataset BackgroundTrain, Dataset? OutOfDistribution)
    {
        public static Inputs Prepare(DataSplits data, EvaluationOptions options, int modelDimensions, List<string> notes)
        {
            Dataset train = data.Train, test = data.Test;
            if (train.Dimensions != modelDimensions)
                throw new ArgumentException($"The data set '{train.Name}' has images of {train.Rows}x{train.Cols} = {train.Dimensions} pixels; the model expects {modelDimensions}.");
            string name = train.Name.Split('/')[0];
            Dataset Prepared(Dataset split) => options.Binarize ? split.Binarize(new Rng(Dataset.TestBinarizationSeed)) : split;

            Dataset testReady = Prepared(test);
            Dataset trainReady = options.Probe || options.Split == "train" ? Prepared(train) : train;
            Dataset evaluatedFull = options.Split == "train" ? trainReady : testReady;
            int count = Math.Min(options.Images ?? int.MaxValue, evaluatedFull.Count);
            if (count == 0) throw new ArgumentException($"The {options.Split} split of '{name}' has no images.");
            Dataset evaluated = count == evaluatedFull.Count ? evaluatedFull : First(evaluatedFull, count);
            Dataset probeTrain = options.TrainImages is int t && t < trainReady.Count ? First(trainReady, t) : trainReady;
            Dataset backgroundTrain = options.TrainImages is int u && u < train.Count ? First(train, u) : train;

            Dataset? ood = null;
            if (options.OutOfDistribution?.Test is { } oodTest)
            {
                if (oodTest.Dimensions != train.Dimensions)
                {
                    notes.Add($"Outlier scores skipped: {options.OutOfDistribution.Name} has {oodTest.Rows}x{oodTest.Cols} images, {name} {train.Rows}x{train.Cols}.");
                }
                else
                {
                    Dataset oodReady = Prepared(oodTest);
                    int oodCount = Math.Min(options.Images ?? int.MaxValue, oodReady.Count);
                    ood = oodCount == oodReady.Count ? oodReady : First(oodReady, oodCount);
                }
            }
            string description = options.Binarize
                ? $"{name} (binarized once, seed {Dataset.TestBinarizationSeed})"
                : $"{name} (8-bit intensities)";
            if (count < evaluatedFull.Count) description += $", first {count} of {evaluatedFull.Count}";
            return new Inputs(name, description, evaluated, count, train.Dimensions, probeTrain, testReady, backgroundTrain, ood);
        }

        private static Dataset First(Dataset data, int n) => data.Subset(Enumerable.Range(0, n).ToArray());
    }

    /// <summary>Wall-clock seconds per named part, in the order the parts ran.</summary>
    private sealed class PartTimer
    {
        private readonly Dictionary<string, double> _seconds = new(StringComparer.Ordinal);

        public Dictionary<string, double> Seconds => _seconds;

        public T Time<T>(string part, Func<T> work)
        {
            var clock = Stopwatch.StartNew();
            T result = work();
            _seconds[part] = _seconds.GetValueOrDefault(part) + clock.Elapsed.TotalSeconds;
            return result;
        }
    }
}
