using LatentSharp.Evaluation;
using LatentSharp.Models;
using LatentSharp.Tensors;
using LatentSharp.Tests.Data;

namespace LatentSharp.Tests.Evaluation;

public sealed class NllProgressTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string ProgressFile => _temp.File("eval.json.progress");

    private const int N = 23, D = 5;   // batches of 4: five full ones and a last of 3

    private static float[] Images()
    {
        var x = new float[N * D];
        new Rng(5).FillUniform(x, 0f, 1f);
        return x;
    }

    /// <summary>Weights that depend on the rows and on every draw, so that a resumed stream that drifted would show.</summary>
    private static LogWeightsSource Source(Action? onCall = null) => (rows, b, k, rng, destination) =>
    {
        onCall?.Invoke();
        for (int i = 0; i < b; i++)
        {
            double sum = 0;
            for (int j = 0; j < D; j++) sum += rows[i * D + j];
            for (int s = 0; s < k; s++) destination[i * k + s] = -10 * sum + 3 * rng.NextGaussian();
        }
    };

    private static ImportanceSampledNll Estimator(int samples = 30) => new(samples, chunkSize: 7, batchSize: 4);

    [Fact]
    public void KilledPass_RunAgain_ResumesAfterItsFinishedBatches_WithTheSameBits()
    {
        float[] x = Images();
        var fresh = new Rng(9);
        double[] expected = Estimator().LogMarginals(Source(), x, N, D, fresh);
        ulong after = fresh.NextUInt64();   // the stream must end where an uninterrupted pass leaves it

        // First run: killed during its fourth batch (5 chunks per batch of K = 30 in chunks of 7).
        int calls = 0;
        var first = new NllProgress(ProgressFile) { SaveInterval = TimeSpan.Zero };
        Assert.ThrowsAny<Exception>(() => Estimator().LogMarginals(
            Source(() => { if (++calls > 3 * 5 + 2) throw new OperationCanceledException("killed"); }), x, N, D, new Rng(9), first, "test", "model A"));
        Assert.True(File.Exists(ProgressFile));

        // Second run, a new process in effect: only the three batches after the three finished ones are computed.
        calls = 0;
        var log = new StringWriter();
        var second = new NllProgress(ProgressFile, log);
        var rng = new Rng(9);
        double[] resumed = Estimator().LogMarginals(Source(() => calls++), x, N, D, rng, second, "test", "model A");
        Assert.Equal(3 * 5, calls);
        Assert.Contains("Resuming the NLL of test after 12 of 23 images", log.ToString());
        for (int i = 0; i < N; i++) Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i]), BitConverter.DoubleToInt64Bits(resumed[i]));
        Assert.Equal(after, rng.NextUInt64());

        second.Delete();
        Assert.False(File.Exists(ProgressFile));
    }

    [Fact]
    public void ProgressOfAnotherEvaluation_IsIgnored()
    {
        float[] x = Images();
        var progress = new NllProgress(ProgressFile) { SaveInterval = TimeSpan.Zero };
        Estimator().LogMarginals(Source(), x, N, D, new Rng(9), progress, "test", "model A");

        // Another model, another K, another seed, other images: each computes every batch afresh and gets its own result.
        var cases = new (string Model, int Samples, ulong Seed, float Shift)[] { ("model B", 30, 9, 0f), ("model A", 31, 9, 0f), ("model A", 30, 10, 0f), ("model A", 30, 9, 0.5f) };
        foreach (var (model, samples, seed, shift) in cases)
        {
            float[] images = x.Select(v => v + shift).ToArray();
            double[] expected = Estimator(samples).LogMarginals(Source(), images, N, D, new Rng(seed));
            int calls = 0;
            double[] actual = Estimator(samples).LogMarginals(Source(() => calls++), images, N, D, new Rng(seed), new NllProgress(ProgressFile), "test", model);
            Assert.Equal(expected, actual);
            Assert.Equal(6 * ((samples + 6) / 7), calls);
        }
    }

    [Fact]
    public void CorruptProgressProgressFileIsAClearErrorThatSaysWhatToDo()
    {
        File.WriteAllText(ProgressFile, "{\"test\": {\"Fingerprint\": \"x\", \"Done\": ");
        var error = Assert.Throws<IOException>(() => new NllProgress(ProgressFile));
        Assert.Contains(ProgressFile, error.Message);
        Assert.Contains("delete it", error.Message);
    }

    [Theory]
    [InlineData("vae", "Resuming the NLL of test after 40 of 40 images")]
    [InlineData("cvae", "Resuming the NLL of test, label 2 after 13 of 13 images")]   // one pass per label
    public void ModelEvaluation_RunAgainWithItsProgress_TakesTheFinishedPassesFromTheFile(string kind, string expected)
    {
        var spec = new ModelSpec { Kind = kind, Height = 4, Width = 4, LatentSize = 2, Hidden = [8], Classes = kind == "cvae" ? 3 : 0 };
        LatentModel model = ModelCatalog.Build(spec, new Rng(1));
        var images = new float[40 * 16];
        new Rng(3).FillUniform(images, 0f, 1f);
        int[] labels = Enumerable.Range(0, 40).Select(i => i % 3).ToArray();   // 14, 13 and 13 images
        var set = new LatentSharp.Data.Dataset("tiny/test", 40, 4, 4, images, labels);
        var splits = new LatentSharp.Data.DataSplits(set, set);
        var options = new EvaluationOptions { Samples = 20, Probe = false };

        EvaluationReport first = ModelEvaluation.Run(model, splits, options, progress: new NllProgress(ProgressFile));
        var log = new StringWriter();
        EvaluationReport second = ModelEvaluation.Run(model, splits, options, progress: new NllProgress(ProgressFile, log));
        Assert.Contains(expected, log.ToString());
        Assert.Equal(first.NllPerImage, second.NllPerImage);
        Assert.Equal(first.NllPerImage, ModelEvaluation.Run(model, splits, options).NllPerImage);   // what no progress file gives
    }
}
