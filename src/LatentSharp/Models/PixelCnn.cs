using LatentSharp.Distributions;
using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// PixelCNN (van den Oord et al. 2016) for binarized single-channel images: an autoregressive model with an exact
/// likelihood, p(x) = Π_i Bernoulli(x_i | σ(logit_i(x_&lt;i))), pixels in raster order. Shapes: B rows, D = H·W pixels,
/// h = <see cref="ModelSpec.PixelCnnChannels"/>.
/// <code>
/// x [B, D] → [B, 1, H, W] → MaskedConv 7×7 type A (1 → h)
///   → N × residual block: x + Conv1×1(h/2 → h)(ReLU(MaskedConv 3×3 type B(h/2 → h/2)(ReLU(Conv1×1(h → h/2)(ReLU(x))))))
///   → ReLU → Conv1×1 (h → h) → ReLU → Conv1×1 (h → 1) → logits [B, D]
/// </code>
/// Only the first layer hides pixel i from output i; the type-B and 1×1 layers keep the dependence on positions ≤ i, so the
/// logit of pixel i depends on x_&lt;i alone.
/// <para>
/// Exact NLL in nats per image = Σ_i BCE-with-logits(logit_i, x_i). It fits the latent-variable API as follows:
/// <see cref="AutoregressiveBernoulliModel.Terms"/> are <see cref="TermsKind.Exact"/>: log p(x) with no KL, so the loss is the mean NLL (metric "nll"; β and
/// warm-up have nothing to weigh; free bits, several samples and the IWAE objective are refused) and the ELBO is log p(x)
/// itself; <see cref="AutoregressiveBernoulliModel.LogImportanceWeights"/> returns the exact log p(x) in every one of the K columns, so
/// log (1/K) Σ_k w_k = log p(x) and the importance-sampled NLL evaluator reports the exact NLL, whatever K. It has no
/// latent space (it is not an <see cref="ILatentSpace"/>). <see cref="AutoregressiveBernoulliModel.Sample"/> draws pixel by pixel (D forward passes).
/// </para>
/// </summary>
public sealed class PixelCnn : AutoregressiveBernoulliModel
{
    private const int FirstKernel = 7;

    private readonly MaskedConv2d _input;
    private readonly MaskedResidualBlock[] _blocks;
    private readonly Conv2d _hidden, _output;
    private readonly int _width;

    /// <summary>A freshly initialised PixelCNN of <paramref name="spec"/>; throws <see cref="ArgumentException"/> for colour images, fewer than 2 channels or a negative block count.</summary>
    public PixelCnn(ModelSpec spec, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Channels != 1) throw new ArgumentException($"The pixelcnn models single-channel binarized images; these have {spec.Channels} channels.", nameof(spec));
        int h = spec.PixelCnnChannels;
        if (h < 2) throw new ArgumentException($"The pixelcnn needs at least 2 feature channels, not {h}.", nameof(spec));
        if (spec.PixelCnnBlocks < 0) throw new ArgumentException($"The number of residual blocks must not be negative, not {spec.PixelCnnBlocks}.", nameof(spec));
        Spec = spec;
        _width = spec.Width;
        _input = RegisterModule("input", new MaskedConv2d(1, h, FirstKernel, MaskType.A, rng));
        _blocks = new MaskedResidualBlock[spec.PixelCnnBlocks];
        for (int i = 0; i < _blocks.Length; i++) _blocks[i] = RegisterModule($"block{i + 1}", new MaskedResidualBlock(h, rng));
        _hidden = RegisterModule("hidden", new Conv2d(h, h, 1, rng));
        _output = RegisterModule("output", new Conv2d(h, 1, 1, rng));
    }

    /// <inheritdoc/>
    public override ModelSpec Spec { get; }

    /// <inheritdoc/>
    protected override Tensor FirstRowLogits(Tensor x, int rows, Tensor? condition)
    {
        int b = x.Dim(0);
        Tensor h = _input.Forward(x.Reshape(b, 1, rows, _width));            // [B, h, rows, W]
        foreach (MaskedResidualBlock block in _blocks) h = block.Forward(h);
        h = _hidden.Forward(h.Relu()).Relu();
        return _output.Forward(h).Reshape(b, rows * _width);                 // [B, 1, rows, W] → [B, rows·W]
    }
}
