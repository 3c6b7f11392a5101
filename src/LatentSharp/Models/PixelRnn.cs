using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// What the two PixelRNNs (van den Oord et al. 2016, "Pixel Recurrent Neural Networks") share: p(x) = Π_i p(x_i | x_&lt;i),
/// pixels in raster order, the pixel's distribution given by the <see cref="AutoregressiveImageModel.Head"/>: Bernoulli on
/// binarized single-channel images, on 8-bit images the 256-way softmax per sub-pixel or PixelCNN++'s logistic mixture
/// (its outputs of a pixel see the pixels before it only). Shapes: B rows, D = C·H·W, h =
/// <see cref="ModelSpec.PixelCnnChannels"/> feature maps and LSTM state channels, N = <see cref="ModelSpec.PixelCnnBlocks"/>
/// LSTM layers, P outputs per pixel.
/// <code>
/// x [B, D] → [B, C, H, W] → MaskedConv 7×7 type A (C → h) = F_0
///   → N × LSTM layer with a residual connection: F_l = F_{l−1} + Conv1×1(h → h)(LSTM_l(F_{l−1}))
///   → ReLU → Conv1×1 (h → h) → ReLU → Conv1×1 (h → P) → outputs [B, P·H·W]
/// </code>
/// F_0 at pixel i depends on x_&lt;i only; each LSTM layer keeps that (a subclass says how), so the outputs of pixel i depend on x_&lt;i alone.
/// With the categorical head on C &gt; 1 channels (R → G → B, van den Oord et al. 2016, section 3.4) every channel f of the
/// feature maps, gates and states belongs to group f mod C (h must be a multiple of C, so that the four gates and the state
/// of a cell are of one group); the 7×7 is mask A by group, the 1×1s and each LSTM's input-to-state tap at the pixel itself
/// mask B (<see cref="MaskedConv2d"/>): group g of pixel i sees x_&lt;i and the sub-pixels &lt; g of pixel i. The
/// state-to-state convolutions read only cells of earlier pixels, so they need no mask.
/// Every layer is causal row-wise too (no output sees a row below its own), which <see cref="AutoregressiveImageModel.LogitsOfFirstRows"/>
/// relies on. Like the PixelCNNs: exact terms, no latent space, sampling pixel by pixel.
/// </summary>
public abstract class PixelRnn : AutoregressiveImageModel
{
    /// <summary>The kernel of the first (type A) convolution.</summary>
    public const int FirstKernel = 7;

    private readonly MaskedConv2d _input;
    private readonly Layer[] _residual;
    private readonly Layer _hidden, _output;

    /// <summary>Builds the first convolution, the residual 1×1s of the N layers and the head; a subclass adds its LSTM layers.</summary>
    protected PixelRnn(ModelSpec spec, Rng rng) : base(HeadOf(spec))
    {
        ArgumentNullException.ThrowIfNull(rng);
        int h = spec.PixelCnnChannels, groups = Head.ChannelGroups;
        if (h < 1) throw new ArgumentException($"The {spec.Kind} needs at least 1 hidden channel, not {h}.", nameof(spec));
        if (h % groups != 0) throw new ArgumentException($"The {spec.Kind}'s {h} hidden channels must be a multiple of the {groups} sub-pixels its {spec.Likelihood} head orders.", nameof(spec));
        if (spec.PixelCnnBlocks < 0) throw new ArgumentException($"The number of LSTM layers must not be negative, not {spec.PixelCnnBlocks}.", nameof(spec));
        Spec = spec;
        Hidden = h;
        _input = RegisterModule("input", new MaskedConv2d(spec.Channels, h, FirstKernel, MaskType.A, rng, groups));
        _residual = new Layer[spec.PixelCnnBlocks];
        for (int l = 0; l < _residual.Length; l++) _residual[l] = RegisterModule($"residual{l + 1}", MaskedResidualBlock.Pointwise(h, h, groups, rng));
        _hidden = RegisterModule("hidden", MaskedResidualBlock.Pointwise(h, h, groups, rng));
        _output = RegisterModule("output", MaskedResidualBlock.Pointwise(h, Head.OutputsPerPixel, groups, rng));
    }

    /// <inheritdoc/>
    public override ModelSpec Spec { get; }

    /// <summary>h: the channels of the feature maps and of each LSTM's hidden and cell state.</summary>
    protected int Hidden { get; }

    /// <summary>G: the channel groups of a pixel's sub-pixels (1 but for the categorical head on colour images).</summary>
    protected int ChannelGroups => Head.ChannelGroups;

    /// <summary>The hidden states of LSTM layer <paramref name="layer"/> (0-based) over its input maps. [B, h, rows, W] → [B, h, rows, W]</summary>
    protected abstract Tensor LstmLayer(int layer, Tensor features);

    /// <inheritdoc/>
    protected override Tensor FirstRowOutputs(Tensor x, int rows, Tensor? condition)
    {
        Tensor features = _input.Forward(x);                                          // [B, h, rows, W]
        for (int l = 0; l < _residual.Length; l++) features += _residual[l].Forward(LstmLayer(l, features));
        Tensor h = _hidden.Forward(features.Relu()).Relu();
        return _output.Forward(h);                                                    // [B, P, rows, W]
    }

    /// <summary>
    /// One LSTM step over a whole row or column of cells at once: the gate pre-activations [B, 4h, ·, ·] (gate-major: i, f, g,
    /// o, each h channels) and the cell state [B, h·n] of the n cells → the new hidden state [B, h, ·, ·] (the gates' shape with
    /// h channels) and cell state. Viewing the maps as [B, 4·h·n] puts gate k of every cell in the k-th quarter, which is
    /// <see cref="Tensor.LstmCell"/>'s [B, 4H] layout with H = h·n.
    /// </summary>
    protected static (Tensor Hidden, Tensor Cell) Step(Tensor gates, Tensor cell)
    {
        int b = gates.Dim(0), rows = gates.Dim(2), columns = gates.Dim(3);
        (Tensor hidden, Tensor nextCell) = Tensor.LstmCell(gates.Reshape(b, gates.Length / b), cell);
        return (hidden.Reshape(b, gates.Dim(1) / 4, rows, columns), nextCell);
    }

    /// <summary>
    /// A convolution whose small kernel [O, C, kh, kw] sits at (top, left) of a 3×3
    /// window centred on the output cell, stride 1, padding 1: the window's other taps are neither stored nor read. Row
    /// LSTM: 1×2 at (1, 0) reads columns j − 1, j of its row (mask B); 1×3 at (1, 0) reads j − 1 .. j + 1. Diagonal
    /// BiLSTM: 2×1 at (0, 1) reads rows r − 1 and r of its column. Initialised as <see cref="Conv2d"/> (U(±1/√(C·kh·kw))).
    /// With G &gt; 1 channel groups the window's centre tap, when the kernel covers it, is mask B by group
    /// (<see cref="MaskedConv2d.SeesOwnPixel"/>): the kernel used is W ⊙ M, and the masked pairs get no gradient.
    /// </summary>
    protected sealed class WindowConv : Module
    {
        private const int Window = 3;
        private readonly int _top, _left;
        private readonly ulong _taps;
        private readonly Tensor? _mask;   // [O, C, kh, kw], channel groups only

        /// <summary>A kernel of kh×kw taps at (top, left) of the 3×3 window, its centre tap masked by <paramref name="channelGroups"/>; with a bias per output channel when asked.</summary>
        public WindowConv(int inChannels, int outChannels, int kernelHeight, int kernelWidth, int top, int left, bool bias, Rng rng, int channelGroups = 1)
        {
            if (top < 0 || left < 0 || top + kernelHeight > Window || left + kernelWidth > Window)
                throw new ArgumentOutOfRangeException(nameof(kernelHeight), $"A {kernelHeight}x{kernelWidth} kernel at ({top}, {left}) does not fit a 3x3 window.");
            _top = top;
            _left = left;
            float bound = Init.UniformBound(inChannels * kernelHeight * kernelWidth);
            Weight = RegisterParameter("weight", Init.Uniform(rng, bound, outChannels, inChannels, kernelHeight, kernelWidth));
            Bias = bias ? RegisterParameter("bias", Init.Uniform(rng, bound, outChannels)) : null;
            for (int r = top; r < top + kernelHeight; r++)
            for (int c = left; c < left + kernelWidth; c++)
                _taps |= 1UL << (r * Window + c);
            int centreRow = Window / 2 - top, centreColumn = Window / 2 - left;
            if (channelGroups > 1 && centreRow >= 0 && centreRow < kernelHeight && centreColumn >= 0 && centreColumn < kernelWidth)
            {
                var mask = new float[outChannels * inChannels * kernelHeight * kernelWidth];
                Array.Fill(mask, 1f);
                MaskedConv2d.SetOwnPixelTapByGroup(mask, outChannels, inChannels, kernelHeight, kernelWidth, centreRow, centreColumn, channelGroups, MaskType.B);
                _mask = Tensor.FromArray(mask, outChannels, inChannels, kernelHeight, kernelWidth);
            }
        }

        /// <summary>[O, C, kh, kw]</summary>
        public Tensor Weight { get; }

        /// <summary>[O], or null.</summary>
        public Tensor? Bias { get; }

        /// <summary>The weight placed in its 3×3 window, zeros around it; build it once per pass and give it to <see cref="Apply"/>. [O, C, 3, 3]</summary>
        public Tensor Placed()
        {
            int o = Weight.Dim(0), c = Weight.Dim(1), kh = Weight.Dim(2), kw = Weight.Dim(3);
            Tensor rows = _mask is null ? Weight : Weight * _mask;
            if (_left > 0 || _left + kw < Window)
                rows = Tensor.Concat([.. Zeros(o, c, kh, _left), rows, .. Zeros(o, c, kh, Window - _left - kw)], 3);   // [O, C, kh, 3]
            return _top > 0 || _top + kh < Window
                ? Tensor.Concat([.. Zeros(o, c, _top, Window), rows, .. Zeros(o, c, Window - _top - kh, Window)], 2)      // [O, C, 3, 3]
                : rows;
        }

        /// <summary>x [B, C, rows, columns] → [B, O, rows, columns] with the window <paramref name="placed"/> from <see cref="Placed"/>.</summary>
        public Tensor Apply(Tensor x, Tensor placed) => Tensor.Conv2d(x, placed, Bias, stride: 1, padding: 1, tapMask: _taps);

        private static Tensor[] Zeros(int o, int c, int h, int w) => h == 0 || w == 0 ? [] : [Tensor.Zeros(o, c, h, w)];
    }
}
