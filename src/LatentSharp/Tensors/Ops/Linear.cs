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
        if (bias is not null)
            for (int i = 0; i < b; i++) bias._data.AsSpan(0, outFeatures).CopyTo(y._data.AsSpan(i * outFeatures, outFeatures));
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
}
