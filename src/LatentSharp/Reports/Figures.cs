using LatentSharp.Data;
using LatentSharp.Imaging;
using LatentSharp.Models;
using LatentSharp.Tensors;

namespace LatentSharp.Reports;

/// <summary>The standard pictures of a trained model: decoded prior samples, and test images over their reconstructions.</summary>
public static class Figures
{
    /// <summary>The file name of the samples figure.</summary>
    public const string SamplesFile = "samples.png";
    /// <summary>The file name of the reconstructions figure.</summary>
    public const string ReconstructionsFile = "reconstructions.png";

    /// <summary>
    /// <paramref name="count"/> images the model draws (<see cref="IGenerative"/>: decoder means of prior draws for a VAE).
    /// A model without a prior (the autoencoder) decodes draws from a diagonal Gaussian fitted to the codes of
    /// <paramref name="codesFrom"/> (<see cref="CodeSource"/>), which shows how far an autoencoder's code space is from a
    /// generative model. A conditional model draws one row per class.
    /// </summary>
    public static Image Samples(LatentModel model, int count, Rng rng, Dataset codesFrom, int columns = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var _ = Tensor.NoGrad();
        if (model.As<IConditional>() is { } conditional)
        {
            string[] names = Enumerable.Range(0, conditional.Classes).Select(c => c < codesFrom.ClassNames.Length ? codesFrom.ClassNames[c] : c.ToString()).ToArray();
            return LatentFigures.SamplesByClass(
                (label, n) => conditional.SampleConditional(Enumerable.Repeat(label, n).ToArray(), rng).Data,
                names, columns, model.Spec.Channels, model.Spec.Height, model.Spec.Width);
        }
        Tensor images = model.As<IGenerative>() is { } generative
            ? generative.Sample(count, rng)
            : FittedGaussianSamples(model, codesFrom, count, rng);
        return new ImageGrid().Render(images.Data, count, model.Spec.Channels, model.Spec.Height, model.Spec.Width, columns);
    }

    /// <summary>
    /// The first images of <paramref name="data"/> over their reconstructions: rows of originals ("data") alternate
    /// with rows of reconstructions ("recon"). <paramref name="count"/> is rounded down to whole rows.
    /// </summary>
    public static Image Reconstructions(LatentModel model, Dataset data, int count = 32, int columns = 8)
    {
        columns = Math.Min(columns, data.Count);
        int rows = Math.Max(1, Math.Min(count, data.Count) / columns);
        count = rows * columns;
        int d = data.Dimensions;
        float[] originals = data.Pixels.AsSpan(0, count * d).ToArray();
        float[] reconstructed;
        ILatentSpace space = model.Require<ILatentSpace>("The reconstructions figure");
        Tensor? condition = model.Condition(data.Labels.AsSpan(0, Math.Min(count, data.Labels.Length)).ToArray());
        using (Tensor.NoGrad()) reconstructed = space.Reconstruct(Tensor.FromArray(originals, count, d), condition).Data;

        int rowLength = columns * d;
        var interleaved = new float[2 * count * d];
        for (int row = 0; row < rows; row++)
        {
            originals.AsSpan(row * rowLength, rowLength).CopyTo(interleaved.AsSpan(2 * row * rowLength));
            reconstructed.AsSpan(row * rowLength, rowLength).CopyTo(interleaved.AsSpan((2 * row + 1) * rowLength));
        }
        string[] labels = Enumerable.Range(0, 2 * rows).Select(r => r % 2 == 0 ? "data" : "recon").ToArray();
        return new ImageGrid().Render(interleaved, 2 * count, data.Channels, data.Rows, data.Cols, columns, labels);
    }

    /// <summary>
    /// Writes samples.png and reconstructions.png into <paramref name="directory"/>; a model without a latent space
    /// (the PixelCNN) has no reconstructions, so only samples.png.
    /// </summary>
    public static void WriteSamplesAndReconstructions(LatentModel model, Dataset test, string directory, ulong seed)
    {
        model.Eval();
        Png.Write(Path.Combine(directory, SamplesFile), Samples(model, 64, new Rng(seed), test));
        if (model.Has<ILatentSpace>()) Png.Write(Path.Combine(directory, ReconstructionsFile), Reconstructions(model, test));
    }

    /// <summary>Decoded draws from a Gaussian fitted to the codes of the first 1,000 images of <paramref name="data"/>. [count, D]</summary>
    private static Tensor FittedGaussianSamples(LatentModel model, Dataset data, int count, Rng rng)
    {
        ILatentSpace space = model.Require<ILatentSpace>("The samples figure");
        int n = Math.Min(1000, data.Count);
        float[] codes = space.Encode(Tensor.FromArray(data.Pixels.AsSpan(0, n * data.Dimensions).ToArray(), n, data.Dimensions)).Data;
        float[] draws = CodeSource.For(model, codes, n).Sample(count, rng);
        return space.Decode(Tensor.FromArray(draws, count, space.LatentSize));
    }
}
