using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// What the trainer, the evaluator and every front end know of any model: its <see cref="Spec"/>, the per-example
/// <see cref="Terms"/> of a minibatch and the <see cref="Loss"/> an <see cref="Objective"/> makes of them. Images are flat
/// rows: x is [B, D] with D = C·H·W, values in [0, 1]. Everything else a model can do is a capability (Capabilities.cs):
/// <see cref="ILatentSpace"/>, <see cref="IGenerative"/>, <see cref="IHasPrior"/>, <see cref="ILayeredLatents"/>,
/// <see cref="IConditional"/>, <see cref="ILikelihood"/>; ask for one with <see cref="As{T}"/> or <see cref="Require{T}"/>.
/// </summary>
public abstract class LatentModel : Module
{
    /// <summary>The architecture this model was built from, stored in its checkpoints.</summary>
    public abstract ModelSpec Spec { get; }

    /// <summary>
    /// This model's capability <typeparamref name="T"/>, or null when it lacks it. A capability can depend on the instance
    /// (one <see cref="Vae"/> class is conditional or not), so ask here rather than with a type test.
    /// </summary>
    public virtual T? As<T>() where T : class => this as T;

    /// <summary>True when the model has capability <typeparamref name="T"/> (<see cref="As{T}"/> is not null).</summary>
    public bool Has<T>() where T : class => As<T>() is not null;

    /// <summary>
    /// This model's capability <typeparamref name="T"/>; throws <see cref="UnsupportedByModelException"/> naming
    /// <paramref name="command"/> (what asked, e.g. "latent traverse") and what the model lacks when it has none.
    /// </summary>
    public T Require<T>(string command) where T : class =>
        As<T>() ?? throw new UnsupportedByModelException($"{command} {ModelCapabilities.Lacking<T>(this)}.");

    /// <summary>Throws <see cref="UnsupportedByModelException"/> naming <paramref name="command"/> when the model takes a condition.</summary>
    public void RequireUnconditional(string command)
    {
        if (As<IConditional>() is { } conditional)
            throw new UnsupportedByModelException($"{command} needs an unconditional model; the {Spec.Kind} is conditioned on {conditional.Classes} classes (draw it class by class).");
    }

    /// <summary>The condition for rows with these labels: one-hot [B, C] for a conditional model, null otherwise.</summary>
    public Tensor? Condition(int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return As<IConditional>()?.Condition(labels);
    }

    /// <summary>
    /// The per-example terms of one minibatch (<see cref="ModelTerms"/>): for a latent-variable model log p(x | z) averaged
    /// over <paramref name="samples"/> reparameterized draws per example and the KL of each stochastic layer, or, with
    /// <paramref name="importanceSamples"/> K ≥ 1, the parts of the log importance weights of K draws per example instead.
    /// An exact or deterministic model gives its log-likelihood (or minus its reconstruction loss) alone.
    /// </summary>
    public abstract ModelTerms Terms(Tensor x, Rng rng, int samples = 1, int importanceSamples = 0, Tensor? condition = null);

    /// <summary>The loss to minimise on one minibatch (a mean over its examples): <paramref name="objective"/> applied to <see cref="Terms"/>.</summary>
    public Tensor Loss(Tensor x, Rng rng, Objective objective, Tensor? condition = null) =>
        objective.Loss(Terms(x, rng, objective.Samples, objective.ImportanceSamples, condition));

    /// <summary>Floats of intermediate tensors one gradient-free batch may hold: 64 Mi floats, 256 MB.</summary>
    public const long EvaluationBudgetFloats = 64L << 20;

    private long _evaluationFloatsPerImage;   // measured on first use

    /// <summary>
    /// <paramref name="requested"/>, capped so that a gradient-free <see cref="Loss"/> over the batch keeps at most
    /// <see cref="EvaluationBudgetFloats"/> floats of intermediate tensors (measured once, on one blank image). A batch of
    /// 1,000 images costs an MLP VAE a few MB, a PixelCNN with dozens of 64-channel feature maps per image gigabytes.
    /// </summary>
    public int EvaluationBatchSize(int requested)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requested);
        if (_evaluationFloatsPerImage == 0)
        {
            var arena = new Arena();
            using (Tensor.NoGrad())
            using (arena.Scope())
            {
                Loss(Tensor.Zeros(1, Spec.Dimensions), new Rng(0), Objective.Elbo, Condition(new int[1]));
                _evaluationFloatsPerImage = Math.Max(1, arena.RentedFloats);
            }
        }
        return (int)Math.Clamp(EvaluationBudgetFloats / _evaluationFloatsPerImage, 1, requested);
    }

    /// <summary>Throws unless <paramref name="condition"/> fits: [rows, C] for a conditional model, null otherwise.</summary>
    protected void CheckCondition(Tensor? condition, int rows)
    {
        if (As<IConditional>() is not { } conditional)
        {
            if (condition is not null)
                throw new ArgumentException($"The model {Spec} is not conditional, but a condition {condition} was given.", nameof(condition));
            return;
        }
        int classes = conditional.Classes;
        if (condition is null)
            throw new ArgumentException($"The model {Spec} is conditioned on {classes} classes: pass the one-hot labels of the rows (LatentModel.Condition(labels)).", nameof(condition));
        if (condition.Rank != 2 || condition.Dim(0) != rows || condition.Dim(1) != classes)
            throw new ArgumentException($"The condition must be [{rows}, {classes}] (one-hot labels of the rows); got {condition}.", nameof(condition));
    }
}
