using LatentSharp.Data;
using LatentSharp.Distributed;
using LatentSharp.Models;
using LatentSharp.Optim;
using LatentSharp.Tensors;

namespace LatentSharp.Training;

/// <summary>
/// A run ready to train, with the rules every front end shares: a new run checks its settings before any data is read,
/// builds its model for the data's image size and classes, and records its data; a resumed run continues the model,
/// optimizer, options and validation split saved in its checkpoint, on its own data, into its own folder.
/// </summary>
public sealed class TrainingRun
{
    private TrainingRun(LatentModel model, TrainingOptions options, DataSplits data, string directory, TrainingState? resumeFrom, OptimizerState? optimizerState)
    {
        Model = model;
        Options = options;
        Data = data;
        Directory = directory;
        ResumeFrom = resumeFrom;
        OptimizerState = optimizerState;
    }

    /// <summary>The model to train: new, or loaded from the checkpoint the run resumes.</summary>
    public LatentModel Model { get; }

    /// <summary>The run's options as trained: its data name and the validation images actually held out are filled in.</summary>
    public TrainingOptions Options { get; }

    /// <summary>The train, validation and test splits.</summary>
    public DataSplits Data { get; }

    /// <summary>The run folder: checkpoints, log and figures.</summary>
    public string Directory { get; }

    /// <summary>The state the run continues from; null for a new run.</summary>
    public TrainingState? ResumeFrom { get; }

    /// <summary>The optimizer's buffers to resume with; null for a new run.</summary>
    public OptimizerState? OptimizerState { get; }

    /// <summary>The folder of a new run when none is given: runs/&lt;data&gt;-&lt;kind&gt;.</summary>
    public static string DefaultDirectory(string dataName, string kind) =>
        Path.Combine("runs", $"{dataName.Replace('/', '_').Trim('_', '.')}-{kind}");

    /// <summary>Refuses, before any data is read, settings a new run of <paramref name="spec"/> cannot train with.</summary>
    public static void Validate(ModelSpec spec, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ModelCatalog.Validate(spec);
        ObjectiveSettings.Validate(spec, options);
    }

    /// <summary>
    /// A new run of <paramref name="spec"/> on <paramref name="dataName"/> (default: the shipped sample), in
    /// <paramref name="directory"/> (default: <see cref="DefaultDirectory"/>).
    /// </summary>
    public static TrainingRun New(ModelSpec spec, TrainingOptions options, string? dataName = null, string? dataDir = null, string? directory = null)
    {
        Validate(spec, options);
        dataName ??= DatasetResolver.Sample;
        DataSplits splits = new DatasetResolver().Load(dataName, dataDir);
        spec = ModelCatalog.ForData(spec, splits.Train.Channels, splits.Train.Rows, splits.Train.Cols, splits.Train.ClassCount);
        LatentModel model = ModelCatalog.Build(spec, new Rng(options.Seed));
        options = options with { Data = dataName };   // saved with the run, so that a resume finds its data
        return WithValidation(model, options, splits, directory ?? DefaultDirectory(dataName, spec.Kind), null, null);
    }

    /// <summary>
    /// The continuation of the run saved in <paramref name="checkpointPath"/> (its latest checkpoint) up to
    /// <paramref name="epochs"/> in total (default: the count it was started with), on the data it was trained on (<paramref name="dataName"/>, when given, must be
    /// that one), in <paramref name="directory"/> (default: the checkpoint's folder).
    /// </summary>
    public static TrainingRun Resume(string checkpointPath, int? epochs = null, string? dataName = null, string? dataDir = null, string? directory = null)
    {
        ResumePoint point = Checkpoint.LoadForResume(checkpointPath);
        // Epochs on other data would silently continue the run on something else.
        if (dataName is not null && dataName != point.TrainingData)
            throw new InvalidSettingException(nameof(TrainingOptions.Data),
                $"{Path.GetFileName(checkpointPath)} was trained on {point.TrainingData}, not {dataName}: a resumed run continues on its own data; leave the data out.");
        TrainingOptions options = point.Training.Options with { Epochs = epochs ?? point.Training.Options.Epochs };   // the same validation split: the run's stored count and seed
        options.Validate();
        DataSplits splits = new DatasetResolver().Load(point.TrainingData, dataDir);
        string folder = directory ?? Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!;
        return WithValidation(point.Model, options, splits, folder, point.Training, point.Optimizer);
    }

    /// <summary>
    /// Trains to <see cref="TrainingOptions.Epochs"/>, writing checkpoints and the log into <see cref="Directory"/>; as one rank
    /// of a data-parallel job when <paramref name="communicator"/> is given (rank 0 writes).
    /// </summary>
    public TrainingState Fit(ITrainingObserver? observer = null, CancellationToken cancellation = default, ICommunicator? communicator = null) =>
        new Trainer(Model, Options, communicator).Fit(Data, Directory, observer, ResumeFrom, OptimizerState, cancellation);

    private static TrainingRun WithValidation(LatentModel model, TrainingOptions options, DataSplits splits, string directory, TrainingState? resumeFrom,
        OptimizerState? optimizerState)
    {
        splits = Trainer.WithValidation(splits, options);
        options = options with { ValidationImages = splits.Validation?.Count ?? 0 };
        return new TrainingRun(model, options, splits, directory, resumeFrom, optimizerState);
    }
}
