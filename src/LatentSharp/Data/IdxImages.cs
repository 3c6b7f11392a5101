namespace LatentSharp.Data;

/// <summary>
/// The content of an IDX image file (magic 2051): <paramref name="Count"/> images of
/// <paramref name="Rows"/> x <paramref name="Cols"/> unsigned bytes, row-major, image after image.
/// <paramref name="Pixels"/> is [Count, Rows * Cols] row-major.
/// </summary>
public sealed record IdxImages(int Count, int Rows, int Cols, byte[] Pixels);
