using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>Parameter initialisers matching PyTorch's layer defaults.</summary>
public static class Init
{
    /// <summary>1/√fanIn: the bound of PyTorch's default weight (Kaiming-uniform, a = √5) and bias initialisation.</summary>
    public static float UniformBound(int fanIn)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanIn);
        return (float)(1.0 / Math.Sqrt(fanIn));
    }

    /// <summary>A new parameter of the given shape filled from U(−bound, bound).</summary>
    public static Tensor Uniform(Rng rng, float bound, params int[] shape)
    {
        Tensor p = Tensor.Parameter(shape);
        rng.FillUniform(p.Data, -bound, bound);
        return p;
    }
}
