namespace LatentSharp.Nn;

/// <summary>The activation functions a configuration can name.</summary>
public enum Activation
{
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>x for x &gt; 0, 0.01·x otherwise.</summary>
    LeakyRelu,
    /// <summary>x for x &gt; 0, eˣ − 1 otherwise.</summary>
    Elu,
    /// <summary>The hyperbolic tangent, into (−1, 1).</summary>
    Tanh,
    /// <summary>The logistic function 1 / (1 + e⁻ˣ), into (0, 1).</summary>
    Sigmoid,
    /// <summary>log(1 + eˣ), a smooth ReLU.</summary>
    Softplus,
    /// <summary>No activation: x unchanged.</summary>
    Identity,
}

/// <summary>Turns configuration names ("relu", "leaky-relu", "elu", "tanh", "sigmoid", "softplus", "identity") into layers.</summary>
public static class ActivationFactory
{
    private static readonly (string Name, Activation Value)[] Names =
    [
        ("relu", Activation.Relu),
        ("leaky-relu", Activation.LeakyRelu),
        ("elu", Activation.Elu),
        ("tanh", Activation.Tanh),
        ("sigmoid", Activation.Sigmoid),
        ("softplus", Activation.Softplus),
        ("identity", Activation.Identity),
    ];

    /// <summary>A new layer for <paramref name="activation"/> with PyTorch's default constants.</summary>
    public static Layer Create(Activation activation) => activation switch
    {
        Activation.Relu => new Relu(),
        Activation.LeakyRelu => new LeakyRelu(),
        Activation.Elu => new Elu(),
        Activation.Tanh => new Tanh(),
        Activation.Sigmoid => new Sigmoid(),
        Activation.Softplus => new Softplus(),
        Activation.Identity => new Identity(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    /// <summary>A new layer for the configuration name <paramref name="name"/>; throws <see cref="ArgumentException"/> listing the known names for any other.</summary>
    public static Layer Create(string name) => Create(Parse(name));

    /// <summary>The activation with configuration name <paramref name="name"/> (case-insensitive).</summary>
    public static Activation Parse(string name)
    {
        foreach (var (n, value) in Names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return value;
        }
        throw new ArgumentException($"Unknown activation \"{name}\"; use one of: {string.Join(", ", Names.Select(n => n.Name))}.", nameof(name));
    }

    /// <summary>The configuration name of <paramref name="activation"/> ("leaky-relu" for <see cref="Activation.LeakyRelu"/>).</summary>
    public static string NameOf(Activation activation)
    {
        foreach (var (n, value) in Names)
        {
            if (value == activation) return n;
        }
        throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
    }
}
