using System.Diagnostics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using LatentSharp.Data;
using LatentSharp.Distributed;
using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Optim;
using LatentSharp.Tensors;

namespace LatentSharp.Training;

/// <summary>
/// The AEVB loop: seeded shuffled minibatches (with their one-hot labels for a conditional model), the model's per-example
/// terms, the loss the <see cref="Objective"/> makes of them (ELBO or IWAE, β warmed up here), backward, optimizer step;
/// the epoch's metrics are the <see cref="TermSums"/> of the same terms; after every epoch an
/// evaluation on the validation split held out of the training images, a checkpoint (written atomically) and the best
/// epoch kept aside; early stopping when the validation score stops improving; the test split scored once, at the end.
/// Every random draw of epoch e comes from (seed, e), so a run resumed from its checkpoint ends exactly where an
/// uninterrupted run would.
/// Given a communicator (an MPI job, or <see cref="LocalGroup"/>), training is data-parallel: see <see cref="Trainer(LatentModel, TrainingOptions, ICommunicator?)"/>.
/// </summary>
public sealed class Trainer
{
    /// <summary>The checkpoint of the last completed epoch, with the state to resume from.</summary>
    public const string LatestCheckpoint = "model.safetensors";
    /// <summary>The checkpoint of the best epoch, without optimizer state.</summary>
    public const string BestCheckpoint = "best.safetensors";

    private readonly LatentModel _model;
    private readonly TrainingOptions _options;
    private readonly Optimizer _optimizer;
    private readonly ILearningRateSchedule _schedule;
    private readonly Tensor[] _parameters;
    private readonly Arena _arena = new();
    private readonly Arena _evaluationArena = new();   // kept across epochs: each evaluation reuses the last one's buffers
    private readonly ICommunicator? _ranks;
    private float[]? _packed;

    /// <summary>A trainer of <paramref name="model"/>; throws <see cref="InvalidSettingException"/> for options out of range or not fit for the model.</summary>
    public Trainer(LatentModel model, TrainingOptions options)
        : this(model, options, null)
    {
    }

    /// <summary>
    /// A trainer that is one rank of a data-parallel job when <paramref name="communicator"/> is given: rank 0's initial
    /// weights go to every rank, each rank takes its contiguous share of every global batch (the batches are those of a
    /// single process), each example draws its noise from its own stream (seeded by the run, the epoch and its place in
    /// the epoch, so the draws do not depend on the number of ranks), the gradients are summed over the ranks in one
    /// buffer, weighted so that they are those of the mean over the global batch, before clipping and the optimizer
    /// step, and free bits and the epoch's metrics use sums over the ranks. A non-finite loss or gradient on any rank stops
    /// every rank. Every rank evaluates the whole validation and test splits (the same numbers everywhere); only rank 0
    /// writes files and reports to the observer. Without a communicator it is the single-process trainer.
    /// </summary>
    public Trainer(LatentModel model, TrainingOptions options, ICommunicator? communicator)
    {
        options.Validate();
        ObjectiveSettings.Validate(model.Spec, options);
        _model = model;
        _options = options;
        _parameters = model.Parameters().ToArray();
        _optimizer = OptimizerFactory.Create(options, _parameters);
        _schedule = OptimizerFactory.Schedule(options);
        _ranks = communicator;
    }

    /// <summary>The model being trained.</summary>
    public LatentModel Model => _model;

    /// <summary>The optimizer <see cref="TrainingOptions.Optimizer"/> names, over every parameter of the model.</summary>
    public Optimizer Optimizer => _optimizer;

    /// <summary>
    /// Trains from <paramref name="resumeFrom"/> (or from scratch) up to <see cref="TrainingOptions.Epochs"/>, or until early
    /// stopping ends the run, then scores the test split once. The validation images are held out of
    /// <paramref name="data"/>'s training split as <see cref="TrainingOptions.ValidationImages"/> says (unless
    /// <paramref name="data"/> already holds them); the returned state's options record how many.
    /// With a <paramref name="runDirectory"/>, writes the checkpoints and log.csv there after each epoch, <see cref="RunConfig.FileName"/> with the first, and the test
    /// metrics into both checkpoints at the end.
    /// </summary>
    public TrainingState Fit(DataSplits data, string? runDirectory = null, ITrainingObserver? observer = null,
        TrainingState? resumeFrom = null, OptimizerState? optimizerState = null, CancellationToken cancellation = default)
    {
        CheckDataMatchesModel(data);
        if (resumeFrom is not null && resumeFrom.CompletedEpochs > _options.Epochs)
            throw new InvalidSettingException(nameof(TrainingOptions.Epochs),
                $"The run has already completed {resumeFrom.CompletedEpochs} epochs, more than the {_options.Epochs} asked for: ask for more epochs to continue it.");
        if (data.Validation is null) data = WithValidation(data, _options);
        TrainingOptions options = _options with { ValidationImages = data.Validation?.Count ?? 0 };
        var history = new List<EpochReport>(resumeFrom?.History ?? []);
        int startEpoch = resumeFrom?.CompletedEpochs ?? 0;
        int bestEpoch = resumeFrom?.BestEpoch ?? 0;
        double bestScore = resumeFrom?.BestScore ?? double.NegativeInfinity;
        if (optimizerState is not null) _optimizer.SetState(optimizerState);
        if (_ranks is not null)
        {
            foreach (Tensor p in _parameters) _ranks.Broadcast(p.Data.AsSpan(0, p.Length), root: 0);
            if (!_ranks.IsRoot()) observer = null;
        }

        var batches = new BatchIterator(data.Train, options.BatchSize, options.Seed, options.Binarization);
        if (_ranks is not null) RequireRowsForEveryRank(_ranks, data.Train.Count, options.BatchSize);
        Dataset? validation = data.Validation is null ? null : HeldOut(data.Validation);
        int steps = batches.BatchesPerEpoch;
        string? readDirectory = runDirectory;
        if (_ranks is not null && !_ranks.IsRoot()) runDirectory = null;   // rank 0 writes the run's files
        if (runDirectory is not null)
        {
            Directory.CreateDirectory(runDirectory);
            AtomicFile.RemoveLeftovers(runDirectory, [LatestCheckpoint, BestCheckpoint, TrainingLog.FileName, RunConfig.FileName]);
        }

        var state = resumeFrom is null ? new TrainingState(options, 0, 0, bestScore, history) : resumeFrom with { Options = options };
        float[][]? bestWeights = bestEpoch > startEpoch || resumeFrom is null ? null : BestWeightsOnDisk(readDirectory, bestEpoch);
        for (int epoch = startEpoch; epoch < options.Epochs && !state.StoppedEarly; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            _optimizer.LearningRate = _schedule.At(epoch, options.LearningRate);
            observer?.EpochStarted(epoch + 1, options.Epochs, steps);

            var train = new TermSums();
            var noise = new Rng(StreamSeed(options.Seed, epoch, stream: 1));
            var clock = Stopwatch.StartNew();
            int step = 0;
            _model.Train();
            foreach (Batch batch in batches.Epoch(epoch))
            {
                step++;
                float beta = WarmedUpBeta(epoch * steps + step - 1, steps);
                var objective = new Objective(beta, options.FreeBits, options.Samples, options.ImportanceSamples);
                double loss = _ranks is null
                    ? TrainStep(batch, noise, objective, train, epoch + 1, step, steps)
                    : ParallelStep(_ranks, batch, objective, train, epoch, step, steps);
                observer?.StepCompleted(epoch + 1, step, steps, loss, train.Examples * (_ranks?.Size ?? 1) / clock.Elapsed.TotalSeconds);
            }
            if (_ranks is not null) SumOverRanks(_ranks, train);
            double seconds = clock.Elapsed.TotalSeconds;

            var (validationMetrics, activeUnits) = validation is null ? (new Dictionary<string, double>(), 0) : Evaluate(validation);
            var report = new EpochReport(epoch + 1, _optimizer.LearningRate, train.Means(), validationMetrics, activeUnits, seconds, train.Examples / seconds);
            RequireFiniteMetrics(report);
            history.Add(report);
            bool best = report.Score > bestScore;
            if (best)
            {
                bestScore = report.Score;
                bestEpoch = epoch + 1;
                bestWeights = [.. _parameters.Select(p => p.Data.AsSpan(0, p.Length).ToArray())];
            }
            state = new TrainingState(options, epoch + 1, bestEpoch, bestScore, history);
            WrittenByRoot(epoch + 1, () =>
            {
                if (runDirectory is null) return;
                WriteEpochFile(runDirectory, LatestCheckpoint, epoch + 1, path => Checkpoint.Save(path, _model, state, _optimizer));
                if (best) WriteEpochFile(runDirectory, BestCheckpoint, epoch + 1, path => Checkpoint.Save(path, _model, state));
                WriteEpochFile(runDirectory, TrainingLog.FileName, epoch + 1, path => TrainingLog.Write(path, history));
                if (epoch == startEpoch)
                    WriteEpochFile(runDirectory, RunConfig.FileName, epoch + 1, path => AtomicFile.WriteAllText(path, RunConfig.For(_model.Spec, options).ToJson()));
            });
            observer?.EpochCompleted(report);
        }
        if (state.Test is not null || state.CompletedEpochs == 0) return state;
        return ScoreTest(state, HeldOut(data.Test), bestWeights, runDirectory);
    }

    /// <summary>
    /// The end of a run: the test split scored once, with the best epoch's weights when they are at hand (else the last
    /// epoch's, and the score says which), written into both checkpoints.
    /// </summary>
    private TrainingState ScoreTest(TrainingState state, Dataset test, float[][]? bestWeights, string? runDirectory)
    {
        float[][] last = [.. _parameters.Select(p => p.Data.AsSpan(0, p.Length).ToArray())];
        if (bestWeights is not null) Load(bestWeights);
        var (metrics, activeUnits) = Evaluate(test);
        state = state with { Test = new TestScore(bestWeights is null ? state.CompletedEpochs : state.BestEpoch, test.Count, metrics, activeUnits) };
        foreach (var (name, value) in metrics)
            if (!double.IsFinite(value))
                throw new TrainingDivergedException($"The test {name} of the epoch-{state.Test.Epoch} weights is {value}; the checkpoints of the run are intact. Try a smaller learning rate, gradient clipping or KL warm-up.");
        if (runDirectory is not null && bestWeights is not null)
            WriteEpochFile(runDirectory, BestCheckpoint, state.BestEpoch, path => Checkpoint.Save(path, _model, state));
        Load(last);
        if (runDirectory is not null)
            WriteEpochFile(runDirectory, LatestCheckpoint, state.CompletedEpochs, path => Checkpoint.Save(path, _model, state, _optimizer));
        return state;
    }

    private void Load(float[][] weights)
    {
        for (int i = 0; i < _parameters.Length; i++) weights[i].CopyTo(_parameters[i].Data.AsSpan(0, _parameters[i].Length));
    }

    /// <summary>
    /// The weights of a resumed run's best epoch, from the best checkpoint in its folder when that holds them, so that the
    /// test split is scored as an uninterrupted run scores it; null when they are not there.
    /// </summary>
    private float[][]? BestWeightsOnDisk(string? runDirectory, int bestEpoch)
    {
        string? path = runDirectory is null ? null : Path.Combine(runDirectory, BestCheckpoint);
        if (path is null || !File.Exists(path)) return null;
        try
        {
            Checkpoint best = Checkpoint.Load(path);
            if (best.Training?.BestEpoch != bestEpoch || best.Model.Spec.ToJson() != _model.Spec.ToJson()) return null;
            return [.. best.Model.Parameters().Select(p => p.Data.AsSpan(0, p.Length).ToArray())];
        }
        catch (LatentSharpException)
        {
            return null;   // a damaged best checkpoint: the last epoch's weights are scored, and the score says so
        }
    }

    /// <summary>
    /// <paramref name="data"/> with the validation images <paramref name="options"/> ask for held out of its training split:
    /// <see cref="TrainingOptions.ValidationImages"/>, or by default <see cref="DataSplits.DefaultValidationCount"/>, drawn with the run's seed.
    /// </summary>
    internal static DataSplits WithValidation(DataSplits data, TrainingOptions options) =>
        data.WithValidation(options.ValidationImages ?? DataSplits.DefaultValidationCount(data.Train.Count), options.Seed);

    /// <summary>A held-out split as the model is scored on it (<see cref="TestBinarization"/>).</summary>
    private Dataset HeldOut(Dataset split) => TestBinarization.Apply(split, _options.Binarization);

    /// <summary>
    /// Per-example means of the model's metrics on <paramref name="data"/> (<see cref="TermSums"/> of its plain ELBO terms,
    /// one sample), and the active units (0 for a model without a latent space).
    /// A conditional model is scored given each image's label.
    /// </summary>
    public (IReadOnlyDictionary<string, double> Metrics, int ActiveUnits) Evaluate(Dataset data)
    {
        if (_model.Has<IConditional>() && !data.HasLabels)
            throw new DataMismatchException($"The model {_model.Spec} is conditioned on labels, but the data set '{data.Name}' has none.");
        _model.Eval();
        var metrics = new TermSums();
        var noise = new Rng(StreamSeed(_options.Seed, 0, stream: 2));   // the same draws every epoch: epochs compare fairly
        ILatentSpace? space = _model.As<ILatentSpace>();
        var activity = space is null ? null : new ActiveUnits(space.LatentSize);   // none without a latent space (the PixelCNN)
        using (_model.FixParameters())
        {
            ModelEvaluation.ForEachBatch(_model, data, data.Count, _options.EvaluationBatchSize, (x, start, b) =>
            {
                Tensor? condition = ModelEvaluation.ConditionOf(_model, data, start, b);
                metrics.Add(_model.Terms(x, noise, condition: condition));
                activity?.Add(space!.Encode(x, condition));
            }, _evaluationArena);
        }
        _model.Train();
        return (metrics.Means(), activity?.Count() ?? 0);
    }

    private double TrainStep(Batch batch, Rng noise, Objective objective, TermSums metrics, int epoch, int step, int steps)
    {
        using (_arena.Scope())
        {
            Tensor x = Tensor.FromArray(batch.Pixels, batch.Size, batch.Dimensions);
            Tensor? condition = _model.Condition(batch.Labels);   // one-hot labels for a conditional model, else null
            ModelTerms terms = _model.Terms(x, noise, objective.Samples, objective.ImportanceSamples, condition);
            Tensor loss = objective.Loss(terms);
            metrics.Add(terms);
            float value = loss.Item();
            if (!float.IsFinite(value))
                throw Diverged($"the loss is {value}", epoch, step, steps);
            _optimizer.ZeroGrad();
            loss.Backward();
            double squaredNorm = 0;
            foreach (Tensor p in _parameters)
                if (p.Grad is { } g) squaredNorm += TensorPrimitives.SumOfSquares(g.AsSpan(0, p.Length));
            ClipAndStep(squaredNorm, epoch, step, steps);
            return value;
        }
    }

    /// <summary>A non-finite gradient (squared norm <paramref name="squaredNorm"/>) stops training; otherwise the gradients are clipped and the optimizer steps.</summary>
    private void ClipAndStep(double squaredNorm, int epoch, int step, int steps)
    {
        if (!double.IsFinite(squaredNorm))
            throw Diverged("a gradient is not finite", epoch, step, steps);
        if (_options.ClipNorm > 0) GradientClipping.ClipNorm(_parameters, _options.ClipNorm);
        _optimizer.Step();
    }

    /// <summary>
    /// One data-parallel step on this rank's rows of the global batch (see the constructor): the loss of the global batch.
    /// The gradients and the shard's weighted loss travel in one buffer, so a non-finite value on any rank is seen, and
    /// thrown, by every rank.
    /// </summary>
    private double ParallelStep(ICommunicator ranks, Batch batch, Objective objective, TermSums metrics, int epoch, int step, int steps)
    {
        var (first, rows) = Communicator.Shard(batch.Size, ranks.Rank, ranks.Size);
        float weight = rows / (float)batch.Size;   // the shard's part of the global batch mean
        float[] packed = _packed ??= new float[_parameters.Sum(p => (long)p.Length) + _parameters.Length + 1];   // gradients, a has-gradient flag per parameter, the loss
        long total = packed.Length - _parameters.Length - 1;
        Array.Clear(packed);
        using (_arena.Scope())
        {
            _optimizer.ZeroGrad();
            int d = batch.Dimensions;
            Tensor x = Tensor.FromArray(batch.Pixels.AsSpan(first * d, rows * d).ToArray(), rows, d);                    // [b, D]
            Tensor? condition = _model.Condition(batch.Labels.Length == 0 ? [] : batch.Labels[first..(first + rows)]);
            Rng noise = Rng.ForRows(StreamSeed(_options.Seed, epoch, stream: 3), (long)(step - 1) * _options.BatchSize + first, rows);
            ModelTerms terms = _model.Terms(x, noise, objective.Samples, objective.ImportanceSamples, condition);
            Tensor loss = objective.Loss(terms, objective.FreeBits > 0f && terms.KlPerDimension is { } perDimension ? BatchKlMeans(ranks, perDimension) : null);
            metrics.Add(terms);
            packed[^1] = loss.Item() * weight;
            loss.Backward();
        }
        long offset = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            Tensor p = _parameters[i];
            if (p.Grad is { } g)
            {
                TensorPrimitives.Multiply(g.AsSpan(0, p.Length), weight, packed.AsSpan((int)offset, p.Length));
                packed[total + i] = 1;
            }
            offset += p.Length;
        }
        ranks.AllReduceSum(packed);
        float value = packed[^1];
        if (!float.IsFinite(value))
            throw Diverged($"the loss is {value}", epoch + 1, step, steps);
        offset = 0;
        double squaredNorm = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            Tensor p = _parameters[i];
            if (packed[total + i] > 0)
            {
                float[] g = p.GradToAccumulate(out _)!;
                packed.AsSpan((int)offset, p.Length).CopyTo(g);
                squaredNorm += TensorPrimitives.SumOfSquares(g.AsSpan(0, p.Length));
            }
            offset += p.Length;
        }
        ClipAndStep(squaredNorm, epoch + 1, step, steps);
        return value;
    }

    /// <summary>Each layer's KL per dimension averaged over the global batch, from every rank's sums. [L_i] per layer</summary>
    private static float[][] BatchKlMeans(ICommunicator ranks, IReadOnlyList<Tensor> perDimension)
    {
        var sums = new double[perDimension.Sum(t => t.Dim(1) + 1)];   // per layer: Σ over rows of each dimension, then the row count
        int at = 0;
        foreach (Tensor t in perDimension)
        {
            int rows = t.Dim(0), l = t.Dim(1);
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < l; j++) sums[at + j] += t.Data[r * l + j];
            sums[at + l] = rows;
            at += l + 1;
        }
        ranks.AllReduceSum(sums);
        var means = new float[perDimension.Count][];
        at = 0;
        for (int i = 0; i < means.Length; i++)
        {
            int l = perDimension[i].Dim(1);
            double rows = sums[at + l];
            means[i] = [.. sums.AsSpan(at, l).ToArray().Select(v => (float)(v / rows))];
            at += l + 1;
        }
        return means;
    }

    /// <summary>Every rank needs at least one image of every batch, the last (smaller) one included.</summary>
    private static void RequireRowsForEveryRank(ICommunicator ranks, int images, int batchSize)
    {
        int last = images % batchSize == 0 ? batchSize : images % batchSize;
        if (Math.Min(batchSize, last) < ranks.Size)
            throw new InvalidSettingException(nameof(TrainingOptions.BatchSize),
                $"A batch of {Math.Min(batchSize, last)} images (the batch size is {batchSize}, {images} training images) cannot be shared by {ranks.Size} ranks: use a batch size whose batches, the last one included, have at least as many images as there are ranks.");
    }

    /// <summary>The epoch's metric sums added up over the ranks, so every rank reports the global means.</summary>
    private static void SumOverRanks(ICommunicator ranks, TermSums metrics)
    {
        double[] totals = metrics.Totals();
        ranks.AllReduceSum(totals);
        metrics.SetTotals(totals);
    }

    /// <summary>Runs rank 0's writing of an epoch's files; in a job, a failure there stops every rank (a rank that throws alone would leave the others waiting).</summary>
    private void WrittenByRoot(int epoch, Action write)
    {
        if (_ranks is null)
        {
            write();
            return;
        }
        CheckpointWriteException? failure = null;
        try
        {
            if (_ranks.IsRoot()) write();
        }
        catch (CheckpointWriteException e)
        {
            failure = e;
        }
        if (_ranks.Any(failure is not null))
            throw failure ?? new CheckpointWriteException($"Rank 0 could not write the files of epoch {epoch}: see its message.", new IOException("rank 0 failed to write"));
    }

    private TrainingDivergedException Diverged(string what, int epoch, int step, int steps) =>
        new($"Training diverged at epoch {epoch}, step {step} of {steps}: {what}. " + DivergenceAdvice(epoch));

    private static string DivergenceAdvice(int epoch) =>
        (epoch > 1 ? $"The checkpoint of epoch {epoch - 1} is intact. " : "") + "Try a smaller learning rate, gradient clipping or KL warm-up.";

    /// <summary>
    /// A metric that is NaN or infinite means the model diverged even when every loss was finite (e.g. on the test split);
    /// it is refused before anything of that epoch is written, as no checkpoint or log can hold it.
    /// </summary>
    private static void RequireFiniteMetrics(EpochReport report)
    {
        foreach (var (split, metrics) in new[] { ("train", report.Train), ("validation", report.Validation) })
            foreach (var (name, value) in metrics)
                if (!double.IsFinite(value))
                    throw new TrainingDivergedException(
                        $"Training diverged in epoch {report.Epoch}: its {split} {name} is {value}. " + DivergenceAdvice(report.Epoch));
    }

    /// <summary>Writes one file of an epoch; a failure (a full disk) says which epoch is lost and that the files before it are intact.</summary>
    private static void WriteEpochFile(string runDirectory, string fileName, int epoch, Action<string> write)
    {
        string path = Path.Combine(runDirectory, fileName);
        try
        {
            write(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The latest checkpoint is written first, and every file whole or not at all.
            string state = fileName != LatestCheckpoint ? $"{LatestCheckpoint} holds epoch {epoch} intact: make room and resume from it"
                : epoch > 1 ? $"epoch {epoch} is lost, {LatestCheckpoint} still holds epoch {epoch - 1} intact: make room and resume from it"
                : "epoch 1 is lost and no checkpoint was written yet: make room and start again";
            throw new CheckpointWriteException($"Could not write {path} for epoch {epoch} ({e.Message.TrimEnd('.')}); {state}.", e);
        }
    }

    /// <summary>β, ramped linearly from 0 over the warm-up epochs (per step, so the ramp is smooth).</summary>
    private float WarmedUpBeta(long globalStep, int stepsPerEpoch)
    {
        if (_options.WarmupEpochs == 0) return _options.Beta;
        double progress = (globalStep + 1) / (double)(_options.WarmupEpochs * (long)stepsPerEpoch);
        return (float)(_options.Beta * Math.Min(1.0, progress));
    }

    private void CheckDataMatchesModel(DataSplits data)
    {
        Dataset train = data.Train;
        if (train.Dimensions != _model.Spec.Dimensions)
            throw new DataMismatchException($"The data set '{train.Name}' has images of {train.Rows}x{train.Cols} = {train.Dimensions} pixels; the model expects {_model.Spec.Channels}x{_model.Spec.Height}x{_model.Spec.Width} = {_model.Spec.Dimensions}.");
        if (_model.As<IConditional>() is not { } conditional) return;
        foreach (Dataset split in new[] { data.Train, data.Test })
        {
            if (!split.HasLabels)
                throw new DataMismatchException($"The model {_model.Spec} is conditioned on labels, but the data set '{split.Name}' has none: give it its labels.");
            if (split.ClassCount > conditional.Classes)
                throw new DataMismatchException($"The data set '{split.Name}' has {split.ClassCount} classes; the model is conditioned on {conditional.Classes}.");
        }
    }

    /// <summary>An independent seed for one kind of draw (<paramref name="stream"/>) in one epoch.</summary>
    private static ulong StreamSeed(ulong seed, int epoch, int stream) =>
        seed * 0x9E3779B97F4A7C15UL ^ ((ulong)epoch << 20) ^ ((ulong)stream << 52) ^ 0xD1B54A32D192ED03UL;
}
