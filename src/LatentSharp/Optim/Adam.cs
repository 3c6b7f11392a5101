using System.Numerics.Tensors;
using Tensor = LatentSharp.Tensors.Tensor;

namespace LatentSharp.Optim;

/// <summary>
/// Adam with PyTorch 1.13's update rule (t counts this parameter's updates):
/// d = g + λp (L2; <see cref="AdamW"/> decays the weights instead); m = β₁m + (1 − β₁)d; v = β₂v + (1 − β₂)d²;
/// p −= (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).
/// </summary>
public class Adam : Optimizer
{
    private const string ExpAvg = "exp_avg";
    private const string ExpAvgSq = "exp_avg_sq";
    private static readonly string[] Names = [ExpAvg, ExpAvgSq];
    private readonly bool _decoupledWeightDecay;
    private readonly float[] _decayed;
    private readonly float[] _scratch;

    public Adam(IEnumerable<Tensor> parameters, float learningRate = 1e-3f, double beta1 = 0.9, double beta2 = 0.999,
        float epsilon = 1e-8f, float weightDecay = 0f)
        : this(parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay: false)
    {
    }

    private protected Adam(IEnumerable<Tensor> parameters, float learningRate, double beta1, double beta2, float epsilon, float weightDecay,
        bool decoupledWeightDecay)
        : base(parameters, learningRate)
    {
        if (!(beta1 >= 0.0 && beta1 < 1.0)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "must be in [0, 1)");
        if (!(beta2 >= 0.0 && beta2 < 1.0)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "must be in [0, 1)");
        if (!float.IsFinite(epsilon) || epsilon < 0f) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "must be finite and non-negative");
        if (!float.IsFinite(weightDecay) || weightDecay < 0f) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "must be finite and non-negative");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _decoupledWeightDecay = decoupledWeightDecay;
        _decayed = decoupledWeightDecay || weightDecay == 0f ? [] : new float[MaxParameterLength];
        _scratch = new float[MaxParameterLength];
    }

    /// <summary>Decay of the gradient average. The betas are doubles because 1 − β loses digits in float (1 − 0.999f is 1.3e-5 off 0.001).</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the squared-gradient average.</summary>
    public double Beta2 { get; }

    public float Epsilon { get; }
    public float WeightDecay { get; }

    protected override IReadOnlyList<string> BufferNames => Names;

    protected override void Update(int index, long step, Span<float> p, ReadOnlySpan<float> g)
    {
        ReadOnlySpan<float> d = g;
        if (WeightDecay != 0f)
        {
            if (_decoupledWeightDecay)
            {
                TensorPrimitives.Multiply(p, (float)(1.0 - (double)LearningRate * WeightDecay), p);   // p *= 1 − lr·λ
            }
            else
            {
                Span<float> decayed = _decayed.AsSpan(0, p.Length);
                TensorPrimitives.MultiplyAdd(p, WeightDecay, g, decayed);                           // d = g + λp
                d = decayed;
            }
        }

        Span<float> m = Buffer(index, ExpAvg);
        Span<float> v = Buffer(index, ExpAvgSq);
        Span<float> s = _scratch.AsSpan(0, p.Length);
        TensorPrimitives.Multiply(m, (float)Beta1, m);                 // m = β₁m + (1 − β₁)d
        TensorPrimitives.MultiplyAdd(d, (float)(1.0 - Beta1), m, m);
        TensorPrimitives.Multiply(d, d, s);                     // v = β₂v + (1 − β₂)d²
        TensorPrimitives.Multiply(v, (float)Beta2, v);
        TensorPrimitives.MultiplyAdd(s, (float)(1.0 - Beta2), v, v);

        // Bias corrections in double, as PyTorch computes them in Python floats.
        double biasCorrection1 = 1.0 - Math.Pow(Beta1, step);
        double biasCorrection2 = 1.0 - Math.Pow(Beta2, step);
        float stepSize = (float)(LearningRate / biasCorrection1);
        float biasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2);

        TensorPrimitives.Sqrt(v, s);                            // denominator = √v / √(1 − β₂ᵗ) + ε
        TensorPrimitives.Divide(s, biasCorrection2Sqrt, s);
        TensorPrimitives.Add(s, Epsilon, s);
        TensorPrimitives.Divide(m, s, s);                       // p −= stepSize · m / denominator
        TensorPrimitives.MultiplyAdd(s, -stepSize, p, p);
    }
}

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter), PyTorch 1.13's rule: p *= 1 − lr·λ, then the Adam update
/// on the raw gradient. The default λ is 0.01, as in PyTorch.
/// </summary>
public sealed class AdamW : Adam
{
    public AdamW(IEnumerable<Tensor> parameters, float learningRate = 1e-3f, double beta1 = 0.9, double beta2 = 0.999,
        float epsilon = 1e-8f, float weightDecay = 0.01f)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay: true)
    {
    }
}
