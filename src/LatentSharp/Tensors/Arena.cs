namespace LatentSharp.Tensors;

/// <summary>
/// Reuses the buffers of the tensors made during one training or evaluation step, so that a training loop
/// allocates nothing per step once warm. Tensors created while a scope is active become unusable when it ends.
/// <code>
/// var arena = new Arena();
/// foreach (var batch in batches)
///     using (arena.Scope()) { var loss = model.Loss(x); loss.Backward(); optimizer.Step(); total += loss.Item(); }
/// </code>
/// Free buffers are kept only for the sizes the last scope used: when the shapes change (a smaller last batch, the
/// rows of an image drawn pixel by pixel) the old sizes are let go instead of piling up.
/// </summary>
public sealed class Arena
{
    [ThreadStatic] private static Arena? t_current;

    private readonly Dictionary<int, FreeList> _free = new();
    private readonly List<Tensor> _live = new();
    private bool _active;
    private long _scope;   // scopes opened so far

    private sealed class FreeList
    {
        public readonly Stack<float[]> Buffers = new();
        public long LastScope;   // the last scope that rented or returned this size
    }

    /// <summary>Floats handed out (new or reused) since the current or last scope began.</summary>
    internal long RentedFloats { get; private set; }

    internal static Arena? Current => t_current;

    /// <summary>Makes this arena the owner of new tensors on this thread until the returned scope is disposed.</summary>
    public ArenaScope Scope()
    {
        if (_active) throw new InvalidOperationException("This arena already has an open scope.");
        _active = true;
        _scope++;
        RentedFloats = 0;
        var previous = t_current;
        t_current = this;
        return new ArenaScope(this, previous);
    }

    internal float[] Rent(int length)
    {
        RentedFloats += length;
        if (_free.TryGetValue(length, out var list))
        {
            list.LastScope = _scope;
            if (list.Buffers.Count > 0) return list.Buffers.Pop();
        }
        return new float[length];
    }

    internal void Return(float[] buffer)
    {
        if (buffer.Length == 0) return;
        if (!_free.TryGetValue(buffer.Length, out var list)) _free[buffer.Length] = list = new FreeList();
        list.LastScope = _scope;
        list.Buffers.Push(buffer);
    }

    internal void Track(Tensor t) => _live.Add(t);

    /// <summary>Fills every free buffer with NaN: tests use it to show that no op reads a recycled buffer before writing it.</summary>
    internal void PoisonFreeBuffers()
    {
        foreach (FreeList list in _free.Values)
            foreach (float[] buffer in list.Buffers) Array.Fill(buffer, float.NaN);
    }

    private void End(Arena? previous)
    {
        foreach (Tensor t in _live) t.Release(this);
        _live.Clear();
        foreach (var (length, list) in _free)
            if (list.LastScope != _scope) _free.Remove(length);
        _active = false;
        t_current = previous;
    }

    /// <summary>The open scope of an <see cref="Arena"/>: disposing it returns the scope's tensors to the arena and restores the previous one.</summary>
    public readonly struct ArenaScope : IDisposable
    {
        private readonly Arena _arena;
        private readonly Arena? _previous;

        internal ArenaScope(Arena arena, Arena? previous)
        {
            _arena = arena;
            _previous = previous;
        }

        /// <summary>Ends the scope: its tensors go back to the arena and the previous arena becomes current again.</summary>
        public void Dispose() => _arena.End(_previous);
    }
}
