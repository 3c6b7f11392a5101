using LatentSharp.Data;
using LatentSharp.Evaluation;
using LatentSharp.Tensors;

namespace LatentSharp.Tests.Evaluation;

public class LinearProbeTests
{
    private static readonly Lazy<DataSplits> Sample = new(() => new DatasetResolver(null, null, null, [AppContext.BaseDirectory]).Load("sample"));

    [Fact]
    public void LinearProbe_RawPixelsOfShippedSample_BeatsChanceClearlyAndIsDeterministic()
    {
        DataSplits data = Sample.Value;
        LinearProbe probe = LinearProbe.Train(data.Train.Pixels, data.Train.Count, 784, data.Train.Labels, 10);
        double accuracy = probe.Accuracy(data.Test.Pixels, data.Test.Count, data.Test.Labels);
        Assert.True(accuracy > 0.75, $"accuracy {accuracy} after {probe.Iterations} iterations");

        LinearProbe again = LinearProbe.Train(data.Train.Pixels, data.Train.Count, 784, data.Train.Labels, 10);
        Assert.Equal(probe.TrainingLoss, again.TrainingLoss);
        Assert.Equal(probe.Predict(data.Test.Pixels, data.Test.Count), again.Predict(data.Test.Pixels, data.Test.Count));
    }

    [Fact]
    public void LinearProbe_SeparableClusters_ClassifiesAllAndIgnoresConstantFeature()
    {
        // Three Gaussian blobs in 2-D plus a constant third feature (std 0 must not produce NaN).
        var rng = new Rng(4);
        const int perClass = 100, f = 3;
        double[][] centres = [[0, 0], [12, 0], [0, 12]]; // 6σ apart from the boundaries: separable in practice
        var x = new float[3 * perClass * f];
        var labels = new int[3 * perClass];
        for (int i = 0; i < labels.Length; i++)
        {
            int c = i % 3;
            labels[i] = c;
            x[i * f] = (float)(centres[c][0] + rng.NextGaussian());
            x[i * f + 1] = (float)(centres[c][1] + rng.NextGaussian());
            x[i * f + 2] = 7f;
        }
        LinearProbe probe = LinearProbe.Train(x, labels.Length, f, labels, 3);
        Assert.Equal(1.0, probe.Accuracy(x, labels.Length, labels));
        Assert.True(double.IsFinite(probe.TrainingLoss) && probe.TrainingLoss < 0.1, $"loss {probe.TrainingLoss}");
    }

    [Fact]
    public void LinearProbe_LabelOutOfRange_Throws()
    {
        Assert.Throws<ArgumentException>(() => LinearProbe.Train(new float[4], 2, 2, [0, 3], 3));
    }
}
