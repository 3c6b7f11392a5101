using System.Diagnostics;
using LatentSharp.Data;
using LatentSharp.Distributed;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// Everything <c>latent eval</c> measures, in one call: the ELBO split into reconstruction and KL, the importance-sampled
/// NLL in the convention of the model's likelihood, active units and KL per latent dimension, linear probes on the latent
/// means next to PCA features of the same size and raw pixels, and outlier AUROC / FPR at 95% TPR against an
/// out-of-distribution set with the raw likelihood and the likelihood-ratio score. Each part is timed.
/// </summary>
/// <remarks>
/// <para>The parts, one type each: the images (<see cref="EvaluationInputs"/>), the model's first pass
/// (<see cref="ElboStatistics"/>), the NLL (<see cref="NllPasses"/>), the outlier scores (<see cref="OutlierScores"/>) and
/// the probes (<see cref="LinearProbes"/>). A trained model and the pPCA baseline go through the same parts
/// (<see cref="EvaluatedModel"/>); this class only runs those the model and the options ask for.</para>
/// <para>Conventions. A Bernoulli decoder gets a discrete NLL in nats of the images as given (binarized ones when
/// <see cref="EvaluationOptions.Binarize"/>); a Gaussian decoder and pPCA get the dequantized 8-bit bound in bits/dim,
/// in its own report field. The background model of the ratio score is fitted on the training intensities (its pixel
/// means are the same whether or not the images are binarized afterwards).</para>
/// </remarks>
public static partial class ModelEvaluation
{
    /// <summary>Evaluates a trained model (a VAE, or an autoencoder, which has no likelihood) on <paramref name="data"/>.</summary>
    /// <remarks>
    /// With <paramref name="progress"/>, the NLL passes keep their finished batches in that file and resume from it: an
    /// evaluation killed after hours and run again continues where it stopped, with the same result. The caller deletes the
    /// file once it has the report. With <paramref name="ranks"/> (the ranks of an MPI job), the NLL passes (of the split and of
    /// the out-of-distribution images) are shared among the ranks, each image's samples seeded by the image, so the numbers
    /// are the same for any number of ranks; every rank returns the whole report.
    /// </remarks>
    public static EvaluationReport Run(LatentModel model, DataSplits data, EvaluationOptions options, string? modelName = null,
        NllProgress? progress = null, ICommunicator? ranks = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var parts = new PartTimer();
        var notes = new List<string>();
        var inputs = EvaluationInputs.Prepare(data, options, model.Spec.Dimensions, notes);
        model.Eval();
        using (model.FixParameters())
            return Measure(new EvaluatedLatentModel(model, modelName, options, progress, ranks), inputs, options, clock, parts, notes);
    }

    /// <summary>
    /// The probabilistic-PCA baseline with <paramref name="latentSize"/> dimensions, fitted in closed form on the training
    /// intensities, through the same parts as a trained model: its exact log-likelihood as dequantized 8-bit bits/dim
    /// (importance sampling with the exact posterior, whose every weight is log p(x), so one sample is exact), active units
    /// of the posterior means, the probes (latent = posterior means) and the outlier scores.
    /// </summary>
    /// <exception cref="InvalidSettingException">Binarized images, or a latent size outside 1 … D − 1.</exception>
    public static EvaluationReport RunProbabilisticPca(DataSplits data, int latentSize, EvaluationOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Binarize)
            throw new InvalidSettingException(nameof(EvaluationOptions.Binarize),
                "pPCA is a Gaussian density on 8-bit intensities; it has no binarized evaluation: evaluate it on the intensities.");
        int d = data.Train.Dimensions;
        if (latentSize < 1 || latentSize >= d)
            throw new InvalidSettingException(nameof(ProbabilisticPca.LatentSize),
                $"The pPCA latent size must be between 1 and D − 1 = {d - 1} (it needs discarded directions for its noise), not {latentSize}.");
        var clock = Stopwatch.StartNew();
        var parts = new PartTimer();
        var notes = new List<string>();
        var inputs = EvaluationInputs.Prepare(data, options, d, notes);
        Pca pca = parts.Time("fit", () => Pca.Fit(inputs.ProbeTrain.Pixels, inputs.ProbeTrain.Count, d, latentSize));
        return Measure(new EvaluatedProbabilisticPca(ProbabilisticPca.Fit(pca), pca), inputs, options, clock, parts, notes);
    }

    /// <summary>The parts <paramref name="model"/> and <paramref name="options"/> ask for, in order; each draws from its own stream.</summary>
    private static EvaluationReport Measure(EvaluatedModel model, EvaluationInputs inputs, EvaluationOptions options, Stopwatch clock,
        PartTimer parts, List<string> notes)
    {
        var report = new EvaluationReport
        {
            Model = model.Name,
            LatentDimensions = model.LatentSize,
            Dataset = inputs.Description,
            Split = options.Split,
            Images = inputs.Count,
            Dimensions = inputs.Dimensions,
        };
        report = model.MeasureTerms(report, inputs, options, new Rng(StreamSeed(options.Seed, 1)), parts, notes);

        if (model.Likelihood is { } likelihood)
        {
            var rng = new Rng(StreamSeed(options.Seed, 2));
            NllEstimate nll = parts.Time("nll", () => likelihood.Nll(options.Split, inputs.Evaluated, inputs.Count, rng));
            report = report.WithNll(nll) with { NllExact = model.HasExactLikelihood };
            notes.AddRange(model.LikelihoodNotes(options));
            if (!model.IsConditional)
            {
                var oodRng = new Rng(StreamSeed(options.Seed, 3));
                report = OutlierScores.Measure(report, inputs, options, Negate(nll.PerImage),
                    ood => Negate(likelihood.Nll("out-of-distribution", ood, ood.Count, oodRng).PerImage),
                    model.LayeredRatioScores(options, StreamSeed(options.Seed, 4)), parts, notes);
            }
            else
            {
                NoteOutliersSkipped(options, notes, "the model's likelihood is conditional on a label, which the out-of-distribution images do not have.");
            }
        }
        else
        {
            notes.Add($"The model ({model.Kind}) has no prior: no ELBO, KL, NLL, active units or likelihood-based outlier scores.");
            NoteOutliersSkipped(options, notes, "the model has no likelihood.");
        }

        if (options.Probe && model.LatentSize is int l)
            report = LinearProbes.Measure(report, inputs, l, model.LatentMeans, model.ProbePca, parts, notes);
        else if (options.Probe)
            notes.Add($"The model ({model.Kind}) has no latent space: no active units or latent probes.");

        return report with
        {
            Seconds = clock.Elapsed.TotalSeconds,
            SecondsByPart = parts.Seconds,
            Notes = notes,
        };
    }

    private static void NoteOutliersSkipped(EvaluationOptions options, List<string> notes, string reason)
    {
        if (options.OutOfDistribution is { } requested) notes.Add($"Outlier scores vs {requested.Name} skipped: {reason}");
    }

    private static double[] Negate(double[] values) => values.Select(v => -v).ToArray();

    private static ulong StreamSeed(ulong seed, int stream) => seed * 0x9E3779B97F4A7C15UL ^ ((ulong)stream << 48) ^ 0x5851F42D4C957F2DUL;
}
