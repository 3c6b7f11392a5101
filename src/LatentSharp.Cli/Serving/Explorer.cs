using LatentSharp.Data;
using LatentSharp.Evaluation;
using LatentSharp.Imaging;
using LatentSharp.Models;
using LatentSharp.Reports;
using LatentSharp.Tensors;

namespace LatentSharp.Cli.Serving;

/// <summary>
/// What the explorer page works with: a model behind its <see cref="ModelWorker"/>, the test images, their codes,
/// the dimensions worth a slider and a 2-D view of the code space. Shapes: L latent dims, D pixels, N test images.
/// </summary>
internal sealed class Explorer : IDisposable
{
    /// <summary>Sliders shown when the model has more latent dimensions than this: the most active ones.</summary>
    public const int MaxSliders = 16;

    /// <summary>Test images encoded for the embedding scatter and the code statistics.</summary>
    public const int MaxEmbeddingPoints = 2000;

    private readonly ModelWorker _worker;
    private readonly float[] _codes;          // [N', L], N' = min(N, MaxEmbeddingPoints)
    private readonly LatentPlane _plane;      // the scatter's plane: the codes' principal axes when L > 2
    private readonly CodeSource _codeSource;  // the prior, or a Gaussian fitted to the test codes

    private Explorer(LatentModel model, Dataset test, ModelWorker worker, float[] codes, int encoded)
    {
        Model = model;
        Space = model.Require<ILatentSpace>("latent serve");
        Test = test;
        _worker = worker;
        _codes = codes;
        int l = Space.LatentSize;

        var activity = new ActiveUnits(l);
        activity.Add(Tensor.FromArray(codes, encoded, l));
        Variances = activity.Variances();
        CodeMeans = new double[l];
        for (int i = 0; i < encoded; i++)
            for (int j = 0; j < l; j++) CodeMeans[j] += codes[i * l + j] / (double)encoded;
        SliderDimensions = Enumerable.Range(0, l).OrderByDescending(j => Variances[j]).ThenBy(j => j).Take(MaxSliders).ToArray();
        _codeSource = CodeSource.For(model, codes, encoded, "the test codes");
        Ranges = Enumerable.Range(0, l).Select(SliderRange).ToArray();

        _plane = LatentPlane.Fit(codes, encoded, l);
        Embedding = _plane.Project(codes, encoded);
        EmbeddingLabels = test.HasLabels ? test.Labels.AsSpan(0, encoded).ToArray() : [];
    }

    public LatentModel Model { get; }

    /// <summary>The model's latent space (every model the explorer serves has one).</summary>
    public ILatentSpace Space { get; }

    public Dataset Test { get; }

    public int LatentSize => Space.LatentSize;

    /// <summary>Variance of each dimension's posterior mean over the encoded test images ([L]; active when &gt; 0.01).</summary>
    public double[] Variances { get; }

    /// <summary>Mean code of the encoded test images. [L]</summary>
    public double[] CodeMeans { get; }

    /// <summary>The dimensions that get a slider, most active first.</summary>
    public int[] SliderDimensions { get; }

    /// <summary>Slider range of each dimension. [L]</summary>
    public (double Low, double High)[] Ranges { get; }

    /// <summary>The encoded test images in the scatter's plane: x, y interleaved. [N', 2]</summary>
    public float[] Embedding { get; }

    /// <summary>Labels of the embedded points (empty when the data has none).</summary>
    public int[] EmbeddingLabels { get; }

    /// <summary>What the scatter's axes are.</summary>
    public string EmbeddingAxes => _plane.Axes;

    /// <summary>
    /// Class names of a conditional model, whose decoder takes a class as well as a code. latent serve refuses conditional
    /// models for now: this is the seam (the page hides its class selector while it is null).
    /// </summary>
    public IReadOnlyList<string>? ConditionClasses => null;

    /// <summary>Where random codes come from: the model's prior, or a Gaussian fitted to the test codes for a model without one.</summary>
    public string SampleSource => _codeSource.Description;

    public (long Batches, long Decoded) DecodeStatistics => _worker.DecodeStatistics;

    /// <summary>Encodes up to <see cref="MaxEmbeddingPoints"/> test images and starts serving <paramref name="model"/>.</summary>
    public static Explorer Create(LatentModel model, Dataset test)
    {
        ModelSpec spec = model.Spec;
        if (test.Channels != spec.Channels || test.Rows != spec.Height || test.Cols != spec.Width)
            throw new UsageException($"The model decodes {spec.Channels}x{spec.Height}x{spec.Width} images but {test.Name} holds {test.Channels}x{test.Rows}x{test.Cols} images; pass the data set it was trained on with --data.");
        if (test.Count == 0) throw new UsageException($"{test.Name} has no test images.");
        var worker = new ModelWorker(model);
        try
        {
            int n = Math.Min(test.Count, MaxEmbeddingPoints), d = test.Dimensions;
            float[] codes = worker.RunAsync(m => EncodeRows(m, test.Pixels.AsSpan(0, n * d).ToArray(), n)).GetAwaiter().GetResult();
            return new Explorer(model, test, worker, codes, n);
        }
        catch
        {
            worker.Dispose();
            throw;
        }
    }

    public Task<float[]> DecodeAsync(float[] z) => _worker.DecodeAsync(z);

    /// <summary>The code of test image <paramref name="index"/>. [L]</summary>
    public Task<float[]> EncodeAsync(int index)
    {
        float[] x = Test.Image(index).ToArray();
        return _worker.RunAsync(m => EncodeRows(m, x, 1));
    }

    /// <summary><paramref name="count"/> random codes, drawn on the model thread (a prior is part of the model). [count, L]</summary>
    public Task<float[]> SampleCodesAsync(int count, ulong seed)
    {
        var rng = new Rng(seed);
        return _worker.RunAsync(_ => _codeSource.Sample(count, rng));
    }

    /// <summary>The code under point (x, y) of the scatter. [L]</summary>
    public float[] CodeAt(float x, float y) => _plane.CodeAt(x, y);

    /// <summary>The PNG of one image of the model's size, [C, H, W] pixel means in [0, 1]: grey for one channel, RGB for three.</summary>
    public byte[] Png(ReadOnlySpan<float> pixels) => Imaging.Png.Encode(Image.FromPlanes(pixels, Model.Spec.Channels, Model.Spec.Height, Model.Spec.Width));

    public void Dispose() => _worker.Dispose();

    private static float[] EncodeRows(LatentModel model, float[] x, int n) =>
        model.Require<ILatentSpace>("latent serve").Encode(Tensor.FromArray(x, n, model.Spec.Dimensions)).Data.ToArray();

    private (double, double) SliderRange(int j)
    {
        double std = Math.Max(Math.Sqrt(Variances[j]), 0.05);
        double low = CodeMeans[j] - 3 * std, high = CodeMeans[j] + 3 * std;
        // A prior is where samples come from: keep its ±3 standard deviations reachable.
        if (_codeSource.IsPrior) (low, high) = (Math.Min(low, -3), Math.Max(high, 3));
        return (Math.Round(low, 2), Math.Round(high, 2));
    }
}
