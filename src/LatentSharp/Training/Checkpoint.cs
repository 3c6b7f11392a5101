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
/// Loading reads the model's part only; the training state and the optimizer state are read and checked on first use,
/// so that a command that never needs them does not depend on them.
/// </summary>
public sealed class Checkpoint
{
    /// <summary>The "format" metadata value that marks a LatentSharp checkpoint.</summary>
    public const string Format = "latentsharp";
    /// <summary>The version of the checkpoint layout this library writes.</summary>
    public const string FormatVersion = "1";
    private const string OptimizerPrefix = "optimizer/";
    private const string TrainingKey = "training", OptimizerKey = "optimizer", ModelKey = "model";

    private readonly Lazy<TrainingState?> _training;
    private readonly Lazy<OptimizerState?> _optimizer;

    private Checkpoint(string fileName, LatentModel model, SafeTensorsFile.Contents contents)
    {
        FileName = fileName;
        Model = model;
        _training = new Lazy<TrainingState?>(() => ReadTraining(contents));
        _optimizer = new Lazy<OptimizerState?>(() => ReadOptimizer(contents));
    }

    /// <summary>The file's name, as messages about it say.</summary>
    public string FileName { get; }

    /// <summary>The model, its weights loaded.</summary>
    public LatentModel Model { get; }

    /// <summary>
    /// Present in checkpoints written by the trainer. Read and checked on first access: a damaged or inconsistent training
    /// state throws <see cref="InvalidCheckpointException"/> naming the field.
    /// </summary>
    public TrainingState? Training => _training.Value;

    /// <summary>
    /// Present in the trainer's latest checkpoint (not in <see cref="Trainer.BestCheckpoint"/>). Read on first access and
    /// checked against the model's parameters: every counter present, every buffer of the right length and finite.
    /// </summary>
    public OptimizerState? Optimizer => _optimizer.Value;

    /// <summary>The data set the model was trained on (name or folder); the shipped sample when the file does not say.</summary>
    public string TrainingData => Training?.Options.Data ?? DatasetResolver.Sample;

    /// <summary>Writes <paramref name="model"/>'s weights and spec, and the training and optimizer state when given, to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, LatentModel model, TrainingState? training = null, Optimizer? optimizer = null)
    {
        var tensors = model.NamedParameters()
            .Select(np => new SafeTensorsFile.Entry(np.Name, np.Parameter.Shape.ToArray(), np.Parameter.Data))
            .ToList();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["format_version"] = FormatVersion,
            [ModelKey] = model.Spec.ToJson(),
        };
        if (training is not null) metadata[TrainingKey] = JsonSerializer.Serialize(training, MetadataJson.Options);
        if (optimizer is not null)
        {
            OptimizerState state = optimizer.GetState();
            metadata[OptimizerKey] = JsonSerializer.Serialize(new OptimizerHead(state.Optimizer, state.LearningRate, state.StepCount, [.. state.ParameterSteps]), MetadataJson.Options);
            foreach (var (key, buffer) in state.Buffers) tensors.Add(new SafeTensorsFile.Entry(OptimizerPrefix + key, [buffer.Length], buffer));
        }
        SafeTensorsFile.Write(path, tensors, metadata);
    }

    /// <summary>
    /// Rebuilds the model the file describes and loads its weights, refusing weights that are not finite (a run that
    /// diverged, or a damaged file) with the name of the first such tensor.
    /// </summary>
    public static Checkpoint Load(string path)
    {
        SafeTensorsFile.Contents contents = SafeTensorsFile.Read(path);
        string name = Path.GetFileName(path);
        if (contents.Metadata.GetValueOrDefault("format") != Format || !contents.Metadata.TryGetValue(ModelKey, out string? specJson))
            throw new InvalidCheckpointException($"{name}: a safetensors file, but not a LatentSharp checkpoint (its metadata has no model specification).");
        string version = contents.Metadata.GetValueOrDefault("format_version", "?");
        if (version != FormatVersion)
            throw new InvalidCheckpointException($"{name}: checkpoint format version {version}; this LatentSharp reads version {FormatVersion}.");

        ModelSpec spec = MetadataJson.Read<ModelSpec>(specJson, ModelKey, name);
        LatentModel model;
        try
        {
            model = ModelCatalog.Build(spec, new Rng(0));
        }
        catch (Exception e) when (e is ArgumentException or OverflowException or LatentSharpException)
        {
            // The catalog's own refusals say what is wrong; a size that a layer's constructor refuses has only .NET's words.
            string why = e is LatentSharpException || e.GetType() == typeof(ArgumentException) ? e.Message.TrimEnd('.') : "a size in it is out of range";
            throw new InvalidCheckpointException($"{name}: the model specification in its metadata describes no model LatentSharp can build ({why}).");
        }
        LoadWeights(model, contents, name);
        return new Checkpoint(name, model, contents);
    }

    /// <summary>
    /// Loads a checkpoint to continue its run: it must hold the training state and the optimizer state, both complete and
    /// consistent with each other and with the model. A best-epoch checkpoint holds no optimizer state, and a run
    /// continued from it with a fresh one would not equal the uninterrupted run: it is refused, pointing at the latest one.
    /// </summary>
    public static ResumePoint LoadForResume(string path)
    {
        Checkpoint checkpoint = Load(path);
        string name = checkpoint.FileName;
        TrainingState training = checkpoint.Training
            ?? throw new InvalidCheckpointException($"{name} holds no training state (it is an exported model), so its run cannot be continued; resume from the run's {Trainer.LatestCheckpoint}.");
        OptimizerState optimizer = checkpoint.Optimizer
            ?? throw new InvalidCheckpointException(
                $"{name} holds no optimizer state (it is a best-epoch checkpoint), so a run continued from it would not equal the uninterrupted run; resume from {Trainer.LatestCheckpoint} in the same folder.");
        Optimizer fresh = OptimizerFactory.Create(training.Options, checkpoint.Model.Parameters());
        if (fresh.StateProblem(optimizer) is string problem)
            throw MetadataJson.Refuse(name, OptimizerKey, $"does not fit the {training.Options.Optimizer} optimizer of training.options.optimizer: {problem.TrimEnd('.')}");
        return new ResumePoint(checkpoint.Model, training, optimizer);
    }

    /// <summary>
    /// Copies the file's weights into <paramref name="model"/>, which must have exactly the same parameter names
    /// and shapes; a mismatch names the tensor, and so does a weight that is NaN or infinite.
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
            RequireFinite(entry, fileName);
            entry.Data.AsSpan().CopyTo(parameter.Data);
        }
        if (stored.Count > 0)
            throw new InvalidCheckpointException($"{fileName}: the checkpoint has tensors the model does not: {string.Join(", ", stored.Keys.Take(5))}; it was made for another architecture.");
    }

    private static void RequireFinite(SafeTensorsFile.Entry entry, string fileName)
    {
        int index = Array.FindIndex(entry.Data, v => !float.IsFinite(v));
        if (index >= 0)
            throw new InvalidCheckpointException(
                $"{fileName}: tensor '{entry.Name}' holds {entry.Data[index].ToString(CultureInfo.InvariantCulture)} at index {index}: the run that wrote it diverged or the file is damaged; use an earlier checkpoint.");
    }

    private TrainingState? ReadTraining(SafeTensorsFile.Contents contents)
    {
        if (!contents.Metadata.TryGetValue(TrainingKey, out string? json)) return null;
        TrainingState state = MetadataJson.Read<TrainingState>(json, TrainingKey, FileName);
        // A run from before validation splits held no images out: it continues so.
        if (state.Options.ValidationImages is null) state = state with { Options = state.Options with { ValidationImages = 0 } };
        TrainingStateCheck.Require(state, FileName);
        return state;
    }

    private OptimizerState? ReadOptimizer(SafeTensorsFile.Contents contents)
    {
        if (!contents.Metadata.TryGetValue(OptimizerKey, out string? json)) return null;
        OptimizerHead head = MetadataJson.Read<OptimizerHead>(json, OptimizerKey, FileName);
        var parameters = Model.Parameters().ToArray();
        InvalidCheckpointException Refuse(string field, string problem) => MetadataJson.Refuse(FileName, $"{OptimizerKey}.{field}", problem);
        if (head.LearningRate < 0) throw Refuse("learningRate", $"is {head.LearningRate}, not a learning rate of 0 or more");
        if (head.ParameterSteps.Length != parameters.Length)
            throw Refuse("parameterSteps", $"counts the steps of {head.ParameterSteps.Length} parameters; the model has {parameters.Length}");
        for (int i = 0; i < parameters.Length; i++)
        {
            // Every step updates a parameter at most once.
            if (head.ParameterSteps[i] < 0 || head.ParameterSteps[i] > head.StepCount)
                throw Refuse($"parameterSteps[{i}]", $"is {head.ParameterSteps[i]}, not a count from 0 to stepCount = {head.StepCount}");
        }
        var buffers = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (SafeTensorsFile.Entry entry in contents.Tensors.Where(e => e.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)))
        {
            RequireFinite(entry, FileName);
            buffers.Add(entry.Name[OptimizerPrefix.Length..], entry.Data);
        }
        return new OptimizerState(head.Optimizer, head.LearningRate, head.StepCount, buffers, head.ParameterSteps);
    }

    private sealed record OptimizerHead(string Optimizer, float LearningRate, long StepCount, long[] ParameterSteps);

    internal static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>What a run continues from: the model with its weights, where the run stands, and the optimizer's state.</summary>
public sealed record ResumePoint(LatentModel Model, TrainingState Training, OptimizerState Optimizer)
{
    /// <summary>The data set the run trains on; a resumed run continues on its own data.</summary>
    public string TrainingData => Training.Options.Data ?? DatasetResolver.Sample;
}
