using System.Numerics.Tensors;
using LatentSharp.Kernels;

namespace LatentSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// The affine map of a linear layer, y = x·Wᵀ + b: x [B, in], weight [out, in], bias [out] or null → [B, out].
    /// Fused: the bias is added to each tile of the matrix product as it is stored, so no separate broadcasting pass.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias) => Linear(x, weight, bias, relu: false);

    /// <summary>
    /// <see cref="Linear(Tensor, Tensor, Tensor?)"/>, then max(·, 0) with <paramref name="relu"/>: a Linear followed by a
    /// ReLU in one pass over the output, equal to the bit to the two apart (the gradient at exactly 0 taken as 0, as
    /// <see cref="Relu"/> does). The weight is read from <paramref name="packedWeight"/> (Wᵀ packed by <see cref="Gemm.Prepack"/>,
    /// a fixed layer's) where it fits, instead of packed again: the same bits.
    /// </summary>
    internal static Tensor Linear(Tensor x, Tensor weight, Tensor? bias, bool relu, PackedB? packedWeight = null)
    {
        if (x.Rank != 2 || weight.Rank != 2 || x._shape[1] != weight._shape[1])
            throw new ArgumentException($"Linear: input {ShapeText(x._shape)} does not fit weight {ShapeText(weight._shape)} (expected [B, in] and [out, in]).");
        int b = x._shape[0], inFeatures = x._shape[1], outFeatures = weight._shape[0];
        if (bias is not null && (bias.Rank != 1 || bias._shape[0] != outFeatures))
            throw new ArgumentException($"Linear: bias {ShapeText(bias._shape)} does not fit weight {ShapeText(weight._shape)} (expected [{outFeatures}]).");

        Tensor y = Empty([b, outFeatures]);
        Gemm.Multiply(false, true, b, outFeatures, inFeatures, 1f, x._data, inFeatures, weight._data, inFeatures, 0f, y._data, outFeatures,
            bias is null ? default : bias._data.AsSpan(0, outFeatures), relu, packedWeight);

        void Backward()
        {
            float[] g = relu ? ReluInputGradient(y) : y.OutputGrad;   // [B, out]
            try
            {
                AccumulateGradients(g);
            }
            finally
            {
                if (relu) ConvBatch.Return(g);
            }
        }

        void AccumulateGradients(float[] g)
        {
            if (x.GradToAccumulate(out bool overwrite) is { } gx)   // dx += g · W
                Gemm.Multiply(false, false, b, inFeatures, outFeatures, 1f, g, outFeatures, weight._data, inFeatures, overwrite ? 0f : 1f, gx, inFeatures);
            // dW += gᵀ · x, by rows of dW: the optimizer updates a weight by halves, so each core then reads the rows it wrote.
            if (weight.GradToAccumulate(out bool overwriteWeight) is { } gw)
                Gemm.MultiplyByRows(true, false, outFeatures, inFeatures, b, 1f, g, outFeatures, x._data, inFeatures, overwriteWeight ? 0f : 1f, gw, inFeatures);
            if (bias?.GradToAccumulate(out bool overwriteBias) is { } gb)    // db += Σ_rows g
            {
                Span<float> db = gb.AsSpan(0, outFeatures);
                if (overwriteBias) db.Clear();
                for (int i = 0; i < b; i++) TensorPrimitives.Add(db, g.AsSpan(i * outFeatures, outFeatures), db);
            }
        }
        return bias is null ? y.Recorded(Backward, x, weight) : y.Recorded(Backward, [x, weight, bias]);
    }
}
