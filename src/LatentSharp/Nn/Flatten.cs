using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>Feature maps to rows, as PyTorch's <c>nn.Flatten</c>: [B, C, H, W] → [B, C·H·W] (a view, no copy).</summary>
public sealed class Flatten : Layer
{
    public override Tensor Forward(Tensor x)
    {
        if (x.Rank < 2) throw new ArgumentException($"Flatten expects [B, …]; got {Tensor.ShapeText(x.Shape)}.", nameof(x));
        return x.Reshape(x.Dim(0), -1);
    }

    public override string ToString() => "Flatten()";
}
