using LatentSharp.Tensors;

namespace LatentSharp.Nn;

// TEMPORARY: stand-ins for the activation ops being added to Tensor on another branch, so that this branch
// compiles and its tests run. Delete this file when the real Tensor.Relu/LeakyRelu/Elu/Tanh/Sigmoid/Softplus
// arrive (instance methods take precedence over these extensions, so the modules need no change).
internal static class TemporaryActivationOps
{
    public static Tensor Relu(this Tensor x) =>
        Pointwise(x, v => v > 0f ? v : 0f, (v, _) => v > 0f ? 1f : 0f);

    public static Tensor LeakyRelu(this Tensor x, float slope) =>
        Pointwise(x, v => v > 0f ? v : slope * v, (v, _) => v > 0f ? 1f : slope);

    public static Tensor Elu(this Tensor x, float alpha) =>
        Pointwise(x, v => v > 0f ? v : alpha * (MathF.Exp(v) - 1f), (v, y) => v > 0f ? 1f : y + alpha);

    public static Tensor Tanh(this Tensor x) =>
        Pointwise(x, MathF.Tanh, (_, y) => 1f - y * y);

    public static Tensor Sigmoid(this Tensor x) =>
        Pointwise(x, v => 1f / (1f + MathF.Exp(-v)), (_, y) => y * (1f - y));

    // softplus(x) = max(x, 0) + log1p(e^{−|x|}), stable for any x; d/dx = sigmoid(x)
    public static Tensor Softplus(this Tensor x) =>
        Pointwise(x, v => MathF.Max(v, 0f) + (float)Math.Log(1.0 + Math.Exp(-Math.Abs(v))), (v, _) => 1f / (1f + MathF.Exp(-v)));

    /// <summary>y = f(x) elementwise; backward dx += g · f'(x, y).</summary>
    private static Tensor Pointwise(Tensor x, Func<float, float> f, Func<float, float, float> derivative)
    {
        Tensor y = Tensor.EmptyLike(x);
        float[] xs = x.Data, ys = y.Data;
        for (int i = 0; i < x.Length; i++) ys[i] = f(xs[i]);
        return y.Recorded(() =>
        {
            if (x.GradToAccumulate() is not { } gx) return;
            float[] g = y.OutputGrad;
            for (int i = 0; i < x.Length; i++) gx[i] += g[i] * derivative(xs[i], ys[i]);
        }, x);
    }
}
