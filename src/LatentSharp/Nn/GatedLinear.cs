using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// A gated dense layer y = (W_h·x + b_h) ⊙ σ(W_g·x + b_g), the hidden layer of Tomczak &amp; Welling's VampPrior MLPs:
/// a linear part, its units let through by a learned sigmoid gate. Its children are "h" and "g", two
/// <see cref="Linear"/> layers initialised as PyTorch's, so the weights are named "h.weight", "g.weight", ... as in
/// their <c>GatedDense</c>. The gate is the layer's nonlinearity: nothing follows it.
/// </summary>
public sealed class GatedLinear : Layer
{
    /// <summary>A gated layer from <paramref name="inFeatures"/> to <paramref name="outFeatures"/> units, drawing both linear parts' weights from <paramref name="rng"/>.</summary>
    public GatedLinear(int inFeatures, int outFeatures, Rng rng)
    {
        Linear = RegisterModule("h", new Linear(inFeatures, outFeatures, rng));
        Gate = RegisterModule("g", new Linear(inFeatures, outFeatures, rng));
    }

    /// <summary>W_h [out, in], b_h [out].</summary>
    public Linear Linear { get; }

    /// <summary>W_g [out, in], b_g [out].</summary>
    public Linear Gate { get; }

    /// <summary>The width of the input rows.</summary>
    public int InFeatures => Linear.InFeatures;

    /// <summary>The width of the output rows.</summary>
    public int OutFeatures => Linear.OutFeatures;

    /// <summary>x [B, in] → [B, out].</summary>
    public override Tensor Forward(Tensor x) => Linear.Forward(x) * Gate.Forward(x).Sigmoid();

    /// <summary>The layer and its sizes, e.g. <c>GatedLinear(784, 300)</c>.</summary>
    public override string ToString() => $"GatedLinear({InFeatures}, {OutFeatures})";
}
