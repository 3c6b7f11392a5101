using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

/// <summary>
/// The one gradient-check helper: compares the analytic gradient of Σ w·f(inputs) (w fixed random weights,
/// so every output element matters) with central finite differences, input element by input element.
/// </summary>
public static class GradCheck
{
    /// <summary>
    /// Checks d/d(input) for every input that is a parameter. Inputs are perturbed in place and restored.
    /// The default tolerances catch a 1% error in a backward rule (checked by breaking LogSumExp's on purpose).
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-3, double absTol = 5e-4, double relTol = 1e-3, ulong seed = 1)
    {
        Tensor probe = f(inputs);
        var rng = new Rng(seed);
        var weights = new float[probe.Length];
        rng.FillUniform(weights, 0.5f, 1.5f);
        Tensor w = Tensor.FromArray(weights, probe.Shape.ToArray());

        // The analytic gradient is taken the way training takes it, in an arena, on the second pass when every buffer is a
        // recycled one, here filled with NaN: a backward rule that adds into a new gradient buffer, or leaves part of one
        // unwritten, fails the check (outside an arena a new buffer is zeros, which would hide it). Each input goes through
        // a reshape first, so the op under test receives arena tensors whose gradients are such buffers.
        var arena = new Arena();
        for (int pass = 0; pass < 2; pass++)
        {
            foreach (Tensor p in inputs) p.ZeroGrad();
            arena.PoisonFreeBuffers();
            using (arena.Scope())
                f([.. inputs.Select(p => p.Reshape([.. p.Shape]))]).Multiply(w).Sum().Backward();
        }

        double Objective()
        {
            using var _ = Tensor.NoGrad();
            Tensor y = f(inputs);
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += (double)y.Data[i] * weights[i];
            return s;
        }

        for (int t = 0; t < inputs.Length; t++)
        {
            Tensor p = inputs[t];
            if (!p.RequiresGrad) continue;
            Assert.True(p.Grad is not null, $"input {t} received no gradient");
            for (int i = 0; i < p.Length; i++)
            {
                float original = p.Data[i];
                double h = eps * Math.Max(1.0, Math.Abs(original));
                p.Data[i] = (float)(original + h);
                double plus = Objective();
                p.Data[i] = (float)(original - h);
                double minus = Objective();
                p.Data[i] = original;
                double numeric = (plus - minus) / (2 * h);
                double analytic = p.Grad![i];
                double tol = absTol + relTol * Math.Max(Math.Abs(numeric), Math.Abs(analytic));
                Assert.True(Math.Abs(numeric - analytic) <= tol,
                    $"input {t} {p} element {i}: analytic {analytic:G6} vs numeric {numeric:G6} (tolerance {tol:G3})");
            }
        }
    }

    /// <summary>
    /// Central differences (step h) of every weight of <paramref name="model"/> against the gradient backpropagated from
    /// the sum of <paramref name="logLikelihoods"/>; at least <paramref name="minimumWithGradient"/> weights must have a
    /// non-zero one, so a model whose gradients are all lost cannot pass.
    /// </summary>
    public static void CheckParameters(LatentSharp.Nn.Module model, Func<Tensor> logLikelihoods, int minimumWithGradient, string label = "", double h = 1e-2)
    {
        int withGradient = CompareParameters(model, logLikelihoods, label, h, relTol: 1e-2, skipKinks: false);
        Assert.True(withGradient > minimumWithGradient, $"{label}: only {withGradient} weights have a gradient");
    }

    /// <summary>
    /// <see cref="CheckParameters"/> for models with ReLUs, whose whole-model objective has kinks that a step of
    /// <paramref name="h"/> can cross: an element whose one-sided differences disagree (by more than the tolerance) has
    /// a kink within h and is not compared; every other element must match (within 3%: the step is large next to the
    /// curvature of an 8-bit likelihood), and at least <paramref name="minimumChecked"/> elements with a non-zero
    /// gradient must have been compared.
    /// </summary>
    /// <remarks>
    /// <paramref name="perParameter"/> limits the elements of each parameter tensor to that many, drawn at random (seeded):
    /// a 256-way head's wide layers then cost no more than the others.
    /// </remarks>
    public static void CheckParametersAwayFromKinks(LatentSharp.Nn.Module model, Func<Tensor> logLikelihoods, int minimumChecked, string label = "", double h = 1e-2, int? perParameter = null)
    {
        int compared = CompareParameters(model, logLikelihoods, label, h, relTol: 3e-2, skipKinks: true, perParameter);
        Assert.True(compared > minimumChecked, $"{label}: only {compared} weights with a gradient were away from kinks");
    }

    /// <summary>
    /// Backpropagates the summed log-likelihoods, then compares each weight's gradient with its central difference
    /// (absolute tolerance 2e-3 plus <paramref name="relTol"/> of the difference), leaving out, when
    /// <paramref name="skipKinks"/>, the elements whose one-sided differences disagree; returns how many compared
    /// elements have a non-zero gradient.
    /// </summary>
    private static int CompareParameters(LatentSharp.Nn.Module model, Func<Tensor> logLikelihoods, string label, double h, double relTol, bool skipKinks, int? perParameter = null)
    {
        var pick = new Rng(17);
        model.ZeroGrad();
        logLikelihoods().Sum().Backward();
        double Objective()
        {
            using var _ = Tensor.NoGrad();
            return logLikelihoods().Data.Sum(v => (double)v);
        }

        double centre = skipKinks ? Objective() : 0;
        int withGradient = 0;
        foreach (Tensor p in model.Parameters())
        foreach (int i in perParameter is int most && p.Length > most ? pick.Permutation(p.Length)[..most] : Enumerable.Range(0, p.Length))
        {
            float original = p.Data[i];
            p.Data[i] = (float)(original + h);
            double plus = Objective();
            p.Data[i] = (float)(original - h);
            double minus = Objective();
            p.Data[i] = original;
            Assert.True(p.Grad is not null, $"{label} {p} has no gradient");
            if (skipKinks)
            {
                double right = (plus - centre) / h, left = (centre - minus) / h;
                if (Math.Abs(right - left) > 2e-3 + 5e-2 * Math.Max(Math.Abs(right), Math.Abs(left))) continue;
            }
            double numeric = (plus - minus) / (2 * h), analytic = p.Grad![i];
            Assert.True(Math.Abs(numeric - analytic) <= 2e-3 + relTol * Math.Abs(numeric), $"{label} {p} element {i}: analytic {analytic:G6} vs numeric {numeric:G6}");
            if (analytic != 0) withGradient++;
        }
        return withGradient;
    }

    /// <summary>A parameter filled with seeded uniform values in [low, high).</summary>
    public static Tensor Param(ulong seed, float low, float high, params int[] shape)
    {
        Tensor t = Tensor.Parameter(shape);
        new Rng(seed).FillUniform(t.Data, low, high);
        return t;
    }

    public static Tensor Param(ulong seed, params int[] shape) => Param(seed, -1f, 1f, shape);
}
