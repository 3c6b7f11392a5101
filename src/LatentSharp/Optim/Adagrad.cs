using System.Numerics.Tensors;
using Tensor = LatentSharp.Tensors.Tensor;

namespace LatentSharp.Optim;

/// <summary>
/// Adagrad with PyTorch's update rule: d = g + λp; s += d²; p −= clr·d / (√s + ε) with clr = lr / (1 + (t − 1)·lrDecay).
/// </summary>
public sealed class Adagrad : Optimizer
{
    private const string Sum = "sum";
    private static readonly string[] Names = [Sum];
    private readonly float[] _decayed;
    private readonly float[] _scratch;

    /// <summary>Adagrad over <paramref name="parameters"/> with PyTorch's defaults; throws <see cref="ArgumentOutOfRangeException"/> for a negative or non-finite constant and <see cref="ArgumentException"/> for an empty or repeating parameter list.</summary>
    public Adagrad(IEnumerable<Tensor> parameters, float learningRate = 0.01f, float learningRateDecay = 0f, float weightDecay = 0f,
        float initialAccumulatorValue = 0f, float epsilon = 1e-10f)
        : base(parameters, learningRate)
    {
        if (!float.IsFinite(learningRateDecay) || learningRateDecay < 0f) throw new ArgumentOutOfRangeException(nameof(learningRateDecay), learningRateDecay, "must be finite and non-negative");
        if (!float.IsFinite(weightDecay) || weightDecay < 0f) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "must be finite and non-negative");
        if (!float.IsFinite(initialAccumulatorValue) || initialAccumulatorValue < 0f) throw new ArgumentOutOfRangeException(nameof(initialAccumulatorValue), initialAccumulatorValue, "must be finite and non-negative");
        if (!float.IsFinite(epsilon) || epsilon < 0f) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "must be finite and non-negative");
        LearningRateDecay = learningRateDecay;
        WeightDecay = weightDecay;
        InitialAccumulatorValue = initialAccumulatorValue;
        Epsilon = epsilon;
        _decayed = new float[MaxParameterLength];
        _scratch = new float[MaxParameterLength];
    }

    /// <summary>How fast the step size falls with the step count t: lr / (1 + (t − 1)·decay).</summary>
    public float LearningRateDecay { get; }
    /// <summary>λ, the L2 penalty added to the gradient as λp.</summary>
    public float WeightDecay { get; }
    /// <summary>The value every squared-gradient sum starts from.</summary>
    public float InitialAccumulatorValue { get; }
    /// <summary>ε, added to √s in the denominator.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> BufferNames => Names;

    /// <inheritdoc/>
    protected override void Update(int index, long step, int offset, Span<float> p, ReadOnlySpan<float> g)
    {
        ReadOnlySpan<float> d = g;
        if (WeightDecay != 0f)
        {
            Span<float> decayed = _decayed.AsSpan(0, p.Length);
            TensorPrimitives.MultiplyAdd(p, WeightDecay, g, decayed);   // d = g + λp
            d = decayed;
        }
        float clr = (float)(LearningRate / (1.0 + (step - 1) * (double)LearningRateDecay));
        Span<float> sum = Buffer(index, Sum, InitialAccumulatorValue).AsSpan(offset, p.Length);
        Span<float> std = _scratch.AsSpan(0, p.Length);
        TensorPrimitives.MultiplyAdd(d, d, sum, sum);                   // s += d²
        TensorPrimitives.Sqrt(sum, std);                                // √s + ε
        TensorPrimitives.Add(std, Epsilon, std);
        TensorPrimitives.Divide(d, std, std);                           // p −= clr·d / (√s + ε)
        TensorPrimitives.MultiplyAdd(std, -clr, p, p);
    }
}
