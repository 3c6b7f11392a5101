using System.Numerics.Tensors;
using LatentSharp.Kernels;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// The affine map of a linear layer, y = x·Wᵀ + b: x [B, in], weight [out, in], bias [out] or null → [B, out].
    /// Fused: the bias rows are the matrix product's starting value, so no separate broadcasting pass.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        if (x.Rank != 2 || weight.Rank != 2 || x._shape[1] != weight._shape[1])
            throw new ArgumentException($"Linear: input {ShapeText(x._shape)} does not fit weight {ShapeText(weight._shape)} (expected [B, in] and [out, in]).");
        int b = x._shape[0], inFeatures = x._shape[1], outFeatures = weight._shape[0];
        if (bias is not null && (bias.Rank != 1 || bias._shape[0] != outFeatures))
            throw new ArgumentException($"Linear: bias {ShapeText(bias._shape)} does not fit weight {ShapeText(weight._shape)} (expected [{outFeatures}]).");

        Tensor y = Empty([b, outFeatures]);
        if (bias is not null) FillRows(bias._data, y._data, b, outFeatures);
        Gemm.Multiply(false, true, b, outFeatures, inFeatures, 1f, x._data, inFeatures, weight._data, inFeatures, bias is null ? 0f : 1f, y._data, outFeatures);

        void Backward()
        {
            float[] g = y.OutputGrad;   // [B, out]
            if (x.GradToAccumulate(out bool overwrite) is { } gx)   // dx += g · W
                Gemm.Multiply(false, false, b, inFeatures, outFeatures, 1f, g, outFeatures, weight._data, inFeatures, overwrite ? 0f : 1f, gx, inFeatures);
            if (weight.GradToAccumulate() is { } gw)   // dW += gᵀ · x
                Gemm.Multiply(true, false, outFeatures, inFeatures, b, 1f, g, outFeatures, x._data, inFeatures, 1f, gw, inFeatures);
            if (bias?.GradToAccumulate() is { } gb)    // db += Σ_rows g
            {
                Span<float> db = gb.AsSpan(0, outFeatures);
                for (int i = 0; i < b; i++) TensorPrimitives.Add(db, g.AsSpan(i * outFeatures, outFeatures), db);
            }
        }
        return bias is null ? y.Recorded(Backward, x, weight) : y.Recorded(Backward, [x, weight, bias]);
    }

    // Floats per core below which the bias rows are written on the calling thread.
    private const int BiasRowsFloatsPerThread = 1 << 16;

    /// <summary>Each of the <paramref name="rows"/> rows of y [rows, width] = bias, the rows shared out over the cores
    /// (an inference batch of 1000 rows of 784 took them on one core while the other waited for the GEMM).</summary>
    private static unsafe void FillRows(float[] bias, float[] y, int rows, int width)
    {
        fixed (float* pb = bias, py = y)
        {
            var job = new BiasRows { Bias = pb, Y = py, Width = width };
            WorkerPool.RunRanges(rows, Math.Max(1, BiasRowsFloatsPerThread / Math.Max(1, width)), &FillRowRange, &job, alignment: 1);
        }
    }

    private unsafe struct BiasRows
    {
        public float* Bias, Y;
        public int Width;
    }

    private static unsafe void FillRowRange(void* state, int begin, int end)
    {
        var job = (BiasRows*)state;
        var bias = new ReadOnlySpan<float>(job->Bias, job->Width);
        for (int i = begin; i < end; i++) bias.CopyTo(new Span<float>(job->Y + (long)i * job->Width, job->Width));
    }
}
