using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Models;

/// <summary>
/// The convolutional bodies of the "conv-vae" kind, for the <see cref="Vae"/> class (which takes flat rows):
/// <code>
/// encoder  [B, D] → [B, C, H, W] → Conv(k4 s2 p1) → act → … → flatten → Linear → [B, 2L]
/// decoder  [B, L] → Linear → act → [B, c_n, H/2ⁿ, W/2ⁿ] → ConvT(k4 s2 p1) → act → … → ConvT → [B, C, H, W] → [B, D]
/// </code>
/// With the default channels [32, 64] on 28×28: 1→32 (14×14) → 64 (7×7) → 3136 → 2L, and back. Each kernel-4,
/// stride-2, padding-1 convolution halves height and width exactly, so both must be divisible by 2^levels.
/// </summary>
public static class ConvVae
{
    private const int Kernel = 4, Stride = 2, Padding = 1;

    /// <summary>x [B, D] → [B, outputs] (2L for the VAE's μ and log σ²).</summary>
    public static Sequential Encoder(ModelSpec spec, int outputs, Rng rng)
    {
        var (height, width) = InnermostSize(spec);
        var layers = new List<Layer> { new Unflatten(spec.Channels, spec.Height, spec.Width) };
        AddConvolutions(layers, spec, 0, spec.ConvChannels.Length, rng);
        layers.Add(new Flatten());
        layers.Add(new Linear(spec.ConvChannels[^1] * height * width, outputs, rng));
        return new Sequential([.. layers]);
    }

    /// <summary>
    /// z [B, inputs] → decoder output [B, outputs·H·W]: the likelihood's parameters per pixel, by default one per image channel
    /// (logits or means); the "pixelcnn" likelihood takes its h feature maps.
    /// </summary>
    public static Sequential Decoder(ModelSpec spec, int inputs, Rng rng, int? outputs = null)
    {
        List<Layer> layers = DecoderToFirstMapsLayers(spec, inputs, rng);
        layers.Add(new ConvTranspose2d(spec.ConvChannels[0], outputs ?? spec.Channels, Kernel, rng, Stride, Padding));   // no activation: the likelihood's output
        layers.Add(new Flatten());
        return new Sequential([.. layers]);
    }

    // The parts of a conv-hvae whose z_1 is feature maps at the first convolution's resolution (ModelSpec.LatentMaps):
    // the encoder and the decoder above cut after their first and before their last convolution.

    /// <summary>x [B, D] → the first convolution's activated maps, flat: [B, c_1·(H/2)·(W/2)].</summary>
    public static Sequential FirstConvolution(ModelSpec spec, Rng rng)
    {
        var layers = new List<Layer> { new Unflatten(spec.Channels, spec.Height, spec.Width) };
        AddConvolutions(layers, spec, 0, 1, rng);
        layers.Add(new Flatten());
        return new Sequential([.. layers]);
    }

    /// <summary>The first convolution's maps [B, c_1·(H/2)·(W/2)] → the remaining convolutions → flatten → Linear → [B, outputs].</summary>
    public static Sequential EncoderAfterFirstConvolution(ModelSpec spec, int outputs, Rng rng)
    {
        var (height, width) = InnermostSize(spec);
        var layers = new List<Layer> { new Unflatten(spec.ConvChannels[0], spec.Height / 2, spec.Width / 2) };
        AddConvolutions(layers, spec, 1, spec.ConvChannels.Length, rng);
        layers.Add(new Flatten());
        layers.Add(new Linear(spec.ConvChannels[^1] * height * width, outputs, rng));
        return new Sequential([.. layers]);
    }

    /// <summary>[B, inputs] → <see cref="Decoder"/> without its last transposed convolution → [B, c_1·(H/2)·(W/2)].</summary>
    public static Sequential DecoderToFirstMaps(ModelSpec spec, int inputs, Rng rng)
    {
        List<Layer> layers = DecoderToFirstMapsLayers(spec, inputs, rng);
        layers.Add(new Flatten());
        return new Sequential([.. layers]);
    }

    /// <summary>Maps [B, c·(H/2)·(W/2)] → the last transposed convolution → [B, outputs·H·W] (no activation: the likelihood's parameters).</summary>
    public static Sequential LastTransposedConvolution(ModelSpec spec, int channels, int outputs, Rng rng) => new(
        new Unflatten(channels, spec.Height / 2, spec.Width / 2),
        new ConvTranspose2d(channels, outputs, Kernel, rng, Stride, Padding),
        new Flatten());

    /// <summary>
    /// Adds the stride-2 convolutions <paramref name="first"/> … <paramref name="end"/> − 1 of <see cref="ModelSpec.ConvChannels"/>
    /// (the first takes the image's channels), each followed by the activation.
    /// </summary>
    private static void AddConvolutions(List<Layer> layers, ModelSpec spec, int first, int end, Rng rng)
    {
        Activation activation = ActivationFactory.Parse(spec.Activation);
        int[] widths = spec.ConvChannels;
        for (int i = first; i < end; i++)
        {
            layers.Add(new Conv2d(i == 0 ? spec.Channels : widths[i - 1], widths[i], Kernel, rng, Stride, Padding));
            layers.Add(ActivationFactory.Create(activation));
        }
    }

    /// <summary>
    /// z [B, inputs] → Linear → act → [c_n, H/2ⁿ, W/2ⁿ] → the transposed convolutions back to c_1 maps of (H/2)×(W/2), each
    /// followed by the activation: the decoder's layers up to its last transposed convolution.
    /// </summary>
    private static List<Layer> DecoderToFirstMapsLayers(ModelSpec spec, int inputs, Rng rng)
    {
        var (height, width) = InnermostSize(spec);
        Activation activation = ActivationFactory.Parse(spec.Activation);
        int[] widths = spec.ConvChannels;
        var layers = new List<Layer>
        {
            new Linear(inputs, widths[^1] * height * width, rng),
            ActivationFactory.Create(activation),
            new Unflatten(widths[^1], height, width),
        };
        for (int i = widths.Length - 2; i >= 0; i--)
        {
            layers.Add(new ConvTranspose2d(widths[i + 1], widths[i], Kernel, rng, Stride, Padding));
            layers.Add(ActivationFactory.Create(activation));
        }
        return layers;
    }

    /// <summary>Height and width after the encoder's stride-2 convolutions.</summary>
    private static (int Height, int Width) InnermostSize(ModelSpec spec)
    {
        int[] widths = spec.ConvChannels ?? [];
        if (widths.Length == 0 || widths.Any(c => c < 1))
            throw new ArgumentException($"A conv-vae needs at least one positive convolution width; got [{string.Join(", ", widths)}].");
        int scale = 1 << widths.Length;
        if (spec.Height % scale != 0 || spec.Width % scale != 0)
            throw new ArgumentException($"A conv-vae with {widths.Length} stride-2 convolutions needs height and width divisible by {scale}; the images are {spec.Height}x{spec.Width}. Use fewer convolution channels.");
        return (spec.Height / scale, spec.Width / scale);
    }
}
