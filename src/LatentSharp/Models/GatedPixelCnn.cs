using LatentSharp.Distributions;
using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// Gated PixelCNN (van den Oord et al. 2016, "Conditional Image Generation with PixelCNN Decoders"):
/// p(x | c) = Π_i p(x_i | x_&lt;i, c), pixels in raster order, optionally conditioned on a class c, the pixel's distribution
/// given by the <see cref="AutoregressiveImageModel.Head"/> (Bernoulli on binarized single-channel images; 256-way softmax
/// per sub-pixel or PixelCNN++'s logistic mixture on 8-bit images). Shapes: B rows, D = C_img·H·W, p =
/// <see cref="ModelSpec.PixelCnnChannels"/>, N = <see cref="ModelSpec.PixelCnnBlocks"/> gated layers after the first, C
/// classes, P outputs per pixel.
/// <code>
/// v = h = x [B, C_img, H, W]
/// layer l (the first 7×7 type A, then N × 3×3 type B), with the class bias b_l(c) = Linear(C → 2p)(c) when conditional:
///   v' = Vertical(v) + b_l^v(c)                                    [B, 2p, H, W]  rows above (type B: and its own row)
///   h' = Horizontal(h) + Conv1×1(2p → 2p)(v') + b_l^h(c)           [B, 2p, H, W]  left in its row (type B: and itself)
///   v ← tanh(v'_f) ⊙ σ(v'_g)                                       [B, p, H, W]
///   g = tanh(h'_f) ⊙ σ(h'_g);  skip_l = Conv1×1(g);  h ← h + Conv1×1(g)  (the first layer: h ← g; the last: no new v, h)
/// outputs = Conv1×1(p → P)(ReLU(Conv1×1(p → p)(ReLU(Σ_l skip_l))))  [B, P·H·W]
/// </code>
/// With the categorical head on C_img &gt; 1 channels, the horizontal stack and every 1×1 after it are masked by channel
/// group (f mod C_img; p must be a multiple of C_img so that both halves of a gate are of one group): output group c sees
/// sub-pixels &lt; c of its own pixel. The vertical stack needs no such mask: it never sees its own row.
/// The vertical stack's first layer sees only the rows above, and its type-B layers widen that field by one row and one
/// column to each side per layer, so that (unlike the simple <see cref="PixelCnn"/>'s stacked masked 3×3 convolutions) the
/// triangle above-right of a pixel is no blind spot; the horizontal stack sees its own row up to the pixel, itself only
/// from the second layer on. Logit i therefore depends on x_&lt;i alone, and on every one of them once the layers reach.
/// <para>
/// Like <see cref="PixelCnn"/>: <see cref="AutoregressiveImageModel.Terms"/> are <see cref="TermsKind.Exact"/> (the exact log p(x | c), no KL);
/// <see cref="AutoregressiveImageModel.LogImportanceWeights"/> repeats it in all K columns; no latent space; <see cref="AutoregressiveImageModel.Sample"/> draws pixel by
/// pixel. Built with classes (<see cref="ModelSpec.Classes"/> &gt; 0) it is an <see cref="IConditional"/>: every call takes
/// the one-hot labels, and <see cref="AutoregressiveImageModel.Sample"/> draws row i from class i mod C.
/// </para>
/// </summary>
public sealed class GatedPixelCnn : AutoregressiveImageModel
{
    /// <summary>The kernel of the first (type A) layer.</summary>
    public const int FirstKernel = 7;

    /// <summary>The kernel of the type-B layers.</summary>
    public const int Kernel = 3;

    private readonly GatedLayer[] _layers;
    private readonly Layer _hidden, _output;
    private readonly ConditionalFacet? _conditional;

    /// <summary>A freshly initialised gated PixelCNN of <paramref name="spec"/>; throws <see cref="ArgumentException"/> for a likelihood it has no head for (Bernoulli on colour images), fewer than 1 channel, channels not a multiple of the channel groups, or a negative layer count.</summary>
    public GatedPixelCnn(ModelSpec spec, Rng rng) : base(HeadOf(spec))
    {
        ArgumentNullException.ThrowIfNull(rng);
        int p = spec.PixelCnnChannels, groups = Head.ChannelGroups;
        if (p < 1) throw new ArgumentException($"The {spec.Kind} needs at least 1 feature channel, not {p}.", nameof(spec));
        if (p % groups != 0) throw new ArgumentException($"The {spec.Kind}'s {p} channels per stack must be a multiple of the {groups} sub-pixels its {spec.Likelihood} head orders.", nameof(spec));
        if (spec.PixelCnnBlocks < 0) throw new ArgumentException($"The number of gated layers must not be negative, not {spec.PixelCnnBlocks}.", nameof(spec));
        Spec = spec;
        _layers = new GatedLayer[1 + spec.PixelCnnBlocks];
        for (int l = 0; l < _layers.Length; l++)
        {
            bool last = l == _layers.Length - 1;
            var layer = l == 0 ? new GatedLayer(spec.Channels, p, FirstKernel, MaskType.A, spec.Classes, last, groups, rng)
                : new GatedLayer(p, p, Kernel, MaskType.B, spec.Classes, last, groups, rng);
            _layers[l] = RegisterModule($"layer{l + 1}", layer);
        }
        _hidden = RegisterModule("hidden", MaskedResidualBlock.Pointwise(p, p, groups, rng));
        _output = RegisterModule("output", MaskedResidualBlock.Pointwise(p, Head.OutputsPerPixel, groups, rng));
        // 256 logits per sub-pixel behind p ReLUs: with random output weights the first steps fit the marginal by switching
        // those ReLUs off for good (an 8-channel model stayed at the marginal); from zero the biases fit it instead.
        if (Head is CategoricalPixelHead)
            foreach (var (name, parameter) in _output.NamedParameters())
                if (name == "weight") Array.Clear(parameter.Data, 0, parameter.Length);
        _conditional = spec.Classes > 0 ? new ConditionalFacet(this) : null;
    }

    /// <inheritdoc/>
    public override ModelSpec Spec { get; }

    /// <inheritdoc/>
    public override T? As<T>() where T : class =>
        typeof(T) == typeof(IConditional) ? _conditional as T : base.As<T>();

    /// <inheritdoc/>
    protected override Tensor FirstRowOutputs(Tensor x, int rows, Tensor? condition)
    {
        Tensor vertical = x, horizontal = x;                                      // [B, C_img, rows, W]
        Tensor? skips = null;
        foreach (GatedLayer layer in _layers)
        {
            (vertical, horizontal, Tensor skip) = layer.Forward(vertical, horizontal, condition);
            skips = skips is null ? skip : skips + skip;                          // [B, p, rows, W]
        }
        Tensor h = _hidden.Forward(skips!.Relu()).Relu();
        return _output.Forward(h);                                                // [B, P, rows, W]
    }

    /// <summary>
    /// One gated layer of both stacks, with its skip output. Type A: the first layer, which takes the image itself. The last
    /// layer feeds the head through its skip alone, so it has no residual projection and computes no vertical output.
    /// </summary>
    private sealed class GatedLayer : Module
    {
        private readonly int _channels;
        private readonly bool _residual, _last;
        private readonly StackConv2d _vertical, _horizontal;
        private readonly Conv2d _verticalToHorizontal;
        private readonly Layer _skip;
        private readonly Layer? _residualProjection;
        private readonly Linear? _verticalClass, _horizontalClass;

        public GatedLayer(int inChannels, int channels, int kernel, MaskType type, int classes, bool last, int groups, Rng rng)
        {
            _channels = channels;
            _last = last;
            _residual = type == MaskType.B && !last;
            _vertical = RegisterModule("vertical", new StackConv2d(inChannels, 2 * channels, kernel, PixelStack.Vertical, type, rng));
            _horizontal = RegisterModule("horizontal", new StackConv2d(inChannels, 2 * channels, kernel, PixelStack.Horizontal, type, rng, groups));
            _verticalToHorizontal = RegisterModule("vertical_to_horizontal", new Conv2d(2 * channels, 2 * channels, 1, rng));
            _skip = RegisterModule("skip", MaskedResidualBlock.Pointwise(channels, channels, groups, rng));
            if (_residual) _residualProjection = RegisterModule("residual", MaskedResidualBlock.Pointwise(channels, channels, groups, rng));
            if (classes > 0)
            {
                _verticalClass = RegisterModule("vertical_class", new Linear(classes, 2 * channels, rng, bias: false));
                _horizontalClass = RegisterModule("horizontal_class", new Linear(classes, 2 * channels, rng, bias: false));
            }
        }

        /// <summary>v, h [B, C_in, H, W] (+ condition [B, C]) → v, h, skip, each [B, p, H, W] (the last layer: h and v are the inputs).</summary>
        public (Tensor Vertical, Tensor Horizontal, Tensor Skip) Forward(Tensor v, Tensor h, Tensor? condition)
        {
            Tensor verticalPre = WithClass(_vertical.Forward(v), _verticalClass, condition);                                             // [B, 2p, H, W]
            Tensor horizontalPre = WithClass(_horizontal.Forward(h) + _verticalToHorizontal.Forward(verticalPre), _horizontalClass, condition);
            Tensor gated = Gate(horizontalPre);                                                                                          // [B, p, H, W]
            Tensor skip = _skip.Forward(gated);
            if (_last) return (v, h, skip);
            return (Gate(verticalPre), _residual ? h + _residualProjection!.Forward(gated) : gated, skip);
        }

        /// <summary>tanh of the first half of the channels ⊙ σ of the second. [B, 2p, H, W] → [B, p, H, W]</summary>
        private Tensor Gate(Tensor t) => t.Slice(1, 0, _channels).Tanh() * t.Slice(1, _channels, _channels).Sigmoid();

        /// <summary>t plus the class's bias for each gate channel, the same at every pixel. [B, 2p, H, W] + [B, C] → [B, 2p, H, W]</summary>
        private static Tensor WithClass(Tensor t, Linear? classBias, Tensor? condition) =>
            classBias is null || condition is null ? t : t + classBias.Forward(condition).Reshape(t.Dim(0), t.Dim(1), 1, 1);
    }

    /// <summary>The conditional side of a gated PixelCNN built with classes: only such a model is an <see cref="IConditional"/>.</summary>
    private sealed class ConditionalFacet(GatedPixelCnn model) : IConditional
    {
        public int Classes => model.Spec.Classes;

        public Tensor Condition(int[] labels)
        {
            ArgumentNullException.ThrowIfNull(labels);
            return Tensor.OneHot(labels, Classes);
        }

        public Tensor SampleConditional(int[] labels, Rng rng)
        {
            ArgumentNullException.ThrowIfNull(labels);
            ArgumentOutOfRangeException.ThrowIfZero(labels.Length);
            return model.Draw(labels, labels.Length, rng);
        }
    }
}
