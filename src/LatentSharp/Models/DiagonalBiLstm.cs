using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// The Diagonal BiLSTM PixelRNN (van den Oord et al. 2016; the shared layout and heads are in <see cref="PixelRnn"/>).
/// Each layer runs two LSTMs along the diagonals of the image, one diagonal at a time:
/// <code>
/// S = Skew(Conv1×1(h → 4h)(F))                     [B, 4h, H, W + H − 1]  row r shifted right by r: diagonals become columns
/// gates_c = S[column c] + K_ss ⊛ h_{c−1}          [B, 4h, H, 1]   K_ss: a 2×1 convolution over the previous column: rows r − 1, r
/// c_c, h_c = LSTM(gates_c, c_{c−1});  left = Unskew(h_0 … h_{W+H−2})     [B, h, H, W]
/// right = Mirror(the same on Mirror(F), with weights of its own), shifted down one row (row 0: zeros)
/// LSTM_l(F) = left + right
/// </code>
/// The left LSTM's input-to-state 1×1 is mask B (with one channel group it keeps every connection; with C &gt; 1, group g of
/// the gates sees groups ≤ g of F at the pixel itself). The right LSTM's is not masked: after the shift, all it gives
/// output (r, j) comes from rows ≤ r − 1, earlier pixels all, sub-pixels included. Neither state-to-state is masked: both
/// read cells of earlier pixels only. Unskewed, the left LSTM's cell (r, j) reads (r, j − 1) and (r − 1, j): it sees F at
/// rows ≤ r and columns ≤ j, that is pixels before (r, j). The right one,
/// run on the mirrored image, reads (r, j + 1) and (r − 1, j), so it sees F to the right in its own row, pixels after
/// (r, j); shifted down one row, output (r, j) gets the state of (r − 1, j), which sees rows ≤ r − 1 only. Together they
/// see every pixel above and to the left: no blind spot. W + H − 1 sequential steps per direction and layer.
/// </summary>
public sealed class DiagonalBiLstm : PixelRnn
{
    private readonly Layer[] _leftInput;
    private readonly Conv2d[] _rightInput;
    private readonly WindowConv[] _leftState, _rightState;

    /// <summary>A Diagonal BiLSTM for <paramref name="spec"/>'s images, initialised from <paramref name="rng"/>.</summary>
    public DiagonalBiLstm(ModelSpec spec, Rng rng) : base(spec, rng)
    {
        int h = Hidden, layers = spec.PixelCnnBlocks;
        _leftInput = new Layer[layers];
        _rightInput = new Conv2d[layers];
        _leftState = new WindowConv[layers];
        _rightState = new WindowConv[layers];
        for (int l = 0; l < layers; l++)
        {
            _leftInput[l] = RegisterModule($"lstm{l + 1}_left_input_to_state", MaskedResidualBlock.Pointwise(h, 4 * h, ChannelGroups, rng));
            _leftState[l] = RegisterModule($"lstm{l + 1}_left_state_to_state", new WindowConv(h, 4 * h, 2, 1, top: 0, left: 1, bias: false, rng));
            _rightInput[l] = RegisterModule($"lstm{l + 1}_right_input_to_state", new Conv2d(h, 4 * h, 1, rng));
            _rightState[l] = RegisterModule($"lstm{l + 1}_right_state_to_state", new WindowConv(h, 4 * h, 2, 1, top: 0, left: 1, bias: false, rng));
        }
    }

    /// <inheritdoc/>
    protected override Tensor LstmLayer(int layer, Tensor features)
    {
        int b = features.Dim(0), rows = features.Dim(2), width = features.Dim(3);
        Tensor left = Diagonal(_leftInput[layer].Forward(features), _leftState[layer]);                              // [B, h, rows, W]
        Tensor right = Diagonal(_rightInput[layer].Forward(features.MirrorLastAxis()), _rightState[layer]).MirrorLastAxis();
        Tensor above = Tensor.Zeros(b, Hidden, 1, width);                                                             // row 0 sees nothing of the right LSTM
        Tensor shifted = rows == 1 ? above : Tensor.Concat([above, right.Slice(2, 0, rows - 1)], 2);                  // [B, h, rows, W]
        return left + shifted;
    }

    /// <summary>The left-to-right diagonal LSTM over input gates [B, 4h, rows, W] → hidden states [B, h, rows, W].</summary>
    private Tensor Diagonal(Tensor inputGates, WindowConv stateToState)
    {
        int b = inputGates.Dim(0), rows = inputGates.Dim(2);
        Tensor skewed = inputGates.Skew();                                          // [B, 4h, rows, W + rows − 1]
        int columns = skewed.Dim(3);
        Tensor stateKernel = stateToState.Placed();
        Tensor cell = Tensor.Full(0f, b, Hidden * rows);                            // [B, h·rows]
        Tensor? hidden = null;                                                      // [B, h, rows, 1]
        var states = new Tensor[columns];
        for (int c = 0; c < columns; c++)
        {
            Tensor gates = skewed.Slice(3, c, 1);                                   // [B, 4h, rows, 1]
            if (hidden is not null) gates += stateToState.Apply(hidden, stateKernel);
            (hidden, cell) = Step(gates, cell);
            states[c] = hidden;
        }
        return Tensor.Concat(states, 3).Unskew();                                   // [B, h, rows, W + rows − 1] → [B, h, rows, W]
    }
}
