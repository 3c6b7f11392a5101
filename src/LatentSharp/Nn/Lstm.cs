using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// What <see cref="Lstm.Forward"/> returns: the last layer's hidden state at every step, [T, B, H] (or [B, T, H] when
/// batch-first), and every layer's hidden and cell state after the last step, [layers, B, H] each.
/// </summary>
public readonly record struct LstmOutput(Tensor Output, Tensor Hidden, Tensor Cell);

/// <summary>
/// A stack of LSTM layers run over a sequence, as PyTorch's <c>nn.LSTM</c>: per layer k, weight_ih_lk [4H, in],
/// weight_hh_lk [4H, H], bias_ih_lk [4H] and bias_hh_lk [4H], rows packed by gate i, f, g, o; every parameter
/// initialised from U(−1/√H, 1/√H). Layer k &gt; 0 reads the hidden states of layer k − 1.
/// Backpropagation through time is the tape's: the steps are ordinary recorded ops (<see cref="Tensor.LstmCell"/>).
/// </summary>
public sealed class Lstm : Module
{
    private readonly LayerWeights[] _layers;

    private readonly record struct LayerWeights(Tensor WeightIh, Tensor WeightHh, Tensor? BiasIh, Tensor? BiasHh);

    /// <summary>A stack of <paramref name="layers"/> LSTM layers reading <paramref name="inputSize"/> features per step into <paramref name="hiddenSize"/> units, drawing its weights from <paramref name="rng"/>; throws <see cref="ArgumentOutOfRangeException"/> for sizes below 1.</summary>
    public Lstm(int inputSize, int hiddenSize, Rng rng, int layers = 1, bool batchFirst = false, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentNullException.ThrowIfNull(rng);
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Layers = layers;
        BatchFirst = batchFirst;
        float bound = Init.UniformBound(hiddenSize);
        int gateRows = 4 * hiddenSize;
        _layers = new LayerWeights[layers];
        for (int k = 0; k < layers; k++)
        {
            int layerInput = k == 0 ? inputSize : hiddenSize;
            Tensor weightIh = RegisterParameter($"weight_ih_l{k}", Init.Uniform(rng, bound, gateRows, layerInput));
            Tensor weightHh = RegisterParameter($"weight_hh_l{k}", Init.Uniform(rng, bound, gateRows, hiddenSize));
            Tensor? biasIh = bias ? RegisterParameter($"bias_ih_l{k}", Init.Uniform(rng, bound, gateRows)) : null;
            Tensor? biasHh = bias ? RegisterParameter($"bias_hh_l{k}", Init.Uniform(rng, bound, gateRows)) : null;
            _layers[k] = new LayerWeights(weightIh, weightHh, biasIh, biasHh);
        }
    }

    /// <summary>The features per step of the input sequence.</summary>
    public int InputSize { get; }
    /// <summary>H, the hidden and cell units per layer.</summary>
    public int HiddenSize { get; }
    /// <summary>The number of stacked LSTM layers.</summary>
    public int Layers { get; }

    /// <summary>True when inputs and outputs are [B, T, ·] instead of [T, B, ·].</summary>
    public bool BatchFirst { get; }

    /// <summary>
    /// Runs the sequence <paramref name="input"/> [T, B, I] (or [B, T, I] when batch-first) from the initial state
    /// <paramref name="initialHidden"/>, <paramref name="initialCell"/> [layers, B, H] (both or neither; zeros when neither).
    /// </summary>
    public LstmOutput Forward(Tensor input, Tensor? initialHidden = null, Tensor? initialCell = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        int timeAxis = BatchFirst ? 1 : 0;
        if (input.Rank != 3 || input.Dim(2) != InputSize || input.Dim(timeAxis) == 0)
            throw new ArgumentException($"{this} expects input {(BatchFirst ? "[B, T" : "[T, B")}, {InputSize}] with T ≥ 1; got {Tensor.ShapeText(input.Shape)}.", nameof(input));
        int steps = input.Dim(timeAxis), batch = input.Dim(1 - timeAxis), hidden = HiddenSize;
        if ((initialHidden is null) != (initialCell is null))
            throw new ArgumentException("Lstm: give both the initial hidden and cell state, or neither.", initialHidden is null ? nameof(initialHidden) : nameof(initialCell));
        CheckState(initialHidden, batch, nameof(initialHidden));
        CheckState(initialCell, batch, nameof(initialCell));

        // [·, steps, ·] or [steps, ·, ·] with a given last dimension: the layout of one sequence tensor.
        int[] Sequence(int length, int width) => BatchFirst ? [batch, length, width] : [length, batch, width];

        Tensor layerInput = input;
        var lastHidden = new Tensor[Layers];
        var lastCell = new Tensor[Layers];
        var outputs = new Tensor[steps];
        for (int k = 0; k < Layers; k++)
        {
            LayerWeights w = _layers[k];
            int width = layerInput.Dim(2);
            // The input's share of every step's gates in one matrix product: [T·B, 4H] viewed as a sequence.
            Tensor inputGates = Tensor.Linear(layerInput.Reshape(steps * batch, width), w.WeightIh, w.BiasIh).Reshape(Sequence(steps, 4 * hidden));
            Tensor h = initialHidden?.Slice(0, k, 1).Reshape(batch, hidden) ?? Tensor.Full(0f, batch, hidden);   // [B, H]
            Tensor c = initialCell?.Slice(0, k, 1).Reshape(batch, hidden) ?? Tensor.Full(0f, batch, hidden);     // [B, H]
            for (int t = 0; t < steps; t++)
            {
                Tensor gates = inputGates.Slice(timeAxis, t, 1).Reshape(batch, 4 * hidden) + Tensor.Linear(h, w.WeightHh, w.BiasHh);   // [B, 4H]
                (h, c) = Tensor.LstmCell(gates, c);
                outputs[t] = h.Reshape(Sequence(1, hidden));
            }
            layerInput = Tensor.Concat(outputs, timeAxis);   // [T, B, H] or [B, T, H]
            lastHidden[k] = h.Reshape(1, batch, hidden);
            lastCell[k] = c.Reshape(1, batch, hidden);
        }
        return new LstmOutput(layerInput, Tensor.Concat(lastHidden, 0), Tensor.Concat(lastCell, 0));
    }

    private void CheckState(Tensor? state, int batch, string name)
    {
        if (state is not null && (state.Rank != 3 || state.Dim(0) != Layers || state.Dim(1) != batch || state.Dim(2) != HiddenSize))
            throw new ArgumentException($"{this} expects an initial state [{Layers}, {batch}, {HiddenSize}]; got {Tensor.ShapeText(state.Shape)}.", name);
    }

    /// <summary>The module and its sizes, e.g. <c>Lstm(28, 128, layers: 1, batchFirst: False)</c>.</summary>
    public override string ToString() => $"Lstm({InputSize}, {HiddenSize}, layers: {Layers}, batchFirst: {BatchFirst})";
}
