using System.Globalization;
using LatentSharp.Tensors;

namespace LatentSharp.Optim;

/// <summary>
/// Updates a fixed list of parameters from their gradients. Parameters whose <see cref="Tensor.Grad"/> is null
/// (no backward reached them yet) are skipped and their per-parameter step count does not advance, as in PyTorch.
/// Per-parameter buffers are created on a parameter's first update and reused, so a step allocates nothing.
/// </summary>
public abstract class Optimizer
{
    private readonly Tensor[] _parameters;
    private readonly Dictionary<string, float[]>[] _buffers;
    private readonly long[] _parameterSteps;
    private float _learningRate;
    private readonly int _updateLength;

    /// <param name="parameters">The tensors to update.</param>
    /// <param name="learningRate">The initial step size.</param>
    /// <param name="updateLength">The most elements one <see cref="Update"/> call receives: <see cref="ChunkLength"/> for an
    /// update made of several passes, which then run over data still in the cache; a single-pass update may take whole
    /// parameters and spread them over the cores.</param>
    protected Optimizer(IEnumerable<Tensor> parameters, float learningRate, int updateLength = ChunkLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(updateLength);
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        if (_parameters.Length == 0) throw new ArgumentException("An optimizer needs at least one parameter.", nameof(parameters));
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (Tensor p in _parameters)
        {
            if (p is null) throw new ArgumentException("The parameter list contains null.", nameof(parameters));
            if (!p.RequiresGrad) throw new ArgumentException($"{p} is not a parameter (create it with Tensor.Parameter or AsParameter).", nameof(parameters));
            if (!seen.Add(p)) throw new ArgumentException($"{p} appears twice in the parameter list.", nameof(parameters));
        }
        _buffers = new Dictionary<string, float[]>[_parameters.Length];
        for (int i = 0; i < _buffers.Length; i++) _buffers[i] = new Dictionary<string, float[]>(StringComparer.Ordinal);
        _parameterSteps = new long[_parameters.Length];
        LearningRate = learningRate;
        _updateLength = updateLength;
        MaxParameterLength = Math.Min(updateLength, _parameters.Max(p => p.Length));
    }

    /// <summary>The tensors this optimizer updates, in the order given.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>The step size used by the next <see cref="Step"/>; learning-rate schedules set it between epochs.</summary>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (!float.IsFinite(value) || value < 0f)
                throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be finite and non-negative.");
            _learningRate = value;
        }
    }

    /// <summary>How many times <see cref="Step"/> has been called.</summary>
    public long StepCount { get; private set; }

    /// <summary>The names of the per-parameter buffers this optimizer keeps (PyTorch's state keys, e.g. "exp_avg").</summary>
    protected abstract IReadOnlyList<string> BufferNames { get; }

    /// <summary>The longest span <see cref="Update"/> receives, for sizing scratch buffers once.</summary>
    protected int MaxParameterLength { get; }

    /// <summary>Updates every parameter that has a gradient.</summary>
    public void Step()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            Tensor p = _parameters[i];
            if (p.Grad is not { } grad) continue;
            _parameterSteps[i]++;
            // Chunk by chunk (see the constructor); the arithmetic per element is the same for any chunking.
            Span<float> data = p.Data.AsSpan(0, p.Length);
            for (int offset = 0; offset < p.Length; offset += Math.Min(_updateLength, p.Length - offset))
            {
                int length = Math.Min(_updateLength, p.Length - offset);
                Update(i, _parameterSteps[i], offset, data.Slice(offset, length), grad.AsSpan(offset, length));
            }
        }
        StepCount++;
    }

    /// <summary>Elements per call of <see cref="Update"/>: a few passes over this many floats stay in the L1 cache.</summary>
    protected const int ChunkLength = 2048;

    /// <summary>
    /// Updates elements [offset, offset + parameter.Length) of parameter <paramref name="index"/> in place;
    /// <paramref name="step"/> counts its updates, 1 on the first. Buffers are sliced with the same offset.
    /// </summary>
    protected abstract void Update(int index, long step, int offset, Span<float> parameter, ReadOnlySpan<float> gradient);

    /// <summary>Zeroes every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (Tensor p in _parameters) p.ZeroGrad();
    }

    /// <summary>The buffer <paramref name="name"/> of parameter <paramref name="index"/>, created filled with <paramref name="initialValue"/> if new.</summary>
    protected float[] Buffer(int index, string name, float initialValue = 0f)
    {
        if (_buffers[index].TryGetValue(name, out float[]? buffer)) return buffer;
        buffer = new float[_parameters[index].Length];
        if (initialValue != 0f) Array.Fill(buffer, initialValue);
        _buffers[index][name] = buffer;
        return buffer;
    }

    // ---- checkpoints -----------------------------------------------------------------------------------------

    /// <summary>
    /// A deep copy of everything the next steps depend on besides the parameters and hyper-parameters:
    /// buffers keyed "{parameter index}.{buffer name}" (index into <see cref="Parameters"/>, name as in PyTorch's
    /// state dict: "momentum_buffer", "sum", "exp_avg", "exp_avg_sq"), per-parameter update counts, the learning rate
    /// and <see cref="StepCount"/>.
    /// </summary>
    public OptimizerState GetState()
    {
        var buffers = new SortedDictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < _buffers.Length; i++)
        {
            foreach (var (name, buffer) in _buffers[i]) buffers[BufferKey(i, name)] = (float[])buffer.Clone();
        }
        return new OptimizerState(GetType().Name, LearningRate, StepCount, buffers, (long[])_parameterSteps.Clone());
    }

    /// <summary>
    /// Restores a state from <see cref="GetState"/> of the same kind of optimizer over parameters of the same shapes;
    /// throws <see cref="ArgumentException"/> with <see cref="StateProblem"/>'s words when it does not fit.
    /// </summary>
    public void SetState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (StateProblem(state) is string problem) throw new ArgumentException(problem, nameof(state));

        foreach (var buffers in _buffers) buffers.Clear();
        foreach (var (key, buffer) in state.Buffers)
        {
            var (index, name) = ParseBufferKey(key)!.Value;
            _buffers[index][name] = (float[])buffer.Clone();
        }
        for (int i = 0; i < _parameterSteps.Length; i++) _parameterSteps[i] = state.ParameterSteps[i];
        LearningRate = state.LearningRate;
        StepCount = state.StepCount;
    }

    /// <summary>
    /// Why <paramref name="state"/> cannot be restored into this optimizer, or null when it can: it must come from the same
    /// kind of optimizer, count 0 to <see cref="OptimizerState.StepCount"/> updates for each parameter, and hold exactly the
    /// buffers this optimizer keeps after those updates, one value per element. A missing buffer would otherwise restart
    /// from zero and change every later step.
    /// </summary>
    public string? StateProblem(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Optimizer != GetType().Name)
            return $"The state was saved by {state.Optimizer}; this optimizer is {GetType().Name}.";
        if (!float.IsFinite(state.LearningRate) || state.LearningRate < 0f)
            return $"The state's learning rate is {state.LearningRate}; it must be finite and non-negative.";
        if (state.ParameterSteps.Count != _parameters.Length)
            return $"The state covers {state.ParameterSteps.Count} parameters; this optimizer has {_parameters.Length}.";
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (state.ParameterSteps[i] < 0 || state.ParameterSteps[i] > state.StepCount)
                return $"The state counts {state.ParameterSteps[i]} updates of parameter {i}; a count must be from 0 to the {state.StepCount} steps taken.";
        }

        var present = new HashSet<(int, string)>();
        foreach (var (key, buffer) in state.Buffers)
        {
            if (ParseBufferKey(key) is not var (index, name))
                return $"State buffer \"{key}\" is not named \"{{parameter index}}.{{buffer name}}\" for one of {_parameters.Length} parameters.";
            if (!BufferNames.Contains(name))
                return $"State buffer \"{key}\": {GetType().Name} keeps no buffer \"{name}\" (it keeps {string.Join(", ", BufferNames)}).";
            if (buffer.Length != _parameters[index].Length)
                return $"State buffer \"{key}\" has {buffer.Length} values; parameter {index} {_parameters[index]} has {_parameters[index].Length}.";
            if (state.ParameterSteps[index] == 0 || !BuffersAfterUpdate.Contains(name))
                return $"State buffer \"{key}\": {GetType().Name} keeps no such buffer for a parameter after {state.ParameterSteps[index]} updates.";
            present.Add((index, name));
        }
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (state.ParameterSteps[i] == 0) continue;
            foreach (string name in BuffersAfterUpdate)
                if (!present.Contains((i, name)))
                    return $"State buffer \"{BufferKey(i, name)}\" is missing; parameter {i} has had {state.ParameterSteps[i]} updates, and {GetType().Name} keeps it after the first.";
        }
        return null;
    }

    /// <summary>The buffers a parameter has once it has been updated (all of <see cref="BufferNames"/> unless a setting turns one off).</summary>
    protected virtual IReadOnlyList<string> BuffersAfterUpdate => BufferNames;

    private (int Index, string Name)? ParseBufferKey(string key)
    {
        int dot = key.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !int.TryParse(key.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= _parameters.Length)
            return null;
        return (index, key[(dot + 1)..]);
    }

    private static string BufferKey(int index, string name) => index.ToString(CultureInfo.InvariantCulture) + "." + name;
}

/// <summary>
/// A snapshot of an optimizer's state for checkpoints (see <see cref="Optimizer.GetState"/> for the naming).
/// </summary>
/// <param name="Optimizer">The optimizer's type name ("Adam", "AdamW", "Sgd", "Adagrad").</param>
/// <param name="LearningRate">The learning rate at the time of the snapshot.</param>
/// <param name="StepCount">Calls to <see cref="Optimizer.Step"/> so far.</param>
/// <param name="Buffers">"{parameter index}.{buffer name}" → values, one per element of that parameter.</param>
/// <param name="ParameterSteps">For each parameter, the number of updates it received (PyTorch's per-parameter "step").</param>
public sealed record OptimizerState(
    string Optimizer,
    float LearningRate,
    long StepCount,
    IReadOnlyDictionary<string, float[]> Buffers,
    IReadOnlyList<long> ParameterSteps);
