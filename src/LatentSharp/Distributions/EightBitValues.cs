using LatentSharp.Tensors;

namespace LatentSharp.Distributions;

/// <summary>The 8-bit values of images given as intensities x = v/255 in [0, 1].</summary>
internal static class EightBitValues
{
    public const int Count = 256;

    /// <summary>v = round(255·x), clamped to [0, 255], per sub-pixel. [B, D] → B·D bytes</summary>
    public static byte[] Of(Tensor x)
    {
        float[] data = x.Data;
        var values = new byte[x.Length];
        for (int i = 0; i < values.Length; i++) values[i] = (byte)Math.Clamp(MathF.Round(data[i] * 255f), 0f, 255f);
        return values;
    }

    /// <summary>D, the sub-pixels per image, for decoder outputs of <paramref name="perValue"/> numbers per sub-pixel; throws unless [N, perValue·D].</summary>
    public static int Dimensions(Tensor output, int perValue, string likelihood)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Rank != 2 || output.Dim(1) == 0 || output.Dim(1) % perValue != 0)
            throw new ArgumentException($"The {likelihood} likelihood takes {perValue} decoder outputs per sub-pixel, [B, {perValue}·D]; got {output}.", nameof(output));
        return output.Dim(1) / perValue;
    }

    /// <summary>Checks that images x [B, D] and decoder outputs [S·B, perValue·D] belong together; returns the values of x.</summary>
    public static byte[] Checked(Tensor x, Tensor output, int perValue, string likelihood)
    {
        IObservationModel.DrawsPerImage(x, output);
        int d = Dimensions(output, perValue, likelihood);
        if (x.Dim(1) != d)
            throw new ArgumentException($"The {likelihood} likelihood's decoder output {output} holds {perValue} numbers for each of {d} sub-pixels, but the images {x} have {x.Dim(1)}.", nameof(x));
        return Of(x);
    }
}
