using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// The Row LSTM PixelRNN (van den Oord et al. 2016; the shared layout and heads are in <see cref="PixelRnn"/>). Each layer runs an LSTM down the image one row at a time, every cell of a row at once:
/// <code>
/// gates_r = K_is ⊛ F[row r] + K_ss ⊛ h_{r−1}      [B, 4h, 1, W]   (h_{−1} = 0, c_{−1} = 0)
///   K_is: input-to-state, a 1-D convolution of width 3 along the row under mask B: taps j − 1 and j (j + 1 hidden)
///   K_ss: state-to-state, a 1-D convolution of width 3 over the previous row's hidden state: taps j − 1, j, j + 1
/// c_r, h_r = LSTM(gates_r, c_{r−1})                  [B, h, 1, W]
/// </code>
/// h_r at column j sees F of its own row at columns ≤ j (F there depends on pixels before (r, j) only) and the hidden
/// states of the row above, which depend on rows above: pixel (r, j) is never seen by its own logit, nor any later pixel.
/// The field above is a triangle widening by one column to each side per row up, so the Row LSTM, like the simple
/// PixelCNN, is blind to part of the context (the far right of the rows just above). H sequential steps per layer.
/// With C &gt; 1 channel groups, K_is's tap j is mask B by group (group g of the gates sees groups ≤ g of F at the pixel
/// itself); K_ss reads only the row above, earlier pixels all, so it is not masked.
/// </summary>
public sealed class RowLstm : PixelRnn
{
    private readonly WindowConv[] _inputToState, _stateToState;

    /// <summary>A Row LSTM for <paramref name="spec"/>'s images, initialised from <paramref name="rng"/>.</summary>
    public RowLstm(ModelSpec spec, Rng rng) : base(spec, rng)
    {
        int h = Hidden, layers = spec.PixelCnnBlocks;
        _inputToState = new WindowConv[layers];
        _stateToState = new WindowConv[layers];
        for (int l = 0; l < layers; l++)
        {
            _inputToState[l] = RegisterModule($"lstm{l + 1}_input_to_state", new WindowConv(h, 4 * h, 1, 2, top: 1, left: 0, bias: true, rng, ChannelGroups));
            _stateToState[l] = RegisterModule($"lstm{l + 1}_state_to_state", new WindowConv(h, 4 * h, 1, 3, top: 1, left: 0, bias: false, rng));
        }
    }

    /// <inheritdoc/>
    protected override Tensor LstmLayer(int layer, Tensor features)
    {
        int b = features.Dim(0), rows = features.Dim(2), width = features.Dim(3);
        WindowConv stateToState = _stateToState[layer];
        Tensor inputGates = _inputToState[layer].Apply(features, _inputToState[layer].Placed());   // [B, 4h, rows, W], every row at once
        Tensor stateKernel = stateToState.Placed();
        Tensor cell = Tensor.Full(0f, b, Hidden * width);                                           // [B, h·W]
        Tensor? hidden = null;                                                                      // [B, h, 1, W]
        var states = new Tensor[rows];
        for (int r = 0; r < rows; r++)
        {
            Tensor gates = inputGates.Slice(2, r, 1);                                               // [B, 4h, 1, W]
            if (hidden is not null) gates += stateToState.Apply(hidden, stateKernel);
            (hidden, cell) = Step(gates, cell);
            states[r] = hidden;
        }
        return Tensor.Concat(states, 2);                                                            // [B, h, rows, W]
    }
}
