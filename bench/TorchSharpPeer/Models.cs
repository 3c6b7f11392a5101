using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LatentSharp.Bench.TorchSharpPeer;

/// <summary>A peer model: the loss summed over a batch, and for a VAE its encoder mean and decoder mean.</summary>
internal abstract class PeerModel(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>The posterior mean μ, or null for a model without a latent space. [B, 784] → [B, L]</summary>
    public virtual Tensor? Encode(Tensor x) => null;

    /// <summary>The mean image (Bernoulli probabilities). [B, L] → [B, 784]</summary>
    public virtual Tensor Decode(Tensor z) => throw new NotSupportedException($"{GetName()} has no decoder.");

    /// <summary>The negative ELBO of a batch of images with the posterior h = [μ, log σ²] and the decoder's logits, summed over the batch.</summary>
    protected static Tensor NegativeElbo(Tensor x, Tensor mu, Tensor logVariance, Func<Tensor, Tensor> decoder)
    {
        Tensor z = mu + torch.randn_like(mu) * torch.exp(0.5 * logVariance);   // [B, L]
        Tensor logits = decoder(z);                                              // [B, 784]
        Tensor reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction: nn.Reduction.Sum);
        Tensor kl = -0.5 * torch.sum(1 + logVariance - mu.pow(2) - logVariance.exp());
        return reconstruction + kl;
    }
}

/// <summary>
/// The pytorch/examples VAE, LatentSharp's "vae": 784-400-20 MLP, ReLU, log σ² clamped to [-30, 20] as LatentSharp's
/// Vae.Posterior does (the PyTorch peer leaves it unclamped; the clamp never binds in one epoch).
/// </summary>
internal sealed class MlpVae : PeerModel
{
    private readonly Linear fc1, fc21, fc22, fc3, fc4;

    public MlpVae() : base("mlp-vae")
    {
        fc1 = nn.Linear(784, 400);
        fc21 = nn.Linear(400, 20);
        fc22 = nn.Linear(400, 20);
        fc3 = nn.Linear(20, 400);
        fc4 = nn.Linear(400, 784);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        Tensor h = F.relu(fc1.forward(x));   // [B, 400]
        return NegativeElbo(x, fc21.forward(h), fc22.forward(h).clamp(-30.0, 20.0), Logits);
    }

    public override Tensor Encode(Tensor x) => fc21.forward(F.relu(fc1.forward(x)));

    public override Tensor Decode(Tensor z) => torch.sigmoid(Logits(z));

    private Tensor Logits(Tensor z) => fc4.forward(F.relu(fc3.forward(z)));
}

/// <summary>
/// LatentSharp's "conv-vae" with channels [32, 64] on 1×28×28, layer for layer (bench/peers/pytorch_vae.py's ConvVAE):
/// encoder Conv(1→32, k4 s2 p1) → ReLU → Conv(32→64, k4 s2 p1) → ReLU → Flatten → Linear(3136 → 40);
/// decoder Linear(20 → 3136) → ReLU → ConvT(64→32, k4 s2 p1) → ReLU → ConvT(32→1, k4 s2 p1) → Flatten.
/// </summary>
internal sealed class ConvVae : PeerModel
{
    private const int Latent = 20;
    private readonly Sequential encoder, decoder;

    public ConvVae() : base("conv-vae")
    {
        encoder = nn.Sequential(
            nn.Unflatten(1, [1, 28, 28]),
            nn.Conv2d(1, 32, 4, stride: 2, padding: 1), nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride: 2, padding: 1), nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 2 * Latent));
        decoder = nn.Sequential(
            nn.Linear(Latent, 64 * 7 * 7), nn.ReLU(),
            nn.Unflatten(1, [64, 7, 7]),
            nn.ConvTranspose2d(64, 32, 4, stride: 2, padding: 1), nn.ReLU(),
            nn.ConvTranspose2d(32, 1, 4, stride: 2, padding: 1),
            nn.Flatten());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        Tensor h = encoder.forward(x);   // [B, 2L]
        return NegativeElbo(x, h[.., ..Latent], h[.., Latent..].clamp(-30.0, 20.0), decoder.forward);
    }

    public override Tensor Encode(Tensor x) => encoder.forward(x)[.., ..Latent];

    public override Tensor Decode(Tensor z) => torch.sigmoid(decoder.forward(z));
}

/// <summary>A k×k convolution (padding k/2) whose kernel sees only the pixels before the centre in raster order, and the centre itself for type B.</summary>
internal sealed class MaskedConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly Tensor mask;
    private readonly long padding;

    public MaskedConv2d(long inChannels, long outChannels, int k, char type) : base($"masked-conv-{type}")
    {
        conv = nn.Conv2d(inChannels, outChannels, k, padding: k / 2);
        padding = k / 2;
        mask = torch.ones_like(conv.weight!).detach();   // [out, in, k, k]
        int c = k / 2;
        mask[.., .., c, (c + (type == 'B' ? 1 : 0))..] = 0;
        mask[.., .., (c + 1).., ..] = 0;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        F.conv2d(x, conv.weight! * mask, conv.bias, padding: [padding, padding]);
}

/// <summary>x + Conv1×1(h/2 → h)(ReLU(MaskedConv 3×3 B(h/2 → h/2)(ReLU(Conv1×1(h → h/2)(ReLU(x)))))).</summary>
internal sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d reduce, expand;
    private readonly MaskedConv2d masked;

    public ResidualBlock(long h) : base("residual-block")
    {
        reduce = nn.Conv2d(h, h / 2, 1);
        masked = new MaskedConv2d(h / 2, h / 2, 3, 'B');
        expand = nn.Conv2d(h / 2, h, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        x + expand.forward(F.relu(masked.forward(F.relu(reduce.forward(F.relu(x))))));
}

/// <summary>
/// LatentSharp's "pixelcnn" with 64 channels and 5 residual blocks: MaskedConv 7×7 A (1 → h) → blocks → ReLU →
/// Conv1×1 (h → h) → ReLU → Conv1×1 (h → 1); the loss is the exact NLL (Bernoulli logits) summed over the batch.
/// </summary>
internal sealed class PixelCnn : PeerModel
{
    private readonly MaskedConv2d input;
    private readonly Sequential blocks;
    private readonly Conv2d hidden, output;

    public PixelCnn(long h = 64, int blockCount = 5) : base("pixelcnn")
    {
        input = new MaskedConv2d(1, h, 7, 'A');
        blocks = nn.Sequential(Enumerable.Range(0, blockCount).Select(_ => (nn.Module<Tensor, Tensor>)new ResidualBlock(h)).ToArray());
        hidden = nn.Conv2d(h, h, 1);
        output = nn.Conv2d(h, 1, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        Tensor h = blocks.forward(input.forward(x.view(-1, 1, 28, 28)));                          // [B, h, 28, 28]
        Tensor logits = output.forward(F.relu(hidden.forward(F.relu(h)))).view(-1, 784);          // [B, 784]
        return F.binary_cross_entropy_with_logits(logits, x, reduction: nn.Reduction.Sum);
    }
}
