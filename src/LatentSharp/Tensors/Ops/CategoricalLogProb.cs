using LatentSharp.Kernels;
using System.Numerics.Tensors;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// log p(v_d) of a categorical over <paramref name="classes"/> values per position, from logits laid out class-major in
    /// each row: this [N, classes·D] is read as [N, classes, D] (the logit of value k at position d is column k·D + d, as a
    /// convolution with classes·C output channels gives it), so the log-sum-exp over the classes runs along contiguous
    /// rows of D. <paramref name="values"/> holds M rows of D values below <paramref name="classes"/>; with N = S·M, row n
    /// scores values row n mod M (S decoder outputs per image, sample-major). It is read again in backward, so it must not
    /// change until then. y[n, d] = logits[n, v_d, d] − logsumexp_k logits[n, k, d]: [N, classes·D] → [N, D]
    /// </summary>
    public unsafe Tensor CategoricalLogProb(byte[] values, int classes)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, 256);
        Tensor logits = this;
        if (logits.Rank != 2 || logits._shape[1] % classes != 0 || logits._shape[0] == 0 || logits._shape[1] == 0)
            throw new ArgumentException($"CategoricalLogProb takes logits [N, {classes}·D]; got {ShapeText(logits._shape)}.");
        int n = logits._shape[0], d = logits._shape[1] / classes;
        int m = values.Length / d;
        if (values.Length % d != 0 || m == 0 || n % m != 0)
            throw new ArgumentException($"CategoricalLogProb: {values.Length} values are not rows of D = {d} that the {n} logit rows repeat.", nameof(values));
        if (classes < 256 && TensorPrimitives.Max<byte>(values) >= classes)
            throw new ArgumentOutOfRangeException(nameof(values), $"CategoricalLogProb: a value is at least the number of classes, {classes}.");

        Tensor y = Empty([n, d]);
        Tensor lse = Empty([n, d]);   // kept for backward
        fixed (float* pl = logits._data, py = y._data, plse = lse._data)
        fixed (byte* pv = values)
        {
            var state = new CategoricalState { Logits = pl, Values = pv, Lse = plse, Y = py, ValueRows = m, D = d, Classes = classes };
            WorkerPool.RunRanges(n, RowsPerPart(classes * d), &CategoricalForwardRows, &state, alignment: 1);
        }
        return y.Recorded(() =>
        {
            // dlogits[k, d] = g[d]·(1[k = v_d] − exp(logits[k, d] − lse[d]))
            if (logits.GradToAccumulate(out bool overwrite) is not { } gx) return;
            fixed (float* pl = logits._data, plse = lse._data, pg = y.OutputGrad, pgx = gx)
            fixed (byte* pv = values)
            {
                var state = new CategoricalState
                {
                    Logits = pl, Values = pv, Lse = plse, G = pg, GradLogits = pgx, Overwrite = overwrite,
                    ValueRows = m, D = d, Classes = classes,
                };
                WorkerPool.RunRanges(n, RowsPerPart(classes * d), &CategoricalBackwardRows, &state, alignment: 1);
            }
        }, logits);
    }

    /// <summary>
    /// The fewest rows of <paramref name="floatsPerRow"/> floats worth a part of their own (about 64 K floats of work), for
    /// <see cref="WorkerPool.RunRanges"/>, which decides the parts once per call and hands each part its rows.
    /// </summary>
    private static int RowsPerPart(long floatsPerRow) => (int)Math.Max(1, 65536 / Math.Max(1, floatsPerRow));

    private unsafe struct CategoricalState
    {
        public float* Logits, Lse, Y, G, GradLogits;
        public byte* Values;
        public bool Overwrite;
        public int ValueRows, D, Classes;
    }

    private static unsafe void CategoricalForwardRows(void* pointer, int start, int end)
    {
        var s = (CategoricalState*)pointer;
        int d = s->D, classes = s->Classes;
        using var scratch = Scratch.Rent(2 * CategoricalBlock);
        Span<float> shifted = scratch.Span[..CategoricalBlock], sum = scratch.Span[CategoricalBlock..];
        for (int row = start; row < end; row++)
        {
            float* logits = s->Logits + (long)row * classes * d;
            // Column blocks of the classes × D logits small enough to stay in L2 between the maximum pass and the exp pass,
            // so the logits, the largest array here, come from memory once.
            for (int first = 0; first < d; first += CategoricalBlock)
            {
                int width = Math.Min(CategoricalBlock, d - first);
                var lse = new Span<float>(s->Lse + (long)row * d + first, width);   // the maxima, then log Σ exp
                new ReadOnlySpan<float>(logits + first, width).CopyTo(lse);
                for (int k = 1; k < classes; k++) TensorPrimitives.Max(lse, new ReadOnlySpan<float>(logits + k * d + first, width), lse);
                for (int i = 0; i < width; i++) lse[i] = FiniteOrZero(lse[i]);
                Span<float> blockSum = sum[..width], blockShifted = shifted[..width];
                blockSum.Clear();
                for (int k = 0; k < classes; k++)
                {
                    TensorPrimitives.Subtract(new ReadOnlySpan<float>(logits + k * d + first, width), lse, blockShifted);
                    TensorPrimitives.Exp(blockShifted, blockShifted);
                    TensorPrimitives.Add(blockSum, blockShifted, blockSum);
                }
                TensorPrimitives.Log(blockSum, blockSum);
                TensorPrimitives.Add(lse, blockSum, lse);
            }
            byte* v = s->Values + (long)(row % s->ValueRows) * d;
            float* y = s->Y + (long)row * d, rowLse = s->Lse + (long)row * d;
            for (int i = 0; i < d; i++) y[i] = logits[v[i] * d + i] - rowLse[i];
        }
    }

    // 256 classes × 512 columns × 4 bytes = 512 KB: fits a 1–2 MB L2 with room for the rest.
    private const int CategoricalBlock = 512;

    private static unsafe void CategoricalBackwardRows(void* pointer, int start, int end)
    {
        var s = (CategoricalState*)pointer;
        int d = s->D, classes = s->Classes;
        using var scratch = Scratch.Rent(2 * d);
        Span<float> p = scratch.Span[..d], negG = scratch.Span[d..];
        for (int row = start; row < end; row++)
        {
            float* logits = s->Logits + (long)row * classes * d, gx = s->GradLogits + (long)row * classes * d;
            var lse = new ReadOnlySpan<float>(s->Lse + (long)row * d, d);
            var g = new ReadOnlySpan<float>(s->G + (long)row * d, d);
            TensorPrimitives.Negate(g, negG);
            for (int k = 0; k < classes; k++)
            {
                var dx = new Span<float>(gx + k * d, d);
                TensorPrimitives.Subtract(new ReadOnlySpan<float>(logits + k * d, d), lse, p);
                TensorPrimitives.Exp(p, p);   // softmax
                if (s->Overwrite) TensorPrimitives.Multiply(p, negG, dx);
                else TensorPrimitives.MultiplyAdd(p, negG, dx, dx);
            }
            byte* v = s->Values + (long)(row % s->ValueRows) * d;
            for (int i = 0; i < d; i++) gx[v[i] * d + i] += g[i];
        }
    }
}
