using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// Fully connected layer y = x·Wᵀ + b with W [out, in] and b [out], initialised as PyTorch's <c>nn.Linear</c>:
/// W and b ~ U(−1/√in, 1/√in) (Kaiming-uniform with a = √5).
/// </summary>
public sealed class Linear : Layer, IFusesRelu
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

    /// <summary>x [B, in] → [B, out].</summary>
    public override Tensor Forward(Tensor x)
    {
        CheckInput(x);
        return Tensor.Linear(x, Weight, Bias);   // [B, out]
    }

    /// <inheritdoc/>
    Tensor IFusesRelu.ForwardRelu(Tensor x)
    {
        CheckInput(x);
        return Tensor.Linear(x, Weight, Bias, relu: true);
    }

    private void CheckInput(Tensor x)
    {
        if (x.Rank != 2 || x.Dim(1) != InFeatures)
            throw new ArgumentException($"Linear({InFeatures}, {OutFeatures}) expects input [B, {InFeatures}]; got {Tensor.ShapeText(x.Shape)}.", nameof(x));
    }

    /// <summary>The layer and its sizes, e.g. <c>Linear(784, 400, bias: True)</c>.</summary>
    public override string ToString() => $"Linear({InFeatures}, {OutFeatures}, bias: {Bias is not null})";
}
