using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// Fully connected layer y = x·Wᵀ + b with W [out, in] and b [out], initialised as PyTorch's <c>nn.Linear</c>:
/// W and b ~ U(−1/√in, 1/√in) (Kaiming-uniform with a = √5).
/// </summary>
public sealed class Linear : Layer, IFusesRelu, IKeepsWhileFixed
{
    /// <summary>A layer from <paramref name="inFeatures"/> to <paramref name="outFeatures"/> units, drawing its weights from <paramref name="rng"/>; throws <see cref="ArgumentOutOfRangeException"/> for sizes below 1.</summary>
    public Linear(int inFeatures, int outFeatures, Rng rng, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        ArgumentNullException.ThrowIfNull(rng);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        float bound = Init.UniformBound(inFeatures);
        Weight = RegisterParameter("weight", Init.Uniform(rng, bound, outFeatures, inFeatures));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform(rng, bound, outFeatures));
    }

    /// <summary>The width of the input rows.</summary>
    public int InFeatures { get; }
    /// <summary>The width of the output rows.</summary>
    public int OutFeatures { get; }

    /// <summary>[out, in]</summary>
    public Tensor Weight { get; }

    /// <summary>[out], or null without bias.</summary>
    public Tensor? Bias { get; }

    // While the parameters are fixed, the weight as the products read it (Wᵀ in the GEMM's panels), packed once for every
    // no-gradient call instead of once per call: 5% of an MLP VAE's inference batch.
    private int _fixedScopes;
    private PackedB? _packedWeight;

    /// <summary>x [B, in] → [B, out].</summary>
    public override Tensor Forward(Tensor x)
    {
        CheckInput(x);
        return Tensor.Linear(x, Weight, Bias, relu: false, PackedWeight());   // [B, out]
    }

    /// <inheritdoc/>
    Tensor IFusesRelu.ForwardRelu(Tensor x)
    {
        CheckInput(x);
        return Tensor.Linear(x, Weight, Bias, relu: true, PackedWeight());
    }

    /// <inheritdoc/>
    void IKeepsWhileFixed.Fix() => Interlocked.Increment(ref _fixedScopes);

    /// <inheritdoc/>
    void IKeepsWhileFixed.Release()
    {
        if (Interlocked.Decrement(ref _fixedScopes) == 0) _packedWeight = null;
    }

    /// <summary>The packed weight while the parameters are fixed and no gradient is recorded (made on first use), else null.</summary>
    private PackedB? PackedWeight()
    {
        if (Volatile.Read(ref _fixedScopes) == 0 || Tensor.IsGradEnabled) return null;
        PackedB? packed = _packedWeight;
        if (packed is null || !packed.Fits(Gemm.Resolve(), InFeatures, OutFeatures))
            _packedWeight = packed = Gemm.Prepack(transposeB: true, InFeatures, OutFeatures, Weight.Data.AsSpan(0, OutFeatures * InFeatures), InFeatures);
        return packed;
    }

    private void CheckInput(Tensor x)
    {
        if (x.Rank != 2 || x.Dim(1) != InFeatures)
            throw new ArgumentException($"Linear({InFeatures}, {OutFeatures}) expects input [B, {InFeatures}]; got {Tensor.ShapeText(x.Shape)}.", nameof(x));
    }

    /// <summary>The layer and its sizes, e.g. <c>Linear(784, 400, bias: True)</c>.</summary>
    public override string ToString() => $"Linear({InFeatures}, {OutFeatures}, bias: {Bias is not null})";
}
