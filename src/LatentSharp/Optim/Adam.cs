using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LatentSharp.Kernels;
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

    /// <summary>Adam over <paramref name="parameters"/> with PyTorch's defaults; throws <see cref="ArgumentOutOfRangeException"/> for a beta outside [0, 1) or a negative or non-finite ε or λ, and <see cref="ArgumentException"/> for an empty or repeating parameter list.</summary>
    public Adam(IEnumerable<Tensor> parameters, float learningRate = 1e-3f, double beta1 = 0.9, double beta2 = 0.999,
        float epsilon = 1e-8f, float weightDecay = 0f)
        : this(parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay: false)
    {
    }

    private protected Adam(IEnumerable<Tensor> parameters, float learningRate, double beta1, double beta2, float epsilon, float weightDecay,
        bool decoupledWeightDecay)
        : base(parameters, learningRate, updateLength: int.MaxValue)
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
    }

    /// <summary>Decay of the gradient average. The betas are doubles because 1 − β loses digits in float (1 − 0.999f is 1.3e-5 off 0.001).</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the squared-gradient average.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to the bias-corrected √v in the denominator.</summary>
    public float Epsilon { get; }
    /// <summary>λ: an L2 penalty λp added to the gradient (Adam) or a decay of the weights by lr·λ per step (<see cref="AdamW"/>).</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    protected override IReadOnlyList<string> BufferNames => Names;

    /// <inheritdoc/>
    protected override void Update(int index, long step, int offset, Span<float> p, ReadOnlySpan<float> g)
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

        Span<float> m = Buffer(index, ExpAvg).AsSpan(offset, p.Length);
        Span<float> v = Buffer(index, ExpAvgSq).AsSpan(offset, p.Length);
        // Bias corrections in double, as PyTorch computes them in Python floats.
        double biasCorrection1 = 1.0 - Math.Pow(Beta1, step);
        double biasCorrection2 = 1.0 - Math.Pow(Beta2, step);
        var constants = new UpdateConstants((float)Beta1, (float)(1.0 - Beta1), (float)Beta2, (float)(1.0 - Beta2),
            (float)Math.Sqrt(biasCorrection2), Epsilon, -(float)(LearningRate / biasCorrection1));
        ApplyOnAllCores(p, d, m, v, constants);
    }

    // Below this many elements one thread updates the whole parameter.
    private const int ElementsPerThread = 16384;

    private unsafe struct UpdateArrays
    {
        public float* P, D, M, V;
        public UpdateConstants Constants;
    }

    private static unsafe void ApplyOnAllCores(Span<float> p, ReadOnlySpan<float> d, Span<float> m, Span<float> v, in UpdateConstants constants)
    {
        fixed (float* pp = p, pd = d, pm = m, pv = v)
        {
            var arrays = new UpdateArrays { P = pp, D = pd, M = pm, V = pv, Constants = constants };
            WorkerPool.RunRanges(p.Length, ElementsPerThread, &ApplyRange, &arrays);
        }
    }

    private static unsafe void ApplyRange(void* state, int start, int end)
    {
        var a = (UpdateArrays*)state;
        int n = end - start;
        Apply(new Span<float>(a->P + start, n), new ReadOnlySpan<float>(a->D + start, n), new Span<float>(a->M + start, n),
            new Span<float>(a->V + start, n), a->Constants);
    }

    private readonly record struct UpdateConstants(float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
        float BiasCorrection2Sqrt, float Epsilon, float NegativeStepSize);

    /// <summary>
    /// The update in one pass over the four arrays (the rounding of each operation as written: no fused multiply-adds, a
    /// true division), so that a step reads and writes each value once: ten passes of vector primitives took 2–3 times as long.
    /// </summary>
    private static void Apply(Span<float> p, ReadOnlySpan<float> d, Span<float> m, Span<float> v, in UpdateConstants c)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> beta1 = Vector256.Create(c.Beta1), oneMinusBeta1 = Vector256.Create(c.OneMinusBeta1);
            Vector256<float> beta2 = Vector256.Create(c.Beta2), oneMinusBeta2 = Vector256.Create(c.OneMinusBeta2);
            Vector256<float> correction2 = Vector256.Create(c.BiasCorrection2Sqrt), epsilon = Vector256.Create(c.Epsilon);
            Vector256<float> negativeStep = Vector256.Create(c.NegativeStepSize);
            ref float pr = ref MemoryMarshal.GetReference(p), mr = ref MemoryMarshal.GetReference(m), vr = ref MemoryMarshal.GetReference(v);
            ref float dr = ref MemoryMarshal.GetReference(d);
            for (; i <= p.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> di = Vector256.LoadUnsafe(ref dr, (nuint)i);
                Vector256<float> mi = di * oneMinusBeta1 + Vector256.LoadUnsafe(ref mr, (nuint)i) * beta1;
                Vector256<float> vi = di * di * oneMinusBeta2 + Vector256.LoadUnsafe(ref vr, (nuint)i) * beta2;
                Vector256<float> denominator = Vector256.Sqrt(vi) / correction2 + epsilon;
                Vector256<float> pi = mi / denominator * negativeStep + Vector256.LoadUnsafe(ref pr, (nuint)i);
                mi.StoreUnsafe(ref mr, (nuint)i);
                vi.StoreUnsafe(ref vr, (nuint)i);
                pi.StoreUnsafe(ref pr, (nuint)i);
            }
        }
        for (; i < p.Length; i++)
        {
            float di = d[i];
            m[i] = di * c.OneMinusBeta1 + m[i] * c.Beta1;                  // m = β₁m + (1 − β₁)d
            v[i] = di * di * c.OneMinusBeta2 + v[i] * c.Beta2;             // v = β₂v + (1 − β₂)d²
            float denominator = MathF.Sqrt(v[i]) / c.BiasCorrection2Sqrt + c.Epsilon;   // √v / √(1 − β₂ᵗ) + ε
            p[i] = m[i] / denominator * c.NegativeStepSize + p[i];         // p −= (lr / (1 − β₁ᵗ)) · m / denominator
        }
    }
}

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter), PyTorch 1.13's rule: p *= 1 − lr·λ, then the Adam update
/// on the raw gradient. The default λ is 0.01, as in PyTorch.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>AdamW over <paramref name="parameters"/> with PyTorch's defaults (λ = 0.01); throws as <see cref="Adam"/>'s constructor does.</summary>
    public AdamW(IEnumerable<Tensor> parameters, float learningRate = 1e-3f, double beta1 = 0.9, double beta2 = 0.999,
        float epsilon = 1e-8f, float weightDecay = 0.01f)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay: true)
    {
    }
}
