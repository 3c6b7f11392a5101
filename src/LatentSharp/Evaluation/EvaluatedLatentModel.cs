using LatentSharp.Data;
using LatentSharp.Distributed;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// A trained <see cref="LatentModel"/> as the evaluation sees it: a likelihood when it has
/// <see cref="ILikelihood"/> (an autoencoder has none), a latent space when it has <see cref="ILatentSpace"/>.
/// </summary>
internal sealed class EvaluatedLatentModel : EvaluatedModel
{
    private readonly LatentModel _model;
    private readonly int _batchSize;

    /// <summary>
    /// <paramref name="model"/> named <paramref name="name"/> (null: its spec), evaluated with <paramref name="options"/>;
    /// its NLL passes keep their finished batches in <paramref name="progress"/> when given, and are shared by <paramref name="ranks"/> when given.
    /// </summary>
    public EvaluatedLatentModel(LatentModel model, string? name, EvaluationOptions options, NllProgress? progress, ICommunicator? ranks = null)
    {
        _model = model;
        _batchSize = options.BatchSize;
        Name = name ?? model.Spec.ToString();
        LatentSize = model.As<ILatentSpace>()?.LatentSize;
        Likelihood = model.Has<ILikelihood>() ? NllPasses.Of(model, options.Samples, progress).SharedBy(ranks) : null;
        // A k the model cannot take fails here, not after the hours of the NLL.
        if (options.OutOfDistribution is not null && model.As<ILayeredLikelihood>() is { } layered)
            LayeredLikelihoodRatio.CheckPriorLayers(layered, options.LlrPriorLayers);
    }

    public override string Name { get; }

    public override string Kind => _model.Spec.Kind;

    public override int? LatentSize { get; }

    public override NllPasses? Likelihood { get; }

    public override bool IsConditional => _model.Has<IConditional>();

    /// <inheritdoc/>
    public override bool HasExactLikelihood => _model.Has<IExactLikelihood>();

    public override EvaluationReport MeasureTerms(EvaluationReport report, EvaluationInputs inputs, EvaluationOptions options, Rng rng,
        PartTimer parts, List<string> notes) =>
        Likelihood is not null
            ? parts.Time("elbo", () => ElboStatistics.Measure(_model, inputs.Evaluated, inputs.Count, _batchSize, rng, report))
            : parts.Time("reconstruction", () => ElboStatistics.Reconstruction(_model, inputs.Evaluated, inputs.Count, _batchSize, rng, report, notes));

    public override IEnumerable<string> LikelihoodNotes(EvaluationOptions options)
    {
        NllConvention convention = Likelihood!.Convention;
        bool discrete = convention == NllConvention.Discrete;
        if (IsConditional)
            yield return "Conditional model: the ELBO and NLL are of log p(x | y) given each image's true label, not comparable with unconditional log p(x).";
        if (discrete && !options.Binarize)
            yield return "Bernoulli decoder on intensities in [0, 1] (not binarized): ELBO and NLL are cross-entropies, not log-probabilities of the data.";
        if (convention == NllConvention.Discrete8Bit)
            yield return $"8-bit likelihood ({_model.Spec.Likelihood}): the NLL is the exact discrete likelihood of the 8-bit values in bits/dim (no dequantization); the ELBO is in nats per image and, negated, in bits/dim; neither comparable with binarized nats.";
        if (convention == NllConvention.Dequantized8Bit)
            yield return "Gaussian decoder: the NLL is the dequantized 8-bit bound (bits/dim); the ELBO is a density on the intensities as given, not comparable with binarized nats.";
    }

    public override Func<Dataset, double[]>? LayeredRatioScores(EvaluationOptions options, ulong seed)
    {
        if (!_model.Has<ILayeredLikelihood>() || Likelihood is null) return null;
        bool density = Likelihood.Convention == NllConvention.Dequantized8Bit;
        var dequantization = new Rng(seed ^ 0xD1B54A32D192ED03UL);
        return data =>
        {
            // A density scores dequantized images, as its NLL does; both bounds see the same ones.
            float[] x = density ? ImportanceSampledNll.Dequantize(data.Pixels, data.Count, data.Dimensions, dequantization) : data.Pixels;
            return LayeredLikelihoodRatio.Scores(_model, x, data.Count, options.LlrPriorLayers, options.LlrSamples, seed, options.LlrPriorMean);
        };
    }

    public override float[] LatentMeans(Dataset data) => ModelEvaluation.Encode(_model, data, data.Count, _batchSize);
}
