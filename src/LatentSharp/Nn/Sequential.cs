using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>Layers applied one after another; children are named "0", "1", ... as in PyTorch's <c>nn.Sequential</c>.</summary>
public sealed class Sequential : Layer
{
    private readonly Layer[] _layers;

    public Sequential(params Layer[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = (Layer[])layers.Clone();
        for (int i = 0; i < _layers.Length; i++)
            RegisterModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), _layers[i] ?? throw new ArgumentNullException(nameof(layers), $"Layer {i} is null."));
    }

    public IReadOnlyList<Layer> Layers => _layers;

    public int Count => _layers.Length;

    public Layer this[int index] => _layers[index];

    public override Tensor Forward(Tensor x)
    {
        foreach (Layer layer in _layers) x = layer.Forward(x);
        return x;
    }
}
