using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>
/// A normalizing flow on the posterior's draws: z_K = f_K ∘ … ∘ f_1(z_0), z_0 ~ q_0(z|x), with the log-determinant
/// tracked exactly so that log q(z_K|x) = log q_0(z_0|x) − Σ_k log|det ∂f_k/∂z_{k−1}|.
/// </summary>
public interface IPosteriorFlow
{
    /// <summary>The flow's name in the model spec: "planar" or "iaf".</summary>
    string Name { get; }

    /// <summary>K, the number of flow steps.</summary>
    int Steps { get; }

    /// <summary>The width of the context vector the encoder gives each example (0 when the flow takes none).</summary>
    int ContextSize { get; }

    /// <summary>z_0 [B, L] (and the encoder's context [B, ContextSize], or null when ContextSize is 0) → z_K [B, L] and Σ_k log|det| [B].</summary>
    (Tensor Z, Tensor LogDeterminant) Forward(Tensor z0, Tensor? context);
}
