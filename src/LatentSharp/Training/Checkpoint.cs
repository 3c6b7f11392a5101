using System.Globalization;
using System.Text.Json;
using LatentSharp.Data;
using LatentSharp.Models;
using LatentSharp.Optim;
using LatentSharp.Tensors;

namespace LatentSharp.Training;

/// <summary>
/// One file per model: the weights in safetensors layout, the <see cref="ModelSpec"/> and (for resumable runs)
/// the training state in its metadata, and the optimizer's buffers as extra tensors named "optimizer/…".
/// <c>latent sample --model run/model.safetensors</c> needs nothing else; Python tools can read the weights.
/// </summary>
public sealed class Checkpoint
{
    public const string Format = "latentsharp";
    public const string FormatVersion = "1";
    private const string OptimizerPrefix = "optimizer/";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private Checkpoint(LatentModel model, TrainingState? training, OptimizerState? optimizer)
    {
        Model = model;
        Training = training;
        Optimizer = optimizer;
    }

    public LatentModel Model { get; }

    /// <summary>Present in checkpoints written by the trainer.</summary>
    public TrainingState? Training { get; }

    public OptimizerState? Optimizer { get; }

    /// <summary>The data set the model was trained on (name or folder); the shipped sample when the file does not say.</summary>
    public string TrainingData => Training?.Options.Data ?? DatasetResolver.Sample;

    public static void Save(string path, LatentModel model, TrainingState? training = null, Optimizer? optimizer = null)
    {
        var tensors = model.NamedParameters()
            .Select(np => new SafeTensorsFile.Entry(np.Name, np.Parameter.Shape.ToArray(), np.Parameter.Data))
            .ToList();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["format_version"] = FormatVersion,
            ["model"] = model.Spec.ToJson(),
        };
        if (training is not null) metadata["training"] = JsonSerializer.Serialize(training, Json);
        if (optimizer is not null)
        {
            OptimizerState state = optimizer.GetState();
            metadata["optimizer"] = JsonSerializer.Serialize(new { state.Optimizer, state.LearningRate, state.StepCount, state.ParameterSteps }, Json);
            foreach (var (key, buffer) in state.Buffers) tensors.Add(new SafeTensorsFile.Entry(OptimizerPrefix + key, [buffer.Length], buffer));
        }
        SafeTensorsFile.Write(path, tensors, metadata);
    }

    /// <summary>Rebuilds the model the file describes and loads its weights.</summary>
    public static Checkpoint Load(string path)
    {
        SafeTensorsFile.Contents contents = SafeTensorsFile.Read(path);
        string name = Path.GetFileName(path);
        if (contents.Metadata.GetValueOrDefault("format") != Format || !contents.Metadata.TryGetValue("model", out string? specJson))
            throw new InvalidCheckpointException($"{name}: a safetensors file, but not a LatentSharp checkpoint (its metadata has no model specification).");
        string version = contents.Metadata.GetValueOrDefault("format_version", "?");
        if (version != FormatVersion)
            throw new InvalidCheckpointException($"{name}: checkpoint format version {version}; this LatentSharp reads version {FormatVersion}.");

        ModelSpec spec;
        try
        {
            spec = ModelSpec.FromJson(specJson);
        }
        catch (JsonException e)
        {
            throw new InvalidCheckpointException($"{name}: the model specification is unreadable ({e.Message}).");
        }
        LatentModel model = ModelCatalog.Build(spec, new Rng(0));
        LoadWeights(model, contents, name);

        TrainingState? training = contents.Metadata.TryGetValue("training", out string? t) ? JsonSerializer.Deserialize<TrainingState>(t, Json) : null;
        OptimizerState? optimizer = null;
        if (contents.Metadata.TryGetValue("optimizer", out string? o))
        {
            var head = JsonSerializer.Deserialize<OptimizerHead>(o, Json) ?? throw new InvalidCheckpointException($"{name}: the optimizer state is empty.");
            var buffers = contents.Tensors
                .Where(e => e.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
                .ToDictionary(e => e.Name[OptimizerPrefix.Length..], e => e.Data);
            optimizer = new OptimizerState(head.Optimizer, head.LearningRate, head.StepCount, buffers, head.ParameterSteps);
        }
        return new Checkpoint(model, training, optimizer);
    }

    /// <summary>
    /// Copies the file's weights into <paramref name="model"/>, which must have exactly the same parameter names
    /// and shapes; a mismatch names the tensor.
    /// </summary>
    public static void LoadWeights(LatentModel model, SafeTensorsFile.Contents contents, string fileName)
    {
        var stored = contents.Tensors
            .Where(e => !e.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            .ToDictionary(e => e.Name, StringComparer.Ordinal);
        foreach (var (name, parameter) in model.NamedParameters())
        {
            if (!stored.Remove(name, out var entry))
                throw new InvalidCheckpointException($"{fileName}: the checkpoint has no tensor '{name}' that the model {model.Spec} needs; it was made for another architecture.");
            if (!entry.Shape.AsSpan().SequenceEqual(parameter.Shape))
                throw new InvalidCheckpointException(
                    $"{fileName}: tensor '{name}' has shape {Tensor.ShapeText(entry.Shape)} in the checkpoint but {Tensor.ShapeText(parameter.Shape)} in the model; it was made for another architecture.");
            entry.Data.AsSpan().CopyTo(parameter.Data);
        }
        if (stored.Count > 0)
            throw new InvalidCheckpointException($"{fileName}: the checkpoint has tensors the model does not: {string.Join(", ", stored.Keys.Take(5))}; it was made for another architecture.");
    }

    private sealed record OptimizerHead(string Optimizer, float LearningRate, long StepCount, long[] ParameterSteps);

    internal static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
