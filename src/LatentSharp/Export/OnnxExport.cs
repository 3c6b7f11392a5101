using System.Reflection;
using LatentSharp.Models;
using LatentSharp.Nn;
using LatentSharp.Tensors;

namespace LatentSharp.Export;

/// <summary>
/// Writes a model's encoder and decoder as ONNX models (opset <see cref="OnnxGraph.Opset"/>), so that ONNX Runtime or any
/// other ONNX engine computes what <see cref="ILatentSpace.Encode"/> and <see cref="ILatentSpace.Decode"/> compute. Images
/// are flat rows as in LatentSharp, x [N, D] with D = C·H·W in row-major [C, H, W] order; the batch size N is free.
/// <list type="bullet">
/// <item>encoder: input "x" [N, D] → "mu" and "log_variance" [N, L] for a VAE (log σ² clamped as the model clamps it),
/// "code" [N, L] for an autoencoder;</item>
/// <item>decoder: input "z" [N, L] → "x_mean" [N, D], the likelihood's mean (sigmoid of the logits for Bernoulli pixels, the
/// output itself for Gaussian ones);</item>
/// <item>a conditional model takes a second input "label" [N] (int64 class indices), one-hot encoded inside the graph.</item>
/// </list>
/// The weights are initializers named as in the checkpoint ("encoder.0.weight"). Models without one encoder and one
/// decoder network, or whose likelihood is autoregressive, are refused with <see cref="UnsupportedByModelException"/>.
/// </summary>
public static class OnnxExport
{
    /// <summary>The graph input names: images "x" [N, D] (encoder), class indices "label" [N] (conditional models), codes "z" [N, L] (decoder).</summary>
    public const string XInput = "x", LabelInput = "label", CodeInput = "z";
    /// <summary>The graph output names: "mu" and "log_variance" [N, L] (VAE encoder), "code" [N, L] (autoencoder encoder), "x_mean" [N, D] (decoder).</summary>
    public const string MeanOutput = "mu", LogVarianceOutput = "log_variance", CodeOutput = "code", ImageOutput = "x_mean";

    /// <summary>The ONNX model of the encoder; <paramref name="requestedBy"/> names the caller in a refusal ("latent export").</summary>
    public static byte[] Encoder(LatentModel model, string requestedBy = "the ONNX export")
    {
        IEncoderDecoder networks = Require(model, requestedBy);
        ModelSpec spec = model.Spec;
        int l = networks.LatentSize;
        var graph = new OnnxGraph("encoder");
        string input = WithLabel(graph, model, graph.Input(XInput, OnnxGraph.FloatType, spec.Dimensions));
        string h = Layer(graph, networks.EncoderNetwork, input, "encoder", model, requestedBy);
        if (networks.LogVarianceRange is var (min, max))
        {
            // [N, 2L]: μ in the first L columns, log σ² in the last L.
            string axes = graph.Int64s("feature_axis", [1]);
            string mean = graph.Node("Slice", [h, graph.Int64s("mu_start", [0]), graph.Int64s("mu_end", [l]), axes]);
            string logVariance = graph.Node("Slice", [h, graph.Int64s("log_variance_start", [l]), graph.Int64s("log_variance_end", [2 * l]), axes]);
            logVariance = graph.Node("Clip", [logVariance, graph.Scalar("log_variance_min", min), graph.Scalar("log_variance_max", max)]);
            graph.Output(mean, MeanOutput, l);
            graph.Output(logVariance, LogVarianceOutput, l);
        }
        else
        {
            graph.Output(h, CodeOutput, l);
        }
        return graph.ToModel(ProducerVersion, $"The encoder of the {spec.Kind} {spec.Channels}x{spec.Height}x{spec.Width} → {l}.");
    }

    /// <summary>The ONNX model of the decoder and the likelihood's mean; <paramref name="requestedBy"/> names the caller in a refusal.</summary>
    public static byte[] Decoder(LatentModel model, string requestedBy = "the ONNX export")
    {
        IEncoderDecoder networks = Require(model, requestedBy);
        ModelSpec spec = model.Spec;
        var graph = new OnnxGraph("decoder");
        string input = WithLabel(graph, model, graph.Input(CodeInput, OnnxGraph.FloatType, networks.LatentSize));
        string output = Layer(graph, networks.DecoderNetwork, input, "decoder", model, requestedBy);
        output = Layer(graph, ActivationFactory.Create(networks.MeanActivation), output, "mean", model, requestedBy);
        graph.Output(output, ImageOutput, spec.Dimensions);
        return graph.ToModel(ProducerVersion, $"The decoder of the {spec.Kind} {networks.LatentSize} → {spec.Channels}x{spec.Height}x{spec.Width}, giving the mean image.");
    }

    /// <summary>
    /// Writes <see cref="Encoder"/> and <see cref="Decoder"/> to the two paths, each whole or not at all; nothing is written
    /// when the model is refused.
    /// </summary>
    public static void Write(LatentModel model, string encoderPath, string decoderPath, string requestedBy = "the ONNX export")
    {
        byte[] encoder = Encoder(model, requestedBy);
        byte[] decoder = Decoder(model, requestedBy);
        AtomicFile.WriteAllBytes(encoderPath, encoder);
        AtomicFile.WriteAllBytes(decoderPath, decoder);
    }

    private static string ProducerVersion =>
        typeof(OnnxExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private static IEncoderDecoder Require(LatentModel model, string requestedBy)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Require<IEncoderDecoder>(requestedBy);
    }

    /// <summary>[input, one-hot(label)] for a conditional model (the "label" input added), the input alone otherwise. [N, F] → [N, F + C]</summary>
    private static string WithLabel(OnnxGraph graph, LatentModel model, string input)
    {
        if (model.As<IConditional>() is not { } conditional) return input;
        string label = graph.Input(LabelInput, OnnxGraph.Int64Type);
        string oneHot = graph.Node("OneHot", [label, graph.Int64s("classes", [conditional.Classes], scalar: true), graph.Floats("one_hot_values", [2], [0f, 1f])],
            [OnnxAttribute.Int("axis", -1)]);
        return graph.Node("Concat", [input, oneHot], [OnnxAttribute.Int("axis", 1)]);
    }

    /// <summary>The nodes of <paramref name="layer"/> on <paramref name="input"/>, its weights named from <paramref name="path"/>; returns the output.</summary>
    private static string Layer(OnnxGraph graph, Layer layer, string input, string path, LatentModel model, string requestedBy)
    {
        switch (layer)
        {
            case Sequential sequential:
                for (int i = 0; i < sequential.Count; i++) input = Layer(graph, sequential[i], input, $"{path}.{i}", model, requestedBy);
                return input;
            case Linear linear:
                return Gemm(graph, linear, input, path);
            case GatedLinear gated:
                // (W_h·x + b_h) ⊙ σ(W_g·x + b_g)
                string gate = graph.Node("Sigmoid", [Gemm(graph, gated.Gate, input, $"{path}.g")]);
                return graph.Node("Mul", [Gemm(graph, gated.Linear, input, $"{path}.h"), gate]);
            case Conv2d conv:
                return graph.Node("Conv", WithBias(graph, [input, graph.Floats($"{path}.weight", conv.Weight.Shape, Values(conv.Weight))], conv.Bias, path),
                [
                    OnnxAttribute.Ints("kernel_shape", conv.KernelSize, conv.KernelSize),
                    OnnxAttribute.Ints("strides", conv.Stride, conv.Stride),
                    OnnxAttribute.Ints("pads", conv.Padding, conv.Padding, conv.Padding, conv.Padding),
                ]);
            case ConvTranspose2d deconv:
                // The weight is [C, O, k, k] in both LatentSharp and ONNX.
                return graph.Node("ConvTranspose", WithBias(graph, [input, graph.Floats($"{path}.weight", deconv.Weight.Shape, Values(deconv.Weight))], deconv.Bias, path),
                [
                    OnnxAttribute.Ints("kernel_shape", deconv.KernelSize, deconv.KernelSize),
                    OnnxAttribute.Ints("strides", deconv.Stride, deconv.Stride),
                    OnnxAttribute.Ints("pads", deconv.Padding, deconv.Padding, deconv.Padding, deconv.Padding),
                    OnnxAttribute.Ints("output_padding", deconv.OutputPadding, deconv.OutputPadding),
                ]);
            case Flatten:
                return graph.Node("Flatten", [input], [OnnxAttribute.Int("axis", 1)]);   // [N, C, H, W] → [N, C·H·W]
            case Unflatten unflatten:
                // [N, C·H·W] → [N, C, H, W]; 0 copies the batch dimension.
                return graph.Node("Reshape", [input, graph.Int64s($"{path}.shape", [0, unflatten.Channels, unflatten.Height, unflatten.Width])]);
            case Relu:
                return graph.Node("Relu", [input]);
            case LeakyRelu leaky:
                return graph.Node("LeakyRelu", [input], [OnnxAttribute.Float("alpha", leaky.Slope)]);
            case Elu elu:
                return graph.Node("Elu", [input], [OnnxAttribute.Float("alpha", elu.Alpha)]);
            case Tanh:
                return graph.Node("Tanh", [input]);
            case Sigmoid:
                return graph.Node("Sigmoid", [input]);
            case Softplus:
                return graph.Node("Softplus", [input]);
            case Identity:
                return input;
            default:
                throw new UnsupportedByModelException(
                    $"{requestedBy} needs layers it can write (linear, gated, convolutional, activations); the {model.Spec.Kind}'s layer {path} is a {layer.GetType().Name}.");
        }
    }

    /// <summary>x·Wᵀ + b. [N, in] → [N, out]</summary>
    private static string Gemm(OnnxGraph graph, Linear linear, string input, string path) =>
        graph.Node("Gemm", WithBias(graph, [input, graph.Floats($"{path}.weight", linear.Weight.Shape, Values(linear.Weight))], linear.Bias, path),
            [OnnxAttribute.Int("transB", 1)]);

    private static string[] WithBias(OnnxGraph graph, string[] inputs, Tensor? bias, string path) =>
        bias is null ? inputs : [.. inputs, graph.Floats($"{path}.bias", bias.Shape, Values(bias))];

    private static ReadOnlySpan<float> Values(Tensor t) => t.Data.AsSpan(0, t.Length);
}
