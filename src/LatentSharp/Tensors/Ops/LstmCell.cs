using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// One LSTM step after its matrix products, fused: from the gate pre-activations
    /// gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh [B, 4H], packed i, f, g, o as in PyTorch's <c>nn.LSTM</c>, and the cell
    /// state c [B, H], computes c' = σ(f)⊙c + σ(i)⊙tanh(g) and h' = σ(o)⊙tanh(c'), both [B, H].
    /// The two outputs are recorded separately (h' has c' as an input), so either or both may feed the loss.
    /// </summary>
    public static (Tensor Hidden, Tensor Cell) LstmCell(Tensor gates, Tensor cell)
    {
        if (cell.Rank != 2 || gates.Rank != 2 || gates._shape[0] != cell._shape[0] || gates._shape[1] != 4 * cell._shape[1])
            throw new ArgumentException($"LstmCell: gates {ShapeText(gates._shape)} do not fit cell state {ShapeText(cell._shape)} (expected [B, 4H] and [B, H]).");
        int batch = cell._shape[0], hidden = cell._shape[1], width = 4 * hidden;

        // What backward needs: the activated gates σ(i), σ(f), tanh(g), σ(o), and tanh(c').
        Tensor activated = Empty([batch, width]);   // [B, 4H]
        Tensor cellTanh = Empty([batch, hidden]);   // [B, H]
        Tensor nextCell = Empty([batch, hidden]);   // [B, H]
        Tensor nextHidden = Empty([batch, hidden]); // [B, H]
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> pre = gates._data.AsSpan(b * width, width);
            Span<float> act = activated._data.AsSpan(b * width, width);
            TensorPrimitives.Sigmoid(pre[..(2 * hidden)], act[..(2 * hidden)]);              // i, f
            TensorPrimitives.Tanh(pre.Slice(2 * hidden, hidden), act.Slice(2 * hidden, hidden)); // g
            TensorPrimitives.Sigmoid(pre[(3 * hidden)..], act[(3 * hidden)..]);              // o
            ReadOnlySpan<float> i = act[..hidden], f = act.Slice(hidden, hidden), g = act.Slice(2 * hidden, hidden), o = act[(3 * hidden)..];

            Span<float> c = nextCell._data.AsSpan(b * hidden, hidden), tc = cellTanh._data.AsSpan(b * hidden, hidden);
            TensorPrimitives.Multiply(f, cell._data.AsSpan(b * hidden, hidden), c);
            TensorPrimitives.MultiplyAdd(i, g, c, c);                                         // c' = f⊙c + i⊙g
            TensorPrimitives.Tanh(c, tc);
            TensorPrimitives.Multiply(o, tc, nextHidden._data.AsSpan(b * hidden, hidden));    // h' = o⊙tanh(c')
        }

        nextCell.Recorded(() =>
        {
            // c' = σ(f)⊙c + σ(i)⊙tanh(g)  =>  di = gc⊙g⊙i(1−i), df = gc⊙c⊙f(1−f), dg = gc⊙i⊙(1−g²), dc = gc⊙f
            float[] gc = nextCell.OutputGrad;
            float[]? dGates = gates.GradToAccumulate(), dCell = cell.GradToAccumulate();
            using var scratch = Scratch.Rent(hidden);
            Span<float> s = scratch.Span;
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> act = activated._data.AsSpan(b * width, width);
                ReadOnlySpan<float> i = act[..hidden], f = act.Slice(hidden, hidden), g = act.Slice(2 * hidden, hidden);
                ReadOnlySpan<float> gcRow = gc.AsSpan(b * hidden, hidden);
                if (dGates is not null)
                {
                    Span<float> d = dGates.AsSpan(b * width, width);
                    Span<float> di = d[..hidden], df = d.Slice(hidden, hidden), dg = d.Slice(2 * hidden, hidden);
                    TensorPrimitives.Subtract(1f, i, s);
                    TensorPrimitives.Multiply(s, i, s);
                    TensorPrimitives.Multiply(s, g, s);
                    TensorPrimitives.MultiplyAdd(s, gcRow, di, di);
                    TensorPrimitives.Subtract(1f, f, s);
                    TensorPrimitives.Multiply(s, f, s);
                    TensorPrimitives.Multiply(s, cell._data.AsSpan(b * hidden, hidden), s);
                    TensorPrimitives.MultiplyAdd(s, gcRow, df, df);
                    TensorPrimitives.Multiply(g, g, s);
                    TensorPrimitives.Subtract(1f, s, s);
                    TensorPrimitives.Multiply(s, i, s);
                    TensorPrimitives.MultiplyAdd(s, gcRow, dg, dg);
                }
                if (dCell is not null)
                {
                    Span<float> dc = dCell.AsSpan(b * hidden, hidden);
                    TensorPrimitives.MultiplyAdd(f, gcRow, dc, dc);
                }
            }
        }, gates, cell);

        nextHidden.Recorded(() =>
        {
            // h' = σ(o)⊙tanh(c')  =>  do = gh⊙tanh(c')⊙o(1−o), dc' = gh⊙o⊙(1−tanh²(c'))
            float[] gh = nextHidden.OutputGrad;
            float[]? dGates = gates.GradToAccumulate(), dNextCell = nextCell.GradToAccumulate();
            using var scratch = Scratch.Rent(hidden);
            Span<float> s = scratch.Span;
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> o = activated._data.AsSpan(b * width + 3 * hidden, hidden);
                ReadOnlySpan<float> tc = cellTanh._data.AsSpan(b * hidden, hidden), ghRow = gh.AsSpan(b * hidden, hidden);
                if (dGates is not null)
                {
                    Span<float> dOut = dGates.AsSpan(b * width + 3 * hidden, hidden);
                    TensorPrimitives.Subtract(1f, o, s);
                    TensorPrimitives.Multiply(s, o, s);
                    TensorPrimitives.Multiply(s, tc, s);
                    TensorPrimitives.MultiplyAdd(s, ghRow, dOut, dOut);
                }
                if (dNextCell is not null)
                {
                    Span<float> dc = dNextCell.AsSpan(b * hidden, hidden);
                    TensorPrimitives.Multiply(tc, tc, s);
                    TensorPrimitives.Subtract(1f, s, s);
                    TensorPrimitives.Multiply(s, o, s);
                    TensorPrimitives.MultiplyAdd(s, ghRow, dc, dc);
                }
            }
        }, gates, nextCell);

        return (nextHidden, nextCell);
    }
}
