using System.Numerics.Tensors;
using Tensor = LatentSharp.Tensors.Tensor;

namespace LatentSharp.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum (dampening 0), Nesterov momentum and L2 weight decay,
/// with PyTorch's update rule: d = g + λp; b = μb + d (b = d on the first step); d = nesterov ? d + μb : b; p −= lr·d.
/// </summary>
public sealed class Sgd : Optimizer
{
    private const string MomentumBuffer = "momentum_buffer";
    private static readonly string[] Names = [MomentumBuffer];
    private readonly float[] _scratch;

    /// <summary>SGD over <paramref name="parameters"/>; throws <see cref="ArgumentOutOfRangeException"/> for a negative or non-finite momentum or λ and <see cref="ArgumentException"/> for Nesterov without momentum or an empty or repeating parameter list.</summary>
    public Sgd(IEnumerable<Tensor> parameters, float learningRate, float momentum = 0f, float weightDecay = 0f, bool nesterov = false)
        : base(parameters, learningRate)
    {
        if (!float.IsFinite(momentum) || momentum < 0f) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "must be finite and non-negative");
        if (!float.IsFinite(weightDecay) || weightDecay < 0f) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "must be finite and non-negative");
        if (nesterov && momentum == 0f) throw new ArgumentException("Nesterov momentum needs a positive momentum.", nameof(nesterov));
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        _scratch = new float[MaxParameterLength];
    }

    /// <summary>μ, the momentum (0: plain SGD).</summary>
    public float Momentum { get; }
    /// <summary>λ, the L2 penalty added to the gradient as λp.</summary>
    public float WeightDecay { get; }
    /// <summary>Whether the step uses Nesterov momentum d + μb instead of b.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> BufferNames => Names;

    /// <summary>Plain SGD (no momentum) keeps no buffer.</summary>
    protected override IReadOnlyList<string> BuffersAfterUpdate => Momentum != 0f ? Names : [];

    /// <inheritdoc/>
    protected override void Update(int index, long step, int offset, Span<float> p, ReadOnlySpan<float> g)
    {
        Span<float> scratch = _scratch.AsSpan(0, p.Length);
        ReadOnlySpan<float> d = g;
        if (WeightDecay != 0f)
        {
            TensorPrimitives.MultiplyAdd(p, WeightDecay, g, scratch);   // d = g + λp
            d = scratch;
        }
        if (Momentum != 0f)
        {
            Span<float> buf = Buffer(index, MomentumBuffer).AsSpan(offset, p.Length);
            if (step == 1)
            {
                d.CopyTo(buf);                                          // b = d on the parameter's first update
            }
            else
            {
                TensorPrimitives.Multiply(buf, Momentum, buf);          // b = μb + d
                TensorPrimitives.Add(buf, d, buf);
            }
            if (Nesterov)
            {
                TensorPrimitives.MultiplyAdd(buf, Momentum, d, scratch); // d = d + μb
                d = scratch;
            }
            else
            {
                d = buf;
            }
        }
        TensorPrimitives.MultiplyAdd(d, -LearningRate, p, p);           // p −= lr·d
    }
}
