using System.Numerics.Tensors;

namespace LatentSharp.Evaluation;

/// <summary>
/// A linear probe: multinomial logistic regression (softmax, L2 on the weights, not the biases) on standardized features,
/// trained full-batch by L-BFGS in double. Measures how linearly readable the labels are from a representation
/// (latent means, PCA coordinates, raw pixels). Shapes: <c>N</c> rows, <c>F</c> features, <c>C</c> classes.
/// </summary>
/// <remarks>
/// Deterministic: the optimizer starts from zero and draws nothing at random, and the gradient is summed over a fixed
/// number of row blocks in a fixed order, so the result does not depend on the machine's core count.
/// Features are standardized with the training mean and standard deviation; constant features become 0.
/// </remarks>
public sealed class LinearProbe
{
    private const int Blocks = 4;    // fixed partition of the rows: parallel yet the same sums on every machine
    private const int History = 10;  // L-BFGS memory

    private readonly double[] _mean;      // [F]
    private readonly double[] _invStd;    // [F]
    private readonly double[] _weights;   // [C, F + 1] row-major; the last column is the bias

    private LinearProbe(double[] mean, double[] invStd, double[] weights, int classCount, int iterations, double loss)
    {
        _mean = mean;
        _invStd = invStd;
        _weights = weights;
        ClassCount = classCount;
        Iterations = iterations;
        TrainingLoss = loss;
    }

    /// <summary>F, the feature count.</summary>
    public int Features => _mean.Length;

    /// <summary>C, the number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>L-BFGS iterations used.</summary>
    public int Iterations { get; }

    /// <summary>Final mean cross-entropy plus the L2 term, in nats.</summary>
    public double TrainingLoss { get; }

    /// <summary>
    /// Trains on <paramref name="features"/> [n, f] with <paramref name="labels"/> in [0, classCount).
    /// The objective is mean cross-entropy + (l2 / 2) ‖W‖²; it stops after <paramref name="maxIterations"/> or when the
    /// gradient norm falls below <paramref name="tolerance"/>.
    /// </summary>
    public static LinearProbe Train(float[] features, int n, int f, int[] labels, int classCount,
        double l2 = 1e-3, int maxIterations = 200, double tolerance = 1e-5)
    {
        CheckRows(features, n, f);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(l2);
        ArgumentOutOfRangeException.ThrowIfNegative(maxIterations);
        if (n == 0) throw new ArgumentException("Need at least one training row.", nameof(n));
        if (labels.Length < n) throw new ArgumentException($"Need {n} labels, got {labels.Length}.", nameof(labels));
        for (int i = 0; i < n; i++)
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"Label {labels[i]} of row {i} is outside [0, {classCount}).", nameof(labels));

        var mean = new double[f];
        var invStd = new double[f];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < f; j++) mean[j] += features[i * f + j];
        for (int j = 0; j < f; j++) mean[j] /= n;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < f; j++)
            {
                double e = features[i * f + j] - mean[j];
                invStd[j] += e * e;
            }
        for (int j = 0; j < f; j++)
        {
            double std = Math.Sqrt(invStd[j] / n);
            invStd[j] = std > 1e-12 ? 1 / std : 0; // a constant feature carries nothing; 0 keeps it out of the fit
        }

        int width = f + 1;
        double[] x = Standardize(features, n, f, mean, invStd); // [n, F + 1], last column 1
        var objective = new Objective(x, n, width, labels, classCount, l2);
        var w = new double[classCount * width];
        (int iterations, double loss) = Minimize(objective, w, maxIterations, tolerance);
        return new LinearProbe(mean, invStd, w, classCount, iterations, loss);
    }

    /// <summary>Trains on the train split and returns the accuracy on the test split.</summary>
    public static double TrainAndScore(float[] trainFeatures, int[] trainLabels, float[] testFeatures, int[] testLabels,
        int f, int classCount, double l2 = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(testLabels);
        LinearProbe probe = Train(trainFeatures, trainLabels.Length, f, trainLabels, classCount, l2);
        return probe.Accuracy(testFeatures, testLabels.Length, testLabels);
    }

    /// <summary>The most probable class of each row of <paramref name="features"/> [n, F]: [n].</summary>
    public int[] Predict(float[] features, int n)
    {
        int f = Features, width = f + 1;
        CheckRows(features, n, f);
        double[] x = Standardize(features, n, f, _mean, _invStd);
        var predictions = new int[n];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> row = x.AsSpan(i * width, width);
            int best = 0;
            double bestLogit = double.NegativeInfinity;
            for (int c = 0; c < ClassCount; c++)
            {
                double logit = TensorPrimitives.Dot(row, _weights.AsSpan(c * width, width));
                if (logit > bestLogit) (best, bestLogit) = (c, logit);
            }
            predictions[i] = best;
        }
        return predictions;
    }

    /// <summary>Fraction of rows of <paramref name="features"/> [n, F] whose predicted class is the label.</summary>
    public double Accuracy(float[] features, int n, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Length < n) throw new ArgumentException($"Need {n} labels, got {labels.Length}.", nameof(labels));
        if (n == 0) return double.NaN;
        int[] predicted = Predict(features, n);
        int correct = 0;
        for (int i = 0; i < n; i++) if (predicted[i] == labels[i]) correct++;
        return (double)correct / n;
    }

    private static double[] Standardize(float[] features, int n, int f, double[] mean, double[] invStd)
    {
        int width = f + 1;
        var x = new double[n * width];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < f; j++) x[i * width + j] = (features[i * f + j] - mean[j]) * invStd[j];
            x[i * width + f] = 1;
        }
        return x;
    }

    /// <summary>L-BFGS with a backtracking (Armijo) line search; <paramref name="w"/> is updated in place.</summary>
    private static (int Iterations, double Loss) Minimize(Objective objective, double[] w, int maxIterations, double tolerance)
    {
        int p = w.Length;
        var g = new double[p];
        var gNew = new double[p];
        var direction = new double[p];
        var wNew = new double[p];
        var s = new double[History][];
        var y = new double[History][];
        var rho = new double[History];
        var alpha = new double[History];
        for (int h = 0; h < History; h++) (s[h], y[h]) = (new double[p], new double[p]);
        int stored = 0, newest = -1;

        double loss = objective.Evaluate(w, g);
        int iteration = 0;
        for (; iteration < maxIterations; iteration++)
        {
            if (Math.Sqrt(TensorPrimitives.Dot(g, g)) < tolerance) break;

            // Two-loop recursion: direction = −H g.
            g.CopyTo(direction, 0);
            for (int back = 0; back < stored; back++)
            {
                int h = (newest - back + History) % History;
                alpha[h] = rho[h] * TensorPrimitives.Dot(s[h], direction);
                TensorPrimitives.MultiplyAdd(y[h], -alpha[h], direction, direction);
            }
            if (stored > 0)
            {
                double gamma = TensorPrimitives.Dot(s[newest], y[newest]) / TensorPrimitives.Dot(y[newest], y[newest]);
                TensorPrimitives.Multiply(direction, gamma, direction);
            }
            else
            {
                // No curvature yet: a first step of length 1 along −g keeps the line search's trial sensible.
                TensorPrimitives.Multiply(direction, 1 / Math.Max(1, Math.Sqrt(TensorPrimitives.Dot(g, g))), direction);
            }
            for (int forward = stored - 1; forward >= 0; forward--)
            {
                int h = (newest - forward + History) % History;
                double beta = rho[h] * TensorPrimitives.Dot(y[h], direction);
                TensorPrimitives.MultiplyAdd(s[h], alpha[h] - beta, direction, direction);
            }
            TensorPrimitives.Negate(direction, direction);

            double slope = TensorPrimitives.Dot(g, direction);
            if (slope >= 0)
            {
                // Not a descent direction (curvature noise): restart from steepest descent.
                stored = 0;
                TensorPrimitives.Negate(g, direction);
                slope = TensorPrimitives.Dot(g, direction);
            }

            double step = 1, newLoss = double.NaN;
            bool accepted = false;
            for (int trial = 0; trial < 30; trial++)
            {
                TensorPrimitives.MultiplyAdd(direction, step, w, wNew);
                newLoss = objective.Evaluate(wNew, gNew);
                if (newLoss <= loss + 1e-4 * step * slope) { accepted = true; break; }
                step *= 0.5;
            }
            if (!accepted) break; // no progress possible at double precision

            // Keep the pair only with positive curvature, which keeps the implied Hessian positive definite.
            int slot = (newest + 1) % History;
            TensorPrimitives.Subtract(wNew, w, s[slot]);
            TensorPrimitives.Subtract(gNew, g, y[slot]);
            double sy = TensorPrimitives.Dot(s[slot], y[slot]);
            if (sy > 1e-12)
            {
                newest = slot;
                rho[newest] = 1 / sy;
                stored = Math.Min(stored + 1, History);
            }
            else if (stored == History)
            {
                stored--; // the overwritten slot held the oldest pair
            }
            wNew.CopyTo(w, 0);
            gNew.CopyTo(g, 0);
            bool converged = Math.Abs(loss - newLoss) <= 1e-10 * Math.Max(1, Math.Abs(loss));
            loss = newLoss;
            if (converged) { iteration++; break; }
        }
        return (iteration, loss);
    }

    /// <summary>Mean softmax cross-entropy + (λ/2)‖W‖² (biases excluded) and its gradient.</summary>
    private sealed class Objective(double[] x, int n, int width, int[] labels, int classCount, double l2)
    {
        private readonly double[][] _blockGradients = Enumerable.Range(0, Blocks).Select(_ => new double[classCount * width]).ToArray();
        private readonly double[] _blockLosses = new double[Blocks];

        public double Evaluate(double[] w, double[] gradient)
        {
            Parallel.For(0, Blocks, block =>
            {
                int start = (int)((long)n * block / Blocks), end = (int)((long)n * (block + 1) / Blocks);
                double[] g = _blockGradients[block];
                Array.Clear(g);
                Span<double> logits = stackalloc double[classCount];
                double loss = 0;
                for (int i = start; i < end; i++)
                {
                    ReadOnlySpan<double> row = x.AsSpan(i * width, width);
                    for (int c = 0; c < classCount; c++) logits[c] = TensorPrimitives.Dot(row, w.AsSpan(c * width, width));
                    double max = TensorPrimitives.Max<double>(logits);
                    double sum = 0;
                    for (int c = 0; c < classCount; c++) sum += Math.Exp(logits[c] - max);
                    double logSum = max + Math.Log(sum);
                    loss += logSum - logits[labels[i]];
                    for (int c = 0; c < classCount; c++)
                    {
                        double residual = Math.Exp(logits[c] - logSum) - (c == labels[i] ? 1 : 0); // softmax − one-hot
                        TensorPrimitives.MultiplyAdd(row, residual, g.AsSpan(c * width, width), g.AsSpan(c * width, width));
                    }
                }
                _blockLosses[block] = loss;
            });

            Array.Clear(gradient);
            double total = 0;
            for (int block = 0; block < Blocks; block++)
            {
                TensorPrimitives.Add(gradient, _blockGradients[block], gradient);
                total += _blockLosses[block];
            }
            TensorPrimitives.Multiply(gradient, 1.0 / n, gradient);
            total /= n;
            for (int c = 0; c < classCount; c++)
                for (int j = 0; j < width - 1; j++) // the bias (last column) is not regularized
                {
                    double wj = w[c * width + j];
                    total += 0.5 * l2 * wj * wj;
                    gradient[c * width + j] += l2 * wj;
                }
            return total;
        }
    }

    private static void CheckRows(float[] features, int n, int f)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(f);
        if (features.Length < (long)n * f) throw new ArgumentException($"{n} rows of {f} need {(long)n * f} values, got {features.Length}.", nameof(features));
    }
}
