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
        byte[] subPixels = Bytes(64 * 192, 256);
        Tensor targets = Tensor.FromArray(Bytes(1000 * 784, 2).Select(v => (float)v).ToArray(), 1000, 784);
        (Tensor[] Inputs, Func<Tensor[], Tensor> Forward) built = op switch
        {
            // 16 rows of 256 logits for each of 64 sub-pixels.
            "categorical" => (Params(1, [16, 256 * 64]), t => t[0].CategoricalLogProb(subPixels[..(16 * 64)], 256)),
            // The conv VAE's 4 × 4, stride-2 layer.
            "conv-winograd" => (Params(2, [8, 32, 14, 14], [64, 32, 4, 4], [64]), t => Tensor.Conv2d(t[0], t[1], t[2], 2, 1)),
            "conv-3x3" => (Params(5, [8, 16, 12, 12], [16, 16, 3, 3], [16]), t => Tensor.Conv2d(t[0], t[1], t[2], 1, 1)),
            "conv-transpose" => (Params(8, [8, 64, 7, 7], [64, 32, 4, 4], [32]), t => Tensor.ConvTranspose2d(t[0], t[1], t[2], 2, 1)),
            "linear" => (Params(11, [64, 400], [784, 400], [784]), t => Tensor.Linear(t[0], t[1], t[2])),
            "sigmoid-bce" => ([GradCheck.Param(14, -6f, 6f, 1000, 784)], t => t[0].Sigmoid().Add(t[0].BinaryCrossEntropyWithLogits(targets))),
            "gaussian-components" => ([GradCheck.Param(15, 256, 32), GradCheck.Param(16, 64, 32), GradCheck.Param(17, -1f, 1f, 64, 32)],
                t => Tensor.GaussianComponentLogDensities(t[0], t[1], t[2])),
            // 16 images of 3 × 8 × 8 sub-pixels, 5 components.
            "logistic-mixture" => (Params(18, [16, 3 * 5 * 192]), t => t[0].DiscretizedLogisticMixtureLogProb(subPixels[..(16 * 192)], 5)),
            "discretized-gaussian" => (Params(19, [64, 2 * 192]), t => t[0].DiscretizedGaussianLogProb(subPixels)),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
        };
        (Tensor[] inputs, Func<Tensor[], Tensor> forward) = built;
        return () => PathComparison.OutputAndGradients(() => forward(inputs), inputs);
    }

    /// <summary>Parameters of the given shapes, uniform in [−1, 1], from seeds <paramref name="seed"/>, <paramref name="seed"/> + 1, …</summary>
    private static Tensor[] Params(ulong seed, params int[][] shapes) => [.. shapes.Select((shape, i) => GradCheck.Param(seed + (ulong)i, shape))];

    private static byte[] Bytes(int count, int below)
    {
        var rng = new Rng(20);
        var bytes = new byte[count];
        for (int i = 0; i < count; i++) bytes[i] = (byte)rng.NextInt(below);
        return bytes;
    }
}
