using LatentSharp.Tensors;

namespace LatentSharp.Nn;

/// <summary>
/// Something with trainable parameters: a layer, a stack of layers, a whole model.
/// Parameters and child modules are registered in order, so <see cref="NamedParameters"/> lists them
/// the way PyTorch's <c>named_parameters()</c> does: own parameters first, then each child's with the
/// child's name as prefix ("encoder.0.weight").
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Parameter)> _parameters = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>.</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>Adds a trainable tensor under <paramref name="name"/> (no dots) and returns it.</summary>
    protected Tensor RegisterParameter(string name, Tensor parameter)
    {
        CheckName(name);
        if (!parameter.RequiresGrad) parameter.AsParameter();
        _parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Adds a child module under <paramref name="name"/> (no dots) and returns it.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        if (ReferenceEquals(module, this)) throw new ArgumentException("A module cannot be its own child.", nameof(module));
        _children.Add((name, module));
        module.SetTraining(IsTraining);
        return module;
    }

    /// <summary>Every parameter with its dotted path, own parameters first, then children in registration order.</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters()
    {
        foreach (var (name, p) in _parameters) yield return (name, p);
        foreach (var (childName, child) in _children)
        {
            foreach (var (name, p) in child.NamedParameters()) yield return (childName + "." + name, p);
        }
    }

    /// <summary>
    /// Declares the parameters of this module and of all its descendants fixed until the returned scope is disposed (scopes
    /// nest). Descendants that are <see cref="IKeepsWhileFixed"/> may then keep what they compute from parameters alone across
    /// no-gradient calls: the VampPrior its pseudo-inputs' posteriors. Call it on the whole model, and change no parameter
    /// inside the scope.
    /// </summary>
    public IDisposable FixParameters()
    {
        IKeepsWhileFixed[] keepers = [.. Descendants().OfType<IKeepsWhileFixed>()];
        foreach (IKeepsWhileFixed keeper in keepers) keeper.Fix();
        return new FixedScope(keepers);
    }

    private sealed class FixedScope(IKeepsWhileFixed[] keepers) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            foreach (IKeepsWhileFixed keeper in keepers) keeper.Release();
        }
    }

    /// <summary>This module, then its descendants depth first in registration order.</summary>
    private IEnumerable<Module> Descendants()
    {
        yield return this;
        foreach (var (_, child) in _children)
            foreach (Module module in child.Descendants()) yield return module;
    }

    /// <summary>Every parameter of this module and its children, in the order of <see cref="NamedParameters"/>.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(np => np.Parameter);

    /// <summary>The direct children, in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    /// <summary>Total number of trainable scalars.</summary>
    public int ParameterCount => Parameters().Sum(p => p.Length);

    /// <summary>Zeroes every parameter's gradient (keeps the buffers).</summary>
    public void ZeroGrad()
    {
        foreach (Tensor p in Parameters()) p.ZeroGrad();
    }

    /// <summary>Training mode for this module and all its descendants.</summary>
    public void Train() => SetTraining(true);

    /// <summary>Evaluation mode for this module and all its descendants.</summary>
    public void Eval() => SetTraining(false);

    private void SetTraining(bool training)
    {
        IsTraining = training;
        foreach (var (_, child) in _children) child.SetTraining(training);
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"A parameter or module name must be non-empty and contain no '.'; got \"{name}\".", nameof(name));
        if (_parameters.Exists(p => p.Name == name) || _children.Exists(c => c.Name == name))
            throw new ArgumentException($"{GetType().Name} already has a parameter or module named \"{name}\".", nameof(name));
    }
}

/// <summary>A module with one input and one output, the unit <see cref="Sequential"/> chains.</summary>
public abstract class Layer : Module
{
    /// <summary>Computes the output for <paramref name="x"/>, recording gradients when enabled.</summary>
    public abstract Tensor Forward(Tensor x);
}
