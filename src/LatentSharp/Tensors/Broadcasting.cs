using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

/// <summary>How an operand of an elementwise op lines up with the op's output (NumPy broadcasting rules).</summary>
internal enum BroadcastKind
{
    /// <summary>Same shape as the output.</summary>
    Same,
    /// <summary>Matches the output's trailing dimensions: repeats every <c>Length</c> outputs (e.g. a bias row).</summary>
    Row,
    /// <summary>Matches the output's leading dimensions: each value spans a contiguous block (e.g. a [B,1] column).</summary>
    Column,
    /// <summary>Anything else: walked with strides.</summary>
    General,
}

/// <summary>A binary elementwise function with vector forms, so broadcasting loops call TensorPrimitives on whole rows.</summary>
internal interface IBinaryFunction
{
    static abstract void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination);
    static abstract void Apply(ReadOnlySpan<float> x, float y, Span<float> destination);
    static abstract void Apply(float x, ReadOnlySpan<float> y, Span<float> destination);
    static abstract float Apply(float x, float y);
}

internal struct AddFunction : IBinaryFunction
{
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(y, x, d);
    public static float Apply(float x, float y) => x + y;
}

internal struct SubtractFunction : IBinaryFunction
{
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static float Apply(float x, float y) => x - y;
}

internal struct MultiplyFunction : IBinaryFunction
{
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(y, x, d);
    public static float Apply(float x, float y) => x * y;
}

internal struct DivideFunction : IBinaryFunction
{
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static float Apply(float x, float y) => x / y;
}

/// <summary>NumPy-style broadcasting for elementwise ops: the output shape, the fast row/column cases, and the gradient reduction.</summary>
internal static class Broadcasting
{
    public static int[] OutputShape(int[] a, int[] b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Tensor.ShapeText(a)} and {Tensor.ShapeText(b)} do not broadcast (dimension {i}: {da} vs {db}).");
            shape[i] = da == 1 ? db : da;
        }
        return shape;
    }

    public static BroadcastKind Classify(int[] operand, int[] output)
    {
        if (operand.AsSpan().SequenceEqual(output)) return BroadcastKind.Same;
        int rank = output.Length, offset = rank - operand.Length;
        int Padded(int i) => i >= offset ? operand[i - offset] : 1;

        // Row: the operand equals the output's trailing dims from some point on and is 1 before it.
        int s = rank;
        while (s > 0 && Padded(s - 1) == output[s - 1]) s--;
        bool row = true;
        for (int i = 0; i < s; i++) if (Padded(i) != 1) row = false;
        if (row) return BroadcastKind.Row;

        // Column: the operand equals the output's leading dims up to some point and is 1 after it.
        int t = 0;
        while (t < rank && Padded(t) == output[t]) t++;
        for (int i = t; i < rank; i++) if (Padded(i) != 1) return BroadcastKind.General;
        return BroadcastKind.Column;
    }

    /// <summary>destination[out] = f(a[broadcast], b[broadcast]) for every output element.</summary>
    public static void Apply<TFunction>(ReadOnlySpan<float> a, int[] aShape, ReadOnlySpan<float> b, int[] bShape, Span<float> destination, int[] outShape)
        where TFunction : IBinaryFunction
    {
        BroadcastKind ka = Classify(aShape, outShape), kb = Classify(bShape, outShape);
        int n = destination.Length;
        if (n == 0) return;
        if (ka == BroadcastKind.Same && kb == BroadcastKind.Same)
        {
            TFunction.Apply(a, b, destination);
        }
        else if (ka == BroadcastKind.Same && b.Length == 1)
        {
            TFunction.Apply(a, b[0], destination);
        }
        else if (kb == BroadcastKind.Same && a.Length == 1)
        {
            TFunction.Apply(a[0], b, destination);
        }
        else if (ka == BroadcastKind.Same && kb == BroadcastKind.Row)
        {
            for (int o = 0; o < n; o += b.Length) TFunction.Apply(a.Slice(o, b.Length), b, destination.Slice(o, b.Length));
        }
        else if (kb == BroadcastKind.Same && ka == BroadcastKind.Row)
        {
            for (int o = 0; o < n; o += a.Length) TFunction.Apply(a, b.Slice(o, a.Length), destination.Slice(o, a.Length));
        }
        else if (ka == BroadcastKind.Same && kb == BroadcastKind.Column)
        {
            int inner = n / b.Length;
            for (int i = 0; i < b.Length; i++) TFunction.Apply(a.Slice(i * inner, inner), b[i], destination.Slice(i * inner, inner));
        }
        else if (kb == BroadcastKind.Same && ka == BroadcastKind.Column)
        {
            int inner = n / a.Length;
            for (int i = 0; i < a.Length; i++) TFunction.Apply(a[i], b.Slice(i * inner, inner), destination.Slice(i * inner, inner));
        }
        else
        {
            int[] sa = BroadcastStrides(aShape, outShape), sb = BroadcastStrides(bShape, outShape);
            Span<int> index = stackalloc int[outShape.Length];
            int ia = 0, ib = 0;
            for (int o = 0; o < n; o++)
            {
                destination[o] = TFunction.Apply(a[ia], b[ib]);
                // Advance the multi-index like an odometer, keeping the operand offsets in step.
                for (int d = outShape.Length - 1; d >= 0; d--)
                {
                    index[d]++;
                    ia += sa[d];
                    ib += sb[d];
                    if (index[d] < outShape[d]) break;
                    ia -= sa[d] * outShape[d];
                    ib -= sb[d] * outShape[d];
                    index[d] = 0;
                }
            }
        }
    }

    /// <summary>
    /// Adds <paramref name="source"/> (output-shaped) into <paramref name="destination"/> (operand-shaped), summing over
    /// broadcast dimensions; with <paramref name="overwrite"/> the sums replace the destination's contents, never read.
    /// </summary>
    public static void AccumulateReduced(ReadOnlySpan<float> source, int[] outShape, Span<float> destination, int[] operandShape, bool overwrite = false)
    {
        switch (Classify(operandShape, outShape))
        {
            case BroadcastKind.Same:
                if (overwrite) source.CopyTo(destination);
                else TensorPrimitives.Add(destination, source, destination);
                break;
            case BroadcastKind.Row:
            {
                int first = 0;
                if (overwrite)
                {
                    source.Slice(0, destination.Length).CopyTo(destination);
                    first = destination.Length;
                }
                for (int o = first; o < source.Length; o += destination.Length)
                    TensorPrimitives.Add(destination, source.Slice(o, destination.Length), destination);
                break;
            }
            case BroadcastKind.Column:
            {
                int inner = destination.Length == 0 ? 0 : source.Length / destination.Length;
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (overwrite ? 0f : destination[i]) + TensorPrimitives.Sum(source.Slice(i * inner, inner));
                break;
            }
            default:
            {
                if (overwrite) destination.Clear();
                int[] s = BroadcastStrides(operandShape, outShape);
                Span<int> index = stackalloc int[outShape.Length];
                int offset = 0;
                for (int o = 0; o < source.Length; o++)
                {
                    destination[offset] += source[o];
                    for (int d = outShape.Length - 1; d >= 0; d--)
                    {
                        index[d]++;
                        offset += s[d];
                        if (index[d] < outShape[d]) break;
                        offset -= s[d] * outShape[d];
                        index[d] = 0;
                    }
                }
                break;
            }
        }
    }

    /// <summary>Row-major strides of the operand laid over the output shape, 0 where the operand is broadcast.</summary>
    private static int[] BroadcastStrides(int[] operand, int[] output)
    {
        var strides = new int[output.Length];
        int offset = output.Length - operand.Length;
        int stride = 1;
        for (int i = output.Length - 1; i >= 0; i--)
        {
            int d = i >= offset ? operand[i - offset] : 1;
            strides[i] = d == 1 ? 0 : stride;
            stride *= d;
        }
        return strides;
    }
}
