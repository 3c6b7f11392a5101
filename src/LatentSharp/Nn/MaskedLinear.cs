using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// A fully connected layer whose weight is multiplied by a fixed 0/1 mask, y = x·(W ⊙ M)ᵀ + b: the unit of MADE
/// (Germain et al. 2015). W and b start as in <see cref="Linear"/>; the masked-out weights get no gradient, since the
/// product's gradient with respect to W is the mask times the output gradient.
/// </summary>
public sealed class MaskedLinear : Layer
{
    private readonly Tensor _mask;   // [out, in], a constant

    /// <summary>A layer from mask.GetLength(1) inputs to mask.GetLength(0) outputs; output i sees input j where mask[i, j].</summary>
    public MaskedLinear(bool[,] mask, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(rng);
        OutFeatures = mask.GetLength(0);
        InFeatures = mask.GetLength(1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(InFeatures, nameof(mask));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(OutFeatures, nameof(mask));
        float bound = Init.UniformBound(InFeatures);
        Weight = RegisterParameter("weight", Init.Uniform(rng, bound, OutFeatures, InFeatures));
        Bias = RegisterParameter("bias", Init.Uniform(rng, bound, OutFeatures));
        var values = new float[OutFeatures * InFeatures];
        for (int i = 0; i < OutFeatures; i++)
            for (int j = 0; j < InFeatures; j++) values[i * InFeatures + j] = mask[i, j] ? 1f : 0f;
        _mask = Tensor.FromArray(values, OutFeatures, InFeatures);
    }

    /// <summary>The number of inputs.</summary>
    public int InFeatures { get; }

    /// <summary>The number of outputs.</summary>
    public int OutFeatures { get; }

    /// <summary>The unmasked weight. [out, in]</summary>
    public Tensor Weight { get; }

    /// <summary>[out]</summary>
    public Tensor Bias { get; }

    /// <summary>x [B, in] → [B, out].</summary>
    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 2 || x.Dim(1) != InFeatures)
            throw new ArgumentException($"MaskedLinear({InFeatures}, {OutFeatures}) expects input [B, {InFeatures}]; got {Tensor.ShapeText(x.Shape)}.", nameof(x));
        return Tensor.Linear(x, Weight * _mask, Bias);   // [B, out]
    }

    /// <inheritdoc/>
    public override string ToString() => $"MaskedLinear({InFeatures}, {OutFeatures})";
}
