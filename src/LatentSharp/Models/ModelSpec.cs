using System.Text.Json;
using System.Text.Json.Serialization;

namespace LatentSharp.Models;

/// <summary>
/// Everything needed to rebuild a model's architecture: stored in every checkpoint, so any command can load
/// any model from its file alone. Training settings (optimizer, beta, warm-up) are not part of it.
/// </summary>
public sealed record ModelSpec
{
    /// <summary>The catalog name: "vae" or "ae".</summary>
    public string Kind { get; init; } = "vae";

    /// <summary>Image geometry: channels × height × width.</summary>
    public int Channels { get; init; } = 1;
    public int Height { get; init; } = 28;
    public int Width { get; init; } = 28;

    public int LatentSize { get; init; } = 20;

    /// <summary>Hidden layer widths of the encoder; the decoder mirrors them.</summary>
    public int[] Hidden { get; init; } = [400];

    /// <summary>"relu", "leaky-relu", "elu", "tanh" or "softplus".</summary>
    public string Activation { get; init; } = "relu";

    /// <summary>VAE: "bernoulli", "gaussian" (fixed variance) or "gaussian-learned"; autoencoder: "bce" or "mse".</summary>
    public string Likelihood { get; init; } = "bernoulli";

    /// <summary>Gaussian decoders: the fixed variance, or the starting variance when learned.</summary>
    public float Variance { get; init; } = 0.1f;

    [JsonIgnore]
    public int Dimensions => Channels * Height * Width;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ModelSpec FromJson(string json) =>
        JsonSerializer.Deserialize<ModelSpec>(json, Json) ?? throw new JsonException("The model specification is empty.");

    public override string ToString() =>
        $"{Kind} {Channels}x{Height}x{Width} → [{string.Join(", ", Hidden)}] → {LatentSize} ({Activation}, {Likelihood})";
}
