namespace LatentSharp.Imaging;

/// <summary>
/// Tiles small grayscale images (rows of float pixels in [0, 1]) into one picture: a grid with a margin between
/// tiles, nearest-neighbour upscaling, and optional labels to the left of each row.
/// </summary>
public sealed class ImageGrid
{
    /// <summary>Pixels of background between tiles and around the grid.</summary>
    public int Margin { get; init; } = 2;

    /// <summary>Each image pixel becomes a Scale×Scale block.</summary>
    public int Scale { get; init; } = 2;

    public Rgb Background { get; init; } = Rgb.Gray(64);

    /// <summary>
    /// Draws <paramref name="count"/> images of <paramref name="height"/>×<paramref name="width"/> from
    /// <paramref name="pixels"/> ([count, height·width] row-major), <paramref name="columns"/> per row, in reading order.
    /// <paramref name="rowLabels"/>, when given, are drawn left of each grid row.
    /// </summary>
    public Image Render(ReadOnlySpan<float> pixels, int count, int height, int width, int columns, IReadOnlyList<string>? rowLabels = null)
    {
        if (count < 1 || height < 1 || width < 1 || columns < 1)
            throw new ArgumentException($"A grid needs at least one image and one column; got {count} images of {height}x{width} in {columns} columns.");
        if (pixels.Length != count * height * width)
            throw new ArgumentException($"{count} images of {height}x{width} need {count * height * width} values, got {pixels.Length}.");
        if (Scale < 1 || Margin < 0) throw new ArgumentException("Scale must be at least 1 and the margin non-negative.");

        int rows = (count + columns - 1) / columns;
        int tileW = width * Scale, tileH = height * Scale;
        int labelWidth = rowLabels is null ? 0 : rowLabels.Max(l => BitmapFont.MeasureText(l).Width) + 2 * Margin + 2;
        int imageW = labelWidth + columns * tileW + (columns + 1) * Margin;
        int imageH = rows * tileH + (rows + 1) * Margin;
        var canvas = new Image(imageW, imageH, rowLabels is null ? 1 : 3, Background);

        for (int i = 0; i < count; i++)
        {
            int row = i / columns, column = i % columns;
            Image tile = Image.FromFloats(pixels.Slice(i * height * width, height * width), width, height).Upscale(Scale);
            canvas.Blit(rowLabels is null ? tile : tile.ToRgb(), labelWidth + Margin + column * (tileW + Margin), Margin + row * (tileH + Margin));
        }
        if (rowLabels is not null)
        {
            for (int row = 0; row < Math.Min(rows, rowLabels.Count); row++)
            {
                int textY = Margin + row * (tileH + Margin) + (tileH - BitmapFont.GlyphHeight) / 2;
                BitmapFont.DrawText(canvas, Margin, textY, rowLabels[row], Rgb.White);
            }
        }
        return canvas;
    }
}
