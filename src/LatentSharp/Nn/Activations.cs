using LatentSharp.Tensors;

namespace LatentSharp.Nn;

// Parameter-free layers that apply one elementwise function; the math lives in the Tensor ops.

public sealed class Relu : Layer
{
    public override Tensor Forward(Tensor x) => x.Relu();
}

/// <summary>x for x > 0, slope·x otherwise (PyTorch default slope 0.01).</summary>
public sealed class LeakyRelu(float slope = 0.01f) : Layer
{
    public float Slope { get; } = slope;
    public override Tensor Forward(Tensor x) => x.LeakyRelu(Slope);
}

/// <summary>x for x > 0, α(eˣ − 1) otherwise (PyTorch default α = 1).</summary>
public sealed class Elu(float alpha = 1f) : Layer
{
    public float Alpha { get; } = alpha;
    public override Tensor Forward(Tensor x) => x.Elu(Alpha);
}

public sealed class Tanh : Layer
{
    public override Tensor Forward(Tensor x) => x.Tanh();
}

public sealed class Sigmoid : Layer
{
    public override Tensor Forward(Tensor x) => x.Sigmoid();
}

/// <summary>log(1 + eˣ).</summary>
public sealed class Softplus : Layer
{
    public override Tensor Forward(Tensor x) => x.Softplus();
}

/// <summary>Returns its input unchanged.</summary>
public sealed class Identity : Layer
{
    public override Tensor Forward(Tensor x) => x;
}
