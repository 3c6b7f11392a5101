using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>Layers applied one after another; children are named "0", "1", ... as in PyTorch's <c>nn.Sequential</c>.</summary>
public sealed class Sequential : Layer
{
    private readonly Layer[] _layers;

    /// <summary>A chain of <paramref name="layers"/>, applied first to last; throws <see cref="ArgumentNullException"/> when one is null.</summary>
    public Sequential(params Layer[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = (Layer[])layers.Clone();
        for (int i = 0; i < _layers.Length; i++)
            RegisterModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), _layers[i] ?? throw new ArgumentNullException(nameof(layers), $"Layer {i} is null."));
    }

    /// <summary>The chained layers, first to last.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>The number of chained layers.</summary>
    public int Count => _layers.Length;

    /// <summary>The layer at position <paramref name="index"/>, 0 first.</summary>
    public Layer this[int index] => _layers[index];

    /// <summary>Applies each layer to the previous one's output; a <see cref="Linear"/>, <see cref="Conv2d"/> or
    /// <see cref="ConvTranspose2d"/> followed by a <see cref="Relu"/> runs as one fused step (the same values and gradients
    /// to the bit, a pass over the output fewer).</summary>
    public override Tensor Forward(Tensor x)
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i] is IFusesRelu fused && i + 1 < _layers.Length && _layers[i + 1] is Relu)
            {
                x = fused.ForwardRelu(x);
                i++;
            }
            else x = _layers[i].Forward(x);
        }
        return x;
    }
}
