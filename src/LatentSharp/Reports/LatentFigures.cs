using System.Globalization;
using LatentSharp.Data;
using LatentSharp.Evaluation;
using LatentSharp.Imaging;
using LatentSharp.Models;
using LatentSharp.Tensors;
using MathNet.Numerics.Distributions;

namespace LatentSharp.Reports;

/// <summary>A path between two latent codes.</summary>
public enum InterpolationPath
{
    /// <summary>(1 − t)·z₀ + t·z₁.</summary>
    Linear,

    /// <summary>Spherical (slerp, White 2016): along the great circle between z₀ and z₁, which keeps the code's norm where
    /// the prior puts its mass instead of cutting through the low-density centre.</summary>
    Spherical,
}

/// <summary>
/// The pictures that show what a latent space means: codes of a data set, interpolation strips, traversals of single
/// dimensions, edits, the embedding scatter and the decoded manifold. Shapes: <c>N</c> images, <c>D</c> = C·H·W values
/// per image (channel-planar, C the model's <see cref="ModelSpec.Channels"/>: grey or colour), <c>L</c> latent dimensions. Codes are the model's <see cref="ILatentSpace.Encode"/>: the posterior mean for a VAE.
/// Every figure here needs a model with a latent space, and refuses another with <see cref="UnsupportedByModelException"/>.
/// </summary>
public static class LatentFigures
{
    private const int EncodeBatch = 1000;

    /// <summary>Traversals show every dimension up to this latent size, and the most active ones beyond it.</summary>
    public const int DefaultTraversalRows = 10;

    /// <summary>The codes of the first <paramref name="count"/> images of <paramref name="data"/> (all when null): [N, L].</summary>
    public static float[] Codes(LatentModel model, Dataset data, int? count = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ILatentSpace space = model.Require<ILatentSpace>("Encoding images");
        int n = Math.Min(count ?? data.Count, data.Count), d = data.Dimensions, l = space.LatentSize;
        var codes = new float[n * l];
        using var _ = Tensor.NoGrad();
        for (int start = 0; start < n; start += EncodeBatch)
        {
            int b = Math.Min(EncodeBatch, n - start);
            Tensor z = space.Encode(Tensor.CopyOf(data.Pixels.AsSpan(start * d, b * d), b, d));   // [b, L]
            z.Data.AsSpan(0, b * l).CopyTo(codes.AsSpan(start * l));
        }
        return codes;
    }

    /// <summary>
    /// The <paramref name="k"/> dimensions whose code varies most over the data (the activity statistic of
    /// <see cref="ActiveUnits"/>), most active first; ties keep the lower index first.
    /// </summary>
    public static int[] MostActiveDimensions(float[] codes, int n, int latentSize, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, latentSize);
        var activity = new ActiveUnits(latentSize);
        activity.Add(Tensor.FromArray(codes.AsSpan(0, n * latentSize).ToArray(), n, latentSize));
        double[] variances = activity.Variances();
        return Enumerable.Range(0, latentSize).OrderByDescending(j => variances[j]).ThenBy(j => j).Take(k).ToArray();
    }

    /// <summary>Dimensions a traversal shows by default: all of them when L ≤ <see cref="DefaultTraversalRows"/>, else the most active ones.</summary>
    public static int[] DefaultTraversalDimensions(float[] codes, int n, int latentSize) =>
        latentSize <= DefaultTraversalRows
            ? Enumerable.Range(0, latentSize).ToArray()
            : MostActiveDimensions(codes, n, latentSize, DefaultTraversalRows);

    /// <summary>
    /// <paramref name="steps"/> codes from <paramref name="from"/> to <paramref name="to"/> (both included): [steps, L].
    /// The spherical path falls back to the linear one when the two codes are (anti)parallel or one is zero.
    /// </summary>
    public static float[] Interpolate(ReadOnlySpan<float> from, ReadOnlySpan<float> to, int steps, InterpolationPath path)
    {
        if (from.Length != to.Length) throw new ArgumentException($"Codes of {from.Length} and {to.Length} dimensions cannot be interpolated.");
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        int l = from.Length;
        double dot = 0, normFrom = 0, normTo = 0;
        for (int j = 0; j < l; j++)
        {
            dot += from[j] * (double)to[j];
            normFrom += from[j] * (double)from[j];
            normTo += to[j] * (double)to[j];
        }
        double omega = Math.Acos(Math.Clamp(dot / Math.Sqrt(normFrom * normTo), -1, 1));
        bool linear = path == InterpolationPath.Linear || normFrom == 0 || normTo == 0 || !double.IsFinite(omega) || Math.Sin(omega) < 1e-6;

        var result = new float[steps * l];
        for (int s = 0; s < steps; s++)
        {
            double t = s / (double)(steps - 1);
            double a = linear ? 1 - t : Math.Sin((1 - t) * omega) / Math.Sin(omega);
            double b = linear ? t : Math.Sin(t * omega) / Math.Sin(omega);
            for (int j = 0; j < l; j++) result[s * l + j] = (float)(a * from[j] + b * to[j]);
        }
        return result;
    }

    /// <summary>
    /// One row per path: the image <paramref name="from"/>, the decoded codes of <paramref name="steps"/> points on the path
    /// between the two images' codes (both ends included), and the image <paramref name="to"/>.
    /// </summary>
    public static Image Interpolation(LatentModel model, ReadOnlySpan<float> from, ReadOnlySpan<float> to, int steps,
        IReadOnlyList<InterpolationPath> paths, int height, int width, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0) throw new ArgumentException("At least one interpolation path is needed.", nameof(paths));
        int d = from.Length, l = LatentSize(model), columns = steps + 2;
        float[] ends = [.. from, .. to];
        float[] codes = Encode(model, ends, 2, d);   // [2, L]

        var pixels = new float[paths.Count * columns * d];
        for (int p = 0; p < paths.Count; p++)
        {
            float[] decoded = Decode(model, Interpolate(codes.AsSpan(0, l), codes.AsSpan(l, l), steps, paths[p]), steps);   // [steps, D]
            Span<float> row = pixels.AsSpan(p * columns * d, columns * d);
            from.CopyTo(row);
            decoded.CopyTo(row[d..]);
            to.CopyTo(row[((columns - 1) * d)..]);
        }
        string[] columnLabels = ["from", .. Enumerable.Range(0, steps).Select(s => Number(s / (double)(steps - 1))), "to"];
        string[] rowLabels = paths.Select(p => p == InterpolationPath.Linear ? "linear" : "slerp").ToArray();
        return new ImageGrid { Title = title }.Render(pixels, paths.Count * columns, model.Spec.Channels, height, width, columns, rowLabels, columnLabels);
    }

    /// <summary>
    /// The traversal grid: <paramref name="image"/> is encoded, and for each of <paramref name="dimensions"/> (one row,
    /// labelled "z3") that dimension is set to centre + k·scale of <paramref name="frame"/> for <paramref name="steps"/>
    /// values of k evenly spaced in [−range, range] while the others keep their code; the first column is the image itself.
    /// </summary>
    public static Image Traversal(LatentModel model, ReadOnlySpan<float> image, IReadOnlyList<int> dimensions, LatentFrame frame,
        double range, int steps, int height, int width, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(frame);
        int d = image.Length, l = LatentSize(model);
        CheckDimensions(dimensions, l);
        if (dimensions.Count == 0) throw new ArgumentException("A traversal needs at least one dimension.", nameof(dimensions));
        if (!(range > 0) || !double.IsFinite(range)) throw new ArgumentOutOfRangeException(nameof(range), range, "The range must be a positive number.");
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        if (frame.LatentSize != l) throw new ArgumentException($"The frame has {frame.LatentSize} dimensions, the model {l}.", nameof(frame));

        float[] code = Encode(model, image.ToArray(), 1, d);   // [1, L]
        double[] ks = Enumerable.Range(0, steps).Select(s => -range + 2 * range * s / (steps - 1)).ToArray();
        var codes = new float[dimensions.Count * steps * l];
        for (int r = 0; r < dimensions.Count; r++)
            for (int s = 0; s < steps; s++)
            {
                Span<float> z = codes.AsSpan((r * steps + s) * l, l);
                code.CopyTo(z);
                int j = dimensions[r];
                z[j] = (float)(frame.Center[j] + ks[s] * frame.Scale[j]);
            }
        float[] decoded = Decode(model, codes, dimensions.Count * steps);

        int columns = steps + 1;
        var pixels = new float[dimensions.Count * columns * d];
        for (int r = 0; r < dimensions.Count; r++)
        {
            image.CopyTo(pixels.AsSpan(r * columns * d));
            decoded.AsSpan(r * steps * d, steps * d).CopyTo(pixels.AsSpan((r * columns + 1) * d));
        }
        string[] rowLabels = dimensions.Select(j => "z" + j.ToString(CultureInfo.InvariantCulture)).ToArray();
        string[] columnLabels = ["input", .. ks.Select(Number)];
        return new ImageGrid { Title = title }.Render(pixels, dimensions.Count * columns, model.Spec.Channels, height, width, columns, rowLabels, columnLabels);
    }

    /// <summary>
    /// <paramref name="image"/>, its reconstruction, and the decoding of its code with the dimensions in
    /// <paramref name="values"/> set to the given values (in latent units), side by side.
    /// </summary>
    public static Image Edit(LatentModel model, ReadOnlySpan<float> image, IReadOnlyDictionary<int, float> values, int height, int width, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(values);
        int d = image.Length, l = LatentSize(model);
        CheckDimensions(values.Keys.ToList(), l);
        float[] code = Encode(model, image.ToArray(), 1, d);
        float[] edited = (float[])code.Clone();
        foreach (var (j, v) in values) edited[j] = v;
        float[] decoded = Decode(model, [.. code, .. edited], 2);   // [2, D]: reconstruction, edit
        float[] pixels = [.. image, .. decoded];
        string edits = string.Join(", ", values.OrderBy(kv => kv.Key).Select(kv => $"z{kv.Key.ToString(CultureInfo.InvariantCulture)}={Number(kv.Value)}"));
        return new ImageGrid { Title = title ?? edits }.Render(pixels, 3, model.Spec.Channels, height, width, 3, columnLabels: ["input", "recon", "edited"]);
    }

    /// <summary>
    /// The embedding scatter: <paramref name="codes"/> ([N, L]) coloured by <paramref name="labels"/>. Two-dimensional codes
    /// are plotted as they are; more dimensions are projected on their first two principal components (the axis labels
    /// say how much variance each keeps); one dimension is plotted against 0.
    /// </summary>
    public static Image Embedding(float[] codes, int n, int latentSize, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames, string title)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (n < 1) throw new ArgumentException("The embedding needs at least one code.", nameof(n));
        if (latentSize > 2 && n < 2) throw new ArgumentException("Projecting codes with PCA needs at least two of them.", nameof(n));
        var plane = LatentPlane.Fit(codes, n, latentSize);
        float[] points = plane.Project(codes, n);
        string xLabel = plane.XLabel, yLabel = plane.YLabel;
        // A fixed shuffle, so no class is painted over all the others just because it comes last.
        int[] drawOrder = new Rng(0x5CA77E5).Permutation(n);
        return new ScatterPlot { Title = title, XLabel = xLabel, YLabel = yLabel }.Render(points, labels, classNames, drawOrder);
    }

    /// <summary>As <see cref="Embedding(float[], int, int, ReadOnlySpan{int}, IReadOnlyList{string}, string)"/>, as an SVG document with real text.</summary>
    public static string EmbeddingSvg(float[] codes, int n, int latentSize, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames, string title)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (n < 1) throw new ArgumentException("The embedding needs at least one code.", nameof(n));
        if (latentSize > 2 && n < 2) throw new ArgumentException("Projecting codes with PCA needs at least two of them.", nameof(n));
        var plane = LatentPlane.Fit(codes, n, latentSize);
        float[] points = plane.Project(codes, n);
        int[] drawOrder = new Rng(0x5CA77E5).Permutation(n);
        return new SvgScatterPlot { Title = title, XLabel = plane.XLabel, YLabel = plane.YLabel }.Render(points, labels, classNames, drawOrder);
    }

    /// <summary>
    /// The embedding scatter of the codes of the first <paramref name="count"/> images of <paramref name="data"/> (all when
    /// null), coloured by their labels (one colour for unlabelled data).
    /// </summary>
    public static Image Embedding(LatentModel model, Dataset data, int? count = null)
    {
        float[] codes = Codes(model, data, count);
        int l = LatentSize(model), n = codes.Length / l;
        int[] labels = data.HasLabels ? data.Labels.AsSpan(0, n).ToArray() : new int[n];
        IReadOnlyList<string> names = data.HasLabels ? data.ClassNames : ["images"];
        string what = model.Has<IHasPrior>() ? "posterior means" : "codes";
        return Embedding(codes, n, l, labels, names, $"{data.Name}: {what} of {n} images");
    }

    /// <summary>As <see cref="Embedding(LatentModel, Dataset, int?)"/>, as an SVG document with real text.</summary>
    public static string EmbeddingSvg(LatentModel model, Dataset data, int? count = null)
    {
        float[] codes = Codes(model, data, count);
        int l = LatentSize(model), n = codes.Length / l;
        int[] labels = data.HasLabels ? data.Labels.AsSpan(0, n).ToArray() : new int[n];
        IReadOnlyList<string> names = data.HasLabels ? data.ClassNames : ["images"];
        string what = model.Has<IHasPrior>() ? "posterior means" : "codes";
        return EmbeddingSvg(codes, n, l, labels, names, $"{data.Name}: {what} of {n} images");
    }

    /// <summary>The plane a manifold shows by default: z0 and z1 for a 2-D latent, else the two most active dimensions.</summary>
    public static (int X, int Y) DefaultManifoldDimensions(float[] codes, int n, int latentSize)
    {
        if (latentSize < 2) throw new ArgumentException($"The manifold needs a latent space of at least 2 dimensions; this model has {latentSize}.");
        if (latentSize == 2) return (0, 1);
        int[] top = MostActiveDimensions(codes, n, latentSize, 2);
        return (top[0], top[1]);
    }

    /// <summary>
    /// The decoded manifold: a <paramref name="steps"/>×<paramref name="steps"/> grid of codes in the plane of dimensions
    /// <paramref name="dimX"/> (left to right) and <paramref name="dimY"/> (bottom to top, as in the embedding scatter),
    /// at centre + scale·Φ⁻¹(q) of <paramref name="frame"/> for the quantiles q = (i + ½)/steps, so that each cell holds an
    /// equal share of the prior's mass. The other dimensions stay at their centre (0 under the standard normal prior).
    /// </summary>
    public static Image Manifold(LatentModel model, LatentFrame frame, int steps, int dimX, int dimY, int height, int width, string? title = null)
    {
        float[] decoded = ManifoldCodesDecoded(model, frame, steps, dimX, dimY, out _);
        var grid = new ImageGrid { Title = title, Margin = 0, Scale = steps > 12 ? 1 : 2 };
        return grid.Render(decoded, steps * steps, model.Spec.Channels, height, width, steps);
    }

    /// <summary>
    /// The manifold of <see cref="Manifold"/> as an SVG document: the grid of decoded images (embedded as a PNG) with
    /// the latent values of its columns along the x axis (z<paramref name="dimX"/>) and of its rows along the y axis
    /// (z<paramref name="dimY"/>), at most about eight values per axis.
    /// </summary>
    public static string ManifoldSvg(LatentModel model, LatentFrame frame, int steps, int dimX, int dimY, int height, int width, string? title = null)
    {
        float[] decoded = ManifoldCodesDecoded(model, frame, steps, dimX, dimY, out double[] quantiles);
        Image grid = new ImageGrid { Margin = 0, Scale = 1 }.Render(decoded, steps * steps, model.Spec.Channels, height, width, steps);
        // Ticks at the centres of every k-th cell, the middle one included, so that the labels do not run together.
        int every = (steps + 7) / 8;
        AxisTick[] Ticks(int dim) => Enumerable.Range(0, steps).Where(i => (i - (steps - 1) / 2) % every == 0)
            .Select(i => new AxisTick((i + 0.5) / steps, Number(frame.Center[dim] + frame.Scale[dim] * quantiles[i]))).ToArray();
        string Axis(int dim) => "z" + dim.ToString(CultureInfo.InvariantCulture);
        var plot = new SvgImagePlot { Title = title ?? "", XLabel = Axis(dimX), YLabel = Axis(dimY), Scale = steps > 12 ? 1 : 2 };
        return plot.Render(grid, Ticks(dimX), Ticks(dimY));
    }

    /// <summary>The decoded grid of <see cref="Manifold"/>, [steps · steps, D] with the top row first, and its standard-normal quantiles.</summary>
    private static float[] ManifoldCodesDecoded(LatentModel model, LatentFrame frame, int steps, int dimX, int dimY, out double[] quantiles)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(frame);
        int l = LatentSize(model);
        if (l < 2) throw new ArgumentException($"The manifold needs a latent space of at least 2 dimensions; this model has {l}.");
        CheckDimensions([dimX, dimY], l);
        if (dimX == dimY) throw new ArgumentException($"The manifold needs two different dimensions, got z{dimX} twice.");
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);

        double[] q = Enumerable.Range(0, steps).Select(i => Normal.InvCDF(0, 1, (i + 0.5) / steps)).ToArray();
        var codes = new float[steps * steps * l];
        for (int row = 0; row < steps; row++)
            for (int column = 0; column < steps; column++)
            {
                Span<float> z = codes.AsSpan((row * steps + column) * l, l);
                for (int j = 0; j < l; j++) z[j] = (float)frame.Center[j];
                z[dimX] = (float)(frame.Center[dimX] + frame.Scale[dimX] * q[column]);
                z[dimY] = (float)(frame.Center[dimY] + frame.Scale[dimY] * q[steps - 1 - row]);   // top row: largest value
            }
        quantiles = q;
        return Decode(model, codes, steps * steps);
    }

    /// <summary>
    /// Decoder means of prior draws over the same draws' pixels sampled from the likelihood p(x | z), in alternating
    /// rows "mean" and "drawn" (a Bernoulli decoder draws 0/1 pixels; a Gaussian one adds its noise, clamped to [0, 1]).
    /// The draws of z are those <see cref="Figures.Samples"/> makes with the same seed.
    /// </summary>
    public static Image SamplesWithPixelDraws(LatentModel model, int count, Rng rng, int columns = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        IHasPrior generative = model.Require<IHasPrior>("Drawing pixels from the likelihood");
        model.RequireUnconditional("Drawing pixels from the likelihood");
        columns = Math.Min(columns, count);
        int rows = Math.Max(1, count / columns), d = model.Spec.Dimensions;
        count = rows * columns;
        float[] means, drawn;
        using (Tensor.NoGrad())
        {
            Tensor z = generative.SamplePrior(count, rng);
            means = generative.Decode(z).Data;            // [count, D]
            drawn = generative.DrawPixels(z, rng).Data;
        }
        var pixels = new float[2 * count * d];
        int rowLength = columns * d;
        for (int r = 0; r < rows; r++)
        {
            means.AsSpan(r * rowLength, rowLength).CopyTo(pixels.AsSpan(2 * r * rowLength));
            drawn.AsSpan(r * rowLength, rowLength).CopyTo(pixels.AsSpan((2 * r + 1) * rowLength));
        }
        string[] labels = Enumerable.Range(0, 2 * rows).Select(r => r % 2 == 0 ? "mean" : "drawn").ToArray();
        return new ImageGrid().Render(pixels, 2 * count, model.Spec.Channels, model.Spec.Height, model.Spec.Width, columns, labels);
    }

    /// <summary>
    /// One row per class, labelled with its name: the seam for conditional models (a conditional VAE samples p(x | z, y)).
    /// <paramref name="sampleClass"/>(label, n) returns n grey images of that class as [n, height·width] pixels in [0, 1].
    /// </summary>
    public static Image SamplesByClass(Func<int, int, float[]> sampleClass, IReadOnlyList<string> classNames, int perClass, int height, int width) =>
        SamplesByClass(sampleClass, classNames, perClass, 1, height, width);

    /// <summary>As the overload for grey images, with images of <paramref name="channels"/> × height × width, each channel-planar.</summary>
    public static Image SamplesByClass(Func<int, int, float[]> sampleClass, IReadOnlyList<string> classNames, int perClass, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(sampleClass);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(perClass, 1);
        if (classNames.Count == 0) throw new ArgumentException("Sampling by class needs at least one class.", nameof(classNames));
        int d = channels * height * width;
        var pixels = new float[classNames.Count * perClass * d];
        for (int c = 0; c < classNames.Count; c++)
        {
            float[] images = sampleClass(c, perClass);
            if (images.Length != perClass * d)
                throw new ArgumentException($"Class {c} gave {images.Length} values; {perClass} images of {(channels == 1 ? "" : $"{channels}x")}{height}x{width} need {perClass * d}.");
            images.CopyTo(pixels, c * perClass * d);
        }
        return new ImageGrid().Render(pixels, classNames.Count * perClass, channels, height, width, perClass, classNames);
    }

    /// <summary>The first index after <paramref name="index"/> (wrapping) whose label differs, or the next index when all agree.</summary>
    public static int OtherClassIndex(Dataset data, int index)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count < 2) return index;
        for (int k = 1; k < data.Count && data.HasLabels; k++)
        {
            int i = (index + k) % data.Count;
            if (data.Labels[i] != data.Labels[index]) return i;
        }
        return (index + 1) % data.Count;
    }

    /// <summary>"image 12 (Trouser)": how figures name a data set's image.</summary>
    public static string Describe(Dataset data, int index)
    {
        ArgumentNullException.ThrowIfNull(data);
        string text = "image " + index.ToString(CultureInfo.InvariantCulture);
        return data.HasLabels ? $"{text} ({data.ClassNames[data.Labels[index]]})" : text;
    }

    private static int LatentSize(LatentModel model) => model.Require<ILatentSpace>("A latent-space figure").LatentSize;

    private static float[] Encode(LatentModel model, float[] pixels, int n, int d)
    {
        if (d != model.Spec.Dimensions)
            throw new ArgumentException($"The model takes images of {model.Spec.Channels}x{model.Spec.Height}x{model.Spec.Width} ({model.Spec.Dimensions} values), got {d} values.");
        using var _ = Tensor.NoGrad();
        return model.Require<ILatentSpace>("A latent-space figure").Encode(Tensor.FromArray(pixels, n, d)).Data;
    }

    private static float[] Decode(LatentModel model, float[] codes, int n)
    {
        ILatentSpace space = model.Require<ILatentSpace>("A latent-space figure");
        using var _ = Tensor.NoGrad();
        return space.Decode(Tensor.FromArray(codes, n, space.LatentSize)).Data;
    }

    private static void CheckDimensions(IReadOnlyList<int> dimensions, int latentSize)
    {
        foreach (int j in dimensions)
            if ((uint)j >= (uint)latentSize)
                throw new ArgumentException($"Latent dimension {j} does not exist: the model has {latentSize} (0 to {latentSize - 1}).");
    }

    private static string Number(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
