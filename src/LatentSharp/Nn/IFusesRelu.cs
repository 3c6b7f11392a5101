using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// A layer that applies a following <see cref="Relu"/> while it writes its own output (in the matrix product's store, or
/// as each output row or image is finished) rather than in a pass of its own: <see cref="Sequential"/> runs the pair as one step.
/// </summary>
internal interface IFusesRelu
{
    /// <summary>max(Forward(x), 0): the same values and gradients, to the bit, as Forward followed by a ReLU.</summary>
    Tensor ForwardRelu(Tensor x);
}
