using LatentSharp.Distributions;
using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// PixelCNN (van den Oord et al. 2016): an autoregressive model with an exact likelihood, p(x) = Π_i p(x_i | x_&lt;i), pixels
/// in raster order, the pixel's distribution given by the <see cref="AutoregressiveImageModel.Head"/> (Bernoulli on
/// binarized single-channel images; 256-way softmax per sub-pixel or PixelCNN++'s logistic mixture on 8-bit images).
/// Shapes: B rows, D = C·H·W, h = <see cref="ModelSpec.PixelCnnChannels"/>, P outputs per pixel, G channel groups.
/// <code>
/// x [B, D] → [B, C, H, W] → MaskedConv 7×7 type A (C → h)
///   → N × residual block: x + Conv1×1(h/2 → h)(ReLU(MaskedConv 3×3 type B(h/2 → h/2)(ReLU(Conv1×1(h → h/2)(ReLU(x))))))
///   → ReLU → Conv1×1 (h → h) → ReLU → Conv1×1 (h → P) → outputs [B, P·H·W]
/// </code>
/// Only the first layer hides pixel i from output i; the type-B and 1×1 layers keep the dependence on positions ≤ i, so the
/// outputs of pixel i depend on x_&lt;i alone. With the categorical head on C &gt; 1 channels (G = C) every layer is masked
/// by channel group as well (the 1×1s as type B): output group c sees sub-pixels &lt; c of its own pixel.
/// <para>
/// Exact NLL in nats per image = Σ_i BCE-with-logits(logit_i, x_i). It fits the latent-variable API as follows:
/// <see cref="AutoregressiveImageModel.Terms"/> are <see cref="TermsKind.Exact"/>: log p(x) with no KL, so the loss is the mean NLL (metric "nll"; β and
/// warm-up have nothing to weigh; free bits, several samples and the IWAE objective are refused) and the ELBO is log p(x)
/// itself; <see cref="AutoregressiveImageModel.LogImportanceWeights"/> returns the exact log p(x) in every one of the K columns, so
/// log (1/K) Σ_k w_k = log p(x) and the importance-sampled NLL evaluator reports the exact NLL, whatever K. It has no
/// latent space (it is not an <see cref="ILatentSpace"/>). <see cref="AutoregressiveImageModel.Sample"/> draws pixel by pixel (D forward passes).
/// </para>
/// </summary>
public sealed class PixelCnn : AutoregressiveImageModel
{
    private const int FirstKernel = 7;

    private readonly MaskedConv2d _input;
    private readonly MaskedResidualBlock[] _blocks;
    private readonly Layer _hidden, _output;

    /// <summary>A freshly initialised PixelCNN of <paramref name="spec"/>; throws <see cref="ArgumentException"/> for a likelihood it has no head for (Bernoulli on colour images), fewer than 2 channels or a negative block count.</summary>
    public PixelCnn(ModelSpec spec, Rng rng) : base(HeadOf(spec))
    {
        int h = spec.PixelCnnChannels, groups = Head.ChannelGroups;
        if (h < 2) throw new ArgumentException($"The pixelcnn needs at least 2 feature channels, not {h}.", nameof(spec));
        if (spec.PixelCnnBlocks < 0) throw new ArgumentException($"The number of residual blocks must not be negative, not {spec.PixelCnnBlocks}.", nameof(spec));
        Spec = spec;
        _input = RegisterModule("input", new MaskedConv2d(spec.Channels, h, FirstKernel, MaskType.A, rng, groups));
        _blocks = new MaskedResidualBlock[spec.PixelCnnBlocks];
        for (int i = 0; i < _blocks.Length; i++) _blocks[i] = RegisterModule($"block{i + 1}", new MaskedResidualBlock(h, rng, groups));
        _hidden = RegisterModule("hidden", MaskedResidualBlock.Pointwise(h, h, groups, rng));
        _output = RegisterModule("output", MaskedResidualBlock.Pointwise(h, Head.OutputsPerPixel, groups, rng));
    }

    /// <inheritdoc/>
    public override ModelSpec Spec { get; }

    /// <inheritdoc/>
    protected override Tensor FirstRowOutputs(Tensor x, int rows, Tensor? condition)
    {
        Tensor h = _input.Forward(x);                                        // [B, h, rows, W]
        foreach (MaskedResidualBlock block in _blocks) h = block.Forward(h);
        h = _hidden.Forward(h.Relu()).Relu();
        return _output.Forward(h);                                           // [B, P, rows, W]
    }
}
