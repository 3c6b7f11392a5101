namespace LatentSharp.Data;

/// <summary>How pixel intensities p in [0, 1] become the {0, 1} data a Bernoulli decoder models.</summary>
public enum Binarization
{
    /// <summary>Pixels stay intensities in [0, 1].</summary>
    None,

    /// <summary>One seeded Bernoulli(p) draw per pixel, made once; every epoch sees the same binary images.</summary>
    Static,

    /// <summary>A fresh Bernoulli(p) draw per pixel each time an image is put into a batch.</summary>
    Dynamic,
}
