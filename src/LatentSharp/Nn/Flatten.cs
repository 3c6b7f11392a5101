using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>Feature maps to rows, as PyTorch's <c>nn.Flatten</c>: [B, C, H, W] → [B, C·H·W] (a view, no copy).</summary>
public sealed class Flatten : Layer
{
    /// <summary>x [B, …] → [B, product of the rest]; throws <see cref="ArgumentException"/> for a rank below 2.</summary>
    public override Tensor Forward(Tensor x)
    {
        if (x.Rank < 2) throw new ArgumentException($"Flatten expects [B, …]; got {Tensor.ShapeText(x.Shape)}.", nameof(x));
        return x.Reshape(x.Dim(0), -1);
    }

    /// <summary><c>Flatten()</c>.</summary>
    public override string ToString() => "Flatten()";
}
