using LatentSharp.Tensors;

namespace LatentSharp.Nn;

// Parameter-free layers that apply one elementwise function; the math lives in the Tensor ops.

/// <summary>max(0, x), elementwise.</summary>
public sealed class Relu : Layer
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => x.Relu();
}

/// <summary>x for x > 0, slope·x otherwise (PyTorch default slope 0.01).</summary>
public sealed class LeakyRelu(float slope = 0.01f) : Layer
{
    /// <summary>The slope for negative inputs.</summary>
    public float Slope { get; } = slope;
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => x.LeakyRelu(Slope);
}

/// <summary>x for x > 0, α(eˣ − 1) otherwise (PyTorch default α = 1).</summary>
public sealed class Elu(float alpha = 1f) : Layer
{
    /// <summary>α: the value the output approaches for very negative inputs is −α.</summary>
    public float Alpha { get; } = alpha;
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => x.Elu(Alpha);
}

/// <summary>The hyperbolic tangent, elementwise, into (−1, 1).</summary>
public sealed class Tanh : Layer
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => x.Tanh();
}

/// <summary>The logistic function 1 / (1 + e⁻ˣ), elementwise, into (0, 1).</summary>
public sealed class Sigmoid : Layer
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => x.Sigmoid();
}

/// <summary>log(1 + eˣ).</summary>
public sealed class Softplus : Layer
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => x.Softplus();
}

/// <summary>Returns its input unchanged.</summary>
public sealed class Identity : Layer
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => x;
}
