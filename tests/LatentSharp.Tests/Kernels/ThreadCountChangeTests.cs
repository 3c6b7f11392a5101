using LatentSharp.Kernels;
using LatentSharp.Tensors;
using LatentSharp.Tests.Tensors;

namespace LatentSharp.Tests.Kernels;

/// <summary>
/// <see cref="Threading.MaxThreads"/> is process-wide and may be set while another thread's kernels run (each in-process
/// command sets it): a kernel call reads it once, so a change in the middle of a call neither gives two parts the same rows
/// (written past the end of the arrays when the count drops: the heap is corrupted and the process dies) nor leaves rows to
/// no part (when it rises: values left unwritten).
/// </summary>
// Threading.MaxThreads is process-wide: these run alone, with the GEMM tests.
[Collection(nameof(GemmTests))]
public class ThreadCountChangeTests
{
    /// <summary>Ops that share out their work over the kernel threads, each large enough to be split.</summary>
    public static TheoryData<string> Ops() =>
        ["categorical", "conv-winograd", "conv-3x3", "conv-transpose", "linear", "sigmoid-bce", "gaussian-components", "logistic-mixture", "discretized-gaussian"];

    [Theory]
    [MemberData(nameof(Ops))]
    public void Op_GivesTheSameBits_WhileAnotherThreadChangesTheThreadCount(string op)
    {
        Func<float[]> run = Build(op);
        int saved = Threading.MaxThreads;
        try
        {
            Threading.MaxThreads = 2;
            float[] expected = run();
            using var stop = new CancellationTokenSource();
            long changes = 0;
            var changer = new Thread(() =>
            {
                // As often as it can: a kernel that read the count twice in one call would see two values.
                int[] counts = [1, 2, 1, 4];
                for (int i = 0; !stop.IsCancellationRequested; i++)
                {
                    Threading.MaxThreads = counts[i & 3];
                    changes++;
                }
            }) { IsBackground = true };
            changer.Start();
            try
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                for (int repeat = 0; repeat < 100 && watch.ElapsedMilliseconds < 1000; repeat++)
                {
                    float[] actual = run();
                    Assert.Equal(expected.Length, actual.Length);
                    for (int i = 0; i < expected.Length; i++)
                        if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                            Assert.Fail($"{op}, call {repeat}: value {i} is {actual[i]:G9}, {expected[i]:G9} at a fixed thread count");
                }
            }
            finally
            {
                stop.Cancel();
                changer.Join();
            }
            Assert.True(changes > 1000, $"the thread count changed only {changes} times");
        }
        finally
        {
            Threading.MaxThreads = saved;
        }
    }

    /// <summary>The op's output and the gradients of Σ y² with respect to its inputs, from fixed inputs.</summary>
    private static Func<float[]> Build(string op)
    {
        Tensor[] inputs;
        Func<Tensor> forward;
        switch (op)
        {
            case "categorical":
                // 16 rows of 256 logits for each of 64 sub-pixels.
                Tensor logits = GradCheck.Param(1, 16, 256 * 64);
                byte[] values = Bytes(16 * 64, 256);
                inputs = [logits];
                forward = () => logits.CategoricalLogProb(values, 256);
                break;
            case "conv-winograd":
                // The conv VAE's 4 × 4, stride-2 layer.
                Tensor x = GradCheck.Param(2, 8, 32, 14, 14), w = GradCheck.Param(3, 64, 32, 4, 4), b = GradCheck.Param(4, 64);
                inputs = [x, w, b];
                forward = () => Tensor.Conv2d(x, w, b, 2, 1);
                break;
            case "conv-3x3":
                Tensor x3 = GradCheck.Param(5, 8, 16, 12, 12), w3 = GradCheck.Param(6, 16, 16, 3, 3), b3 = GradCheck.Param(7, 16);
                inputs = [x3, w3, b3];
                forward = () => Tensor.Conv2d(x3, w3, b3, 1, 1);
                break;
            case "conv-transpose":
                Tensor xt = GradCheck.Param(8, 8, 64, 7, 7), wt = GradCheck.Param(9, 64, 32, 4, 4), bt = GradCheck.Param(10, 32);
                inputs = [xt, wt, bt];
                forward = () => Tensor.ConvTranspose2d(xt, wt, bt, 2, 1);
                break;
            case "linear":
                Tensor xl = GradCheck.Param(11, 64, 400), wl = GradCheck.Param(12, 784, 400), bl = GradCheck.Param(13, 784);
                inputs = [xl, wl, bl];
                forward = () => Tensor.Linear(xl, wl, bl);
                break;
            case "sigmoid-bce":
                Tensor xs = GradCheck.Param(14, -6f, 6f, 1000, 784);
                Tensor targets = Tensor.FromArray(Bytes(1000 * 784, 2).Select(v => (float)v).ToArray(), 1000, 784);
                inputs = [xs];
                forward = () => xs.Sigmoid().Add(xs.BinaryCrossEntropyWithLogits(targets));
                break;
            case "gaussian-components":
                Tensor z = GradCheck.Param(15, 256, 32), means = GradCheck.Param(16, 64, 32), logVariances = GradCheck.Param(17, -1f, 1f, 64, 32);
                inputs = [z, means, logVariances];
                forward = () => Tensor.GaussianComponentLogDensities(z, means, logVariances);
                break;
            case "logistic-mixture":
                // 16 images of 3 × 8 × 8 sub-pixels, 5 components.
                Tensor parameters = GradCheck.Param(18, 16, 3 * 5 * 192);
                byte[] pixels = Bytes(16 * 192, 256);
                inputs = [parameters];
                forward = () => parameters.DiscretizedLogisticMixtureLogProb(pixels, 5);
                break;
            case "discretized-gaussian":
                Tensor meansAndScales = GradCheck.Param(19, 64, 2 * 192);
                byte[] subPixels = Bytes(64 * 192, 256);
                inputs = [meansAndScales];
                forward = () => meansAndScales.DiscretizedGaussianLogProb(subPixels);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op, null);
        }
        return () =>
        {
            foreach (Tensor t in inputs) t.ZeroGrad();
            Tensor y = forward();
            y.Multiply(y).Sum().Backward();
            return [.. y.Data[..y.Length], .. inputs.SelectMany(t => t.Grad![..t.Length])];
        };
    }

    private static byte[] Bytes(int count, int below)
    {
        var rng = new Rng(20);
        var bytes = new byte[count];
        for (int i = 0; i < count; i++) bytes[i] = (byte)rng.NextInt(below);
        return bytes;
    }
}
