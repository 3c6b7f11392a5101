using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using LatentSharp.Kernels;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Tensors;

// Threading.MaxThreads is process-wide: these run alone, with the GEMM tests.
[Collection(nameof(LatentSharp.Tests.Kernels.GemmTests))]
public class ParallelElementwiseTests
{
    // An MLP decoder's inference batch: 1000 × 784, large enough for every pass to be shared out over two cores.
    private const int Rows = 1000, Width = 784, Inputs = 40;

    private static T OnThreads<T>(int threads, Func<T> run)
    {
        int saved = Threading.MaxThreads;
        try
        {
            Threading.MaxThreads = threads;
            return run();
        }
        finally
        {
            Threading.MaxThreads = saved;
        }
    }

    [Fact]
    public void Sigmoid_SplitOverCores_IsTheWholeSpansSigmoid_BitForBit()
    {
        Tensor x = GradCheck.Param(81, -12f, 12f, Rows, Width);
        var expected = new float[x.Length];
        TensorPrimitives.Sigmoid(x.Data.AsSpan(0, x.Length), expected);
        foreach (int threads in new[] { 1, 2 })
        {
            float[] y = OnThreads(threads, () => x.Sigmoid().Data[..x.Length]);
            Assert.Equal(expected, y);
        }
    }

    [Fact]
    public void LinearWithBias_SplitOverCores_SameBitsAsOneThread_AndTheBiasIsAdded()
    {
        Tensor x = GradCheck.Param(82, -1f, 1f, Rows, Inputs);
        Tensor w = GradCheck.Param(83, -1f, 1f, Width, Inputs);
        Tensor b = GradCheck.Param(84, -1f, 1f, Width);
        float[] one = OnThreads(1, () => Tensor.Linear(x, w, b).Data[..(Rows * Width)]);
        float[] two = OnThreads(2, () => Tensor.Linear(x, w, b).Data[..(Rows * Width)]);
        Assert.Equal(one, two);
        float[] noBias = OnThreads(2, () => Tensor.Linear(x, w, null).Data[..(Rows * Width)]);
        for (int i = 0; i < Rows; i += 97)
            for (int j = 0; j < Width; j += 31)
                Assert.Equal(noBias[i * Width + j] + b.Data[j], two[i * Width + j], 4);
    }

    [Fact]
    public void CopyOf_SplitOverCores_CopiesEveryValue()
    {
        float[] values = new float[Rows * Width + 5];   // not a multiple of the ranges' alignment
        for (int i = 0; i < values.Length; i++) values[i] = i;
        foreach (int threads in new[] { 1, 2 })
        {
            float[] copy = OnThreads(threads, () => Tensor.CopyOf(values, values.Length).Data[..values.Length]);
            Assert.Equal(values, copy);
        }
    }
}
