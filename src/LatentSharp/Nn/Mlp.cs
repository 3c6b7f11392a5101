using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>Builds multilayer perceptrons: Linear, activation, ..., Linear (no activation after the output layer).</summary>
public static class Mlp
{
    /// <summary>The hidden-layer name that makes every hidden layer a <see cref="GatedLinear"/> instead of Linear + activation.</summary>
    public const string Gated = "gated";

    /// <summary>
    /// input → hidden… → output with the hidden layers <paramref name="hiddenLayers"/> names: an activation's configuration
    /// name (<see cref="ActivationFactory.Parse"/>) after each Linear, or <see cref="Gated"/> for gated layers
    /// (children "0", "1", ... each a <see cref="GatedLinear"/>, then the output Linear).
    /// </summary>
    public static Sequential Build(int input, int[] hidden, int output, string hiddenLayers, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(hiddenLayers);
        if (hiddenLayers != Gated) return Build(input, hidden, output, ActivationFactory.Parse(hiddenLayers), rng);
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(rng);
        var layers = new List<Layer>();
        int width = input;
        foreach (int h in hidden)
        {
            layers.Add(new GatedLinear(width, h, rng));
            width = h;
        }
        layers.Add(new Linear(width, output, rng));
        return new Sequential([.. layers]);
    }

    /// <summary>
    /// input → hidden[0] → ... → hidden[^1] → output, with <paramref name="activation"/> after every hidden layer.
    /// Layers are the children "0", "1", ... of the returned <see cref="Sequential"/>, so Linear weights are named
    /// "0.weight", "2.weight", ... exactly as in the equivalent PyTorch <c>nn.Sequential</c>.
    /// </summary>
    public static Sequential Build(int input, int[] hidden, int output, Activation activation, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(rng);
        var layers = new List<Layer>();
        int width = input;
        foreach (int h in hidden)
        {
            layers.Add(new Linear(width, h, rng));
            layers.Add(ActivationFactory.Create(activation));
            width = h;
        }
        layers.Add(new Linear(width, output, rng));
        return new Sequential([.. layers]);
    }
}
