using System.Runtime.CompilerServices;

namespace LatentSharp.Tensors;

/// <summary>
/// A float32, row-major, n-dimensional array that records the operations made on it (define-by-run)
/// so that <see cref="Backward"/> can compute gradients by reverse-mode differentiation.
/// Ops live in Ops/, one file each, forward and backward side by side.
/// </summary>
public sealed partial class Tensor
{
    private readonly int[] _shape;
    private float[] _data;
    private float[]? _grad;
    // ZeroGrad only marks the buffer: the next backward rule overwrites it instead of clearing it and adding (a pass over
    // the weights, on one thread, that read lines another core had just written); Grad clears it if read before that.
    private bool _gradZero;
    private Tensor[]? _parents;
    private Action? _backward;
    private bool _released;

    /// <summary>False for views (Reshape), which share their source's buffer and must not return it to the arena.</summary>
    private bool _ownsData = true;

    /// <summary>The arena that owns this tensor's buffers, or null when they are ordinary heap arrays.</summary>
    private readonly Arena? _arena;

    private Tensor(int[] shape, float[] data, Arena? arena)
    {
        _shape = shape;
        _data = data;
        _arena = arena;
    }

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions (the length of <see cref="Shape"/>).</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements.</summary>
    public int Length { get; private init; }

    /// <summary>Size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => _shape[NormalizeAxis(axis)];

    /// <summary>The values, row-major. Writing to them bypasses autodiff (use for initialisation and optimizers).</summary>
    public float[] Data
    {
        get
        {
            ThrowIfReleased();
            return _data;
        }
    }

    /// <summary>
    /// The gradient of the last <see cref="Backward"/> with respect to this tensor, or null if none reached it. A result of
    /// ops made inside an <see cref="Arena"/> scope keeps none: its buffer is reused as soon as the backward pass is past it.
    /// </summary>
    public float[]? Grad
    {
        get
        {
            ThrowIfReleased();
            if (_gradZero)
            {
                Array.Clear(_grad!, 0, Length);
                _gradZero = false;
            }
            return _grad;
        }
    }

    /// <summary>True for parameters, and for results of ops on them while gradients are recorded.</summary>
    public bool RequiresGrad { get; private set; }

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        if (Length != 1) throw new InvalidOperationException($"Item() needs a tensor with one element; this one has shape {ShapeText(_shape)}.");
        return Data[0];
    }

    /// <summary>The shape, e.g. <c>Tensor[64, 784]</c>.</summary>
    public override string ToString() => $"Tensor{ShapeText(_shape)}";

    // ---- creation ------------------------------------------------------------------------------------------

    /// <summary>Wraps <paramref name="data"/> (no copy) as a tensor of the given shape.</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        int length = CheckedLength(shape);
        if (data.Length != length)
            throw new ArgumentException($"Shape {ShapeText(shape)} holds {length} values but the array has {data.Length}.", nameof(data));
        return new Tensor((int[])shape.Clone(), data, null) { Length = length };
    }

    /// <summary>
    /// A constant tensor holding a copy of <paramref name="values"/>, its buffer from the active arena if there is one:
    /// a loop that feeds batches of a large array inside arena scopes then allocates nothing per batch.
    /// </summary>
    public static Tensor CopyOf(ReadOnlySpan<float> values, params int[] shape)
    {
        int length = CheckedLength(shape);
        if (values.Length != length)
            throw new ArgumentException($"Shape {ShapeText(shape)} holds {length} values but {values.Length} were given.", nameof(values));
        Tensor t = Empty((int[])shape.Clone());
        // Shared out over the cores: a serving batch of 1000 images (3 MB) was copied on one core while the other waited.
        unsafe { Elementwise(values, t._data, &CopyRange); }
        return t;
    }

    private static unsafe void CopyRange(void* state, int begin, int end)
    {
        var job = (ElementwiseJob*)state;
        new ReadOnlySpan<float>(job->X + begin, end - begin).CopyTo(new Span<float>(job->Y + begin, end - begin));
    }

    /// <summary>A new tensor of zeros with this shape (never from an arena); throws <see cref="ArgumentException"/> for a negative or too large shape.</summary>
    public static Tensor Zeros(params int[] shape)
    {
        int length = CheckedLength(shape);
        return new Tensor((int[])shape.Clone(), new float[length], null) { Length = length };
    }

    /// <summary>A one-element tensor of shape [1] holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(float value) => FromArray([value], 1);

    /// <summary>A constant tensor with every element equal to <paramref name="value"/> (from the active arena, if any).</summary>
    public static Tensor Full(float value, params int[] shape)
    {
        Tensor t = Empty((int[])shape.Clone());
        Array.Fill(t._data, value);
        return t;
    }

    /// <summary>A trainable leaf: gradients are recorded for it and accumulate in <see cref="Grad"/>.</summary>
    public static Tensor Parameter(params int[] shape)
    {
        Tensor t = Zeros(shape);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Marks this heap tensor as trainable.</summary>
    public Tensor AsParameter()
    {
        if (_arena is not null) throw new InvalidOperationException("A tensor owned by an arena cannot become a parameter: it is recycled at the end of the step.");
        RequiresGrad = true;
        return this;
    }

    /// <summary>A copy that owns its own heap buffer and records nothing (safe to keep after an arena scope ends).</summary>
    public Tensor Detach()
    {
        var copy = new float[Length];
        Data.AsSpan().CopyTo(copy);
        return FromArray(copy, _shape);
    }

    /// <summary>A new tensor of the given shape for an op's output: from the active arena if there is one. Contents are undefined.</summary>
    internal static Tensor Empty(int[] shape)
    {
        int length = CheckedLength(shape);
        Arena? arena = Arena.Current;
        float[] data = arena is null ? new float[length] : arena.Rent(length);
        var t = new Tensor(shape, data, arena) { Length = length };
        arena?.Track(t);
        return t;
    }

    internal static Tensor EmptyLike(Tensor other) => Empty(other._shape);

    /// <summary>A tensor of another shape over the same buffer (for reshapes); it gets its own gradient.</summary>
    internal Tensor ViewAs(int[] shape)
    {
        Arena? arena = Arena.Current;
        var t = new Tensor(shape, Data, arena) { Length = Length, _ownsData = false };
        arena?.Track(t);
        return t;
    }

    // ---- autodiff --------------------------------------------------------------------------------------------

    /// <summary>True while ops record their backward rules (false inside <see cref="NoGrad"/>).</summary>
    public static bool IsGradEnabled => t_noGradDepth == 0;

    [ThreadStatic] private static int t_noGradDepth;

    /// <summary>Evaluation scope: ops inside record nothing. <c>using (Tensor.NoGrad()) { ... }</c></summary>
    public static NoGradScope NoGrad()
    {
        t_noGradDepth++;
        return new NoGradScope();
    }

    /// <summary>The scope returned by <see cref="NoGrad"/>: disposing it turns recording back on.</summary>
    public readonly struct NoGradScope : IDisposable
    {
        /// <summary>Ends the gradient-free scope.</summary>
        public void Dispose() => t_noGradDepth--;
    }

    /// <summary>Connects an op's output to its inputs; <paramref name="backward"/> reads this tensor's gradient and adds to theirs.</summary>
    internal Tensor Recorded(Action backward, Tensor input)
    {
        if (t_noGradDepth == 0 && input.RequiresGrad)
        {
            RequiresGrad = true;
            _parents = [input];
            _backward = backward;
        }
        return this;
    }

    internal Tensor Recorded(Action backward, Tensor first, Tensor second)
    {
        if (t_noGradDepth == 0 && (first.RequiresGrad || second.RequiresGrad))
        {
            RequiresGrad = true;
            _parents = [first, second];
            _backward = backward;
        }
        return this;
    }

    internal Tensor Recorded(Action backward, Tensor[] inputs)
    {
        if (t_noGradDepth == 0 && Array.Exists(inputs, t => t.RequiresGrad))
        {
            RequiresGrad = true;
            _parents = inputs;
            _backward = backward;
        }
        return this;
    }

    /// <summary>The gradient buffer to accumulate into, created zeroed on first use; null when this tensor needs no gradient.</summary>
    internal float[]? GradToAccumulate()
    {
        float[]? grad = GradToAccumulate(out bool overwrite);
        if (overwrite) Array.Clear(grad!, 0, Length);
        return grad;
    }

    /// <summary>
    /// The gradient buffer for a backward rule that sets every element when asked to: <paramref name="overwrite"/> is true
    /// when the buffer has just been created and holds arbitrary values (a recycled arena buffer), and the rule then
    /// writes its contribution instead of adding it. The activations' gradients are the largest buffers of a step:
    /// this spares clearing each one and reading it back.
    /// </summary>
    internal float[]? GradToAccumulate(out bool overwrite)
    {
        overwrite = false;
        if (!RequiresGrad) return null;
        if (_grad is null)
        {
            _grad = _arena is null ? new float[Length] : _arena.Rent(Length);
            overwrite = true;
        }
        else if (_gradZero)
        {
            _gradZero = false;
            overwrite = true;
        }
        return _grad;
    }

    /// <summary>
    /// During backward, makes <paramref name="output"/>'s gradient buffer this tensor's, unchanged, when this tensor has
    /// none yet and both live in the same arena: for a rule whose gradient is its output's as is (a reshape), in place of
    /// a copy. The output's rule is the one running, so nothing reads its gradient afterwards.
    /// </summary>
    internal bool TakeGradient(Tensor output)
    {
        if (!RequiresGrad || _grad is not null || _arena is null || output._arena != _arena
            || output._grad is null || output._grad.Length != Length)
            return false;
        _grad = output._grad;
        output._grad = null;
        return true;
    }

    /// <summary>This tensor's gradient during backward (always present for a recorded output).</summary>
    internal float[] OutputGrad => _grad ?? throw new InvalidOperationException("Backward reached a tensor without a gradient.");

    /// <summary>Sets the gradient of every parameter to zero (keeps the buffer).</summary>
    public void ZeroGrad()
    {
        if (_grad is not null) _gradZero = true;
    }

    /// <summary>
    /// Back-propagates from this one-element tensor: every parameter it depends on gets d(this)/d(parameter)
    /// added to its <see cref="Grad"/> (gradients accumulate; call ZeroGrad between steps).
    /// </summary>
    public void Backward()
    {
        if (Length != 1) throw new InvalidOperationException($"Backward() starts from a one-element tensor (a loss); this one has shape {ShapeText(_shape)}. Reduce it with Sum() or Mean() first.");
        if (!RequiresGrad) throw new InvalidOperationException("Backward() was called on a tensor that does not depend on any parameter (or was computed inside Tensor.NoGrad()).");

        List<Tensor> order = TopologicalOrder();
        foreach (Tensor t in order)
        {
            // Intermediate gradients are per-backward: reset them so that a second Backward() on a new graph starts clean.
            if (t._backward is not null && t._grad is not null)
            {
                Array.Clear(t._grad, 0, t.Length);
                t._gradZero = false;
            }
        }
        GradToAccumulate()![0] += 1f;
        for (int i = order.Count - 1; i >= 0; i--)
        {
            Tensor t = order[i];
            if (t._backward is null || t._grad is null) continue;
            t._backward();
            // Once its rule has passed it on, an intermediate gradient is needed by nothing: in an arena its buffer goes
            // back at once and can hold a gradient further back, so a step's gradients take the memory of the widest
            // stretch of the graph, not of the whole graph.
            if (t._arena is not null && t._grad is not null)   // (null: handed on, see TakeGradient)
            {
                t._arena.Return(t._grad);
                t._grad = null;
            }
        }
    }

    /// <summary>Every tensor this one depends on, inputs before outputs.</summary>
    private List<Tensor> TopologicalOrder()
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Node, int NextParent)>();
        stack.Push((this, 0));
        visited.Add(this);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            Tensor[]? parents = node._parents;
            if (parents is not null && next < parents.Length)
            {
                stack.Push((node, next + 1));
                Tensor parent = parents[next];
                if (parent.RequiresGrad && visited.Add(parent)) stack.Push((parent, 0));
            }
            else
            {
                order.Add(node);
            }
        }
        return order;
    }

    // ---- arena support ---------------------------------------------------------------------------------------

    /// <summary>Called by the arena at the end of its scope: buffers go back to the pool and the tensor becomes unusable.</summary>
    internal void Release(Arena arena)
    {
        if (_ownsData) arena.Return(_data);
        if (_grad is not null) arena.Return(_grad);
        _data = [];
        _grad = null;
        _gradZero = false;
        _parents = null;
        _backward = null;
        _released = true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ThrowIfReleased()
    {
        if (_released) ThrowReleased();
    }

    private static void ThrowReleased() =>
        throw new ObjectDisposedException(nameof(Tensor), "This tensor was created inside an arena scope that has ended; call Detach() or Item() inside the scope to keep its values.");

    // ---- shape helpers ---------------------------------------------------------------------------------------

    internal int NormalizeAxis(int axis)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if ((uint)a >= (uint)Rank) throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Axis {axis} is out of range for shape {ShapeText(_shape)}.");
        return a;
    }

    internal static int CheckedLength(ReadOnlySpan<int> shape)
    {
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Shape {ShapeText(shape)} has a negative dimension.");
            length *= d;
            if (length > Array.MaxLength) throw new ArgumentException($"Shape {ShapeText(shape)} is too large for one tensor.");
        }
        return (int)length;
    }

    /// <summary>A shape as text, e.g. <c>[64, 784]</c>.</summary>
    public static string ShapeText(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    internal int[] ShapeArray => _shape;
}
