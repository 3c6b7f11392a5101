using System.Numerics.Tensors;
using Tensor = LatentSharp.Tensors.Tensor;

namespace LatentSharp.Optim;

/// <summary>Gradient clipping before an optimizer step.</summary>
public static class GradientClipping
{
    /// <summary>
    /// PyTorch's <c>clip_grad_norm_</c> (2-norm): the norm of all gradients together, as one vector; if it exceeds
    /// <paramref name="maxNorm"/>, every gradient is scaled by maxNorm / (norm + 1e-6). Parameters without a gradient
    /// are ignored. Returns the norm before clipping; if it is not finite, the gradients are left unchanged (check it).
    /// </summary>
    public static float ClipNorm(IEnumerable<Tensor> parameters, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0f)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "must be positive");
        IReadOnlyCollection<Tensor> list = parameters as IReadOnlyCollection<Tensor> ?? [.. parameters];

        double sumOfSquares = 0;
        foreach (Tensor p in list)
        {
            if (p.Grad is not { } g) continue;
            double norm = TensorPrimitives.Norm<float>(g.AsSpan(0, p.Length));   // per tensor, then the norm of norms, as torch
            sumOfSquares += norm * norm;
        }
        double total = Math.Sqrt(sumOfSquares);
        double coefficient = maxNorm / (total + 1e-6);
        if (coefficient < 1.0)
        {
            foreach (Tensor p in list)
            {
                if (p.Grad is not { } g) continue;
                Span<float> span = g.AsSpan(0, p.Length);
                TensorPrimitives.Multiply(span, (float)coefficient, span);
            }
        }
        return (float)total;
    }
}
