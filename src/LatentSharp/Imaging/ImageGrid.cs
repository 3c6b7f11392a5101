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

    /// <summary>A line of text above the grid (and above the column labels); null for none.</summary>
    public string? Title { get; init; }

    /// <summary>
    /// Draws <paramref name="count"/> images of <paramref name="height"/>×<paramref name="width"/> from
    /// <paramref name="pixels"/> ([count, height·width] row-major), <paramref name="columns"/> per row, in reading order.
    /// <paramref name="rowLabels"/>, when given, are drawn left of each grid row, <paramref name="columnLabels"/> centred
    /// above each column. The picture is grayscale without any text, RGB with it.
    /// </summary>
    public Image Render(ReadOnlySpan<float> pixels, int count, int height, int width, int columns,
        IReadOnlyList<string>? rowLabels = null, IReadOnlyList<string>? columnLabels = null)
    {
        if (count < 1 || height < 1 || width < 1 || columns < 1)
            throw new ArgumentException($"A grid needs at least one image and one column; got {count} images of {height}x{width} in {columns} columns.");
        if (pixels.Length != count * height * width)
            throw new ArgumentException($"{count} images of {height}x{width} need {count * height * width} values, got {pixels.Length}.");
        if (Scale < 1 || Margin < 0) throw new ArgumentException("Scale must be at least 1 and the margin non-negative.");

        int rows = (count + columns - 1) / columns;
        int tileW = width * Scale, tileH = height * Scale;
        bool text = rowLabels is not null || columnLabels is not null || Title is not null;
        int labelWidth = rowLabels is null || rowLabels.Count == 0 ? 0 : rowLabels.Max(l => BitmapFont.MeasureText(l).Width) + 2 * Margin + 2;
        int titleHeight = Title is null ? 0 : BitmapFont.MeasureText(Title).Height + 6;
        int columnLabelHeight = columnLabels is null ? 0 : BitmapFont.GlyphHeight + 4;
        int gridTop = titleHeight + columnLabelHeight;
        int imageW = labelWidth + columns * tileW + (columns + 1) * Margin;
        if (Title is not null) imageW = Math.Max(imageW, BitmapFont.MeasureText(Title).Width + 8);
        int imageH = gridTop + rows * tileH + (rows + 1) * Margin;
        var canvas = new Image(imageW, imageH, text ? 3 : 1, Background);

        for (int i = 0; i < count; i++)
        {
            int row = i / columns, column = i % columns;
            Image tile = Image.FromFloats(pixels.Slice(i * height * width, height * width), width, height).Upscale(Scale);
            canvas.Blit(text ? tile.ToRgb() : tile, labelWidth + Margin + column * (tileW + Margin), gridTop + Margin + row * (tileH + Margin));
        }
        if (rowLabels is not null)
        {
            for (int row = 0; row < Math.Min(rows, rowLabels.Count); row++)
            {
                int textY = gridTop + Margin + row * (tileH + Margin) + (tileH - BitmapFont.GlyphHeight) / 2;
                BitmapFont.DrawText(canvas, Margin, textY, rowLabels[row], Rgb.White);
            }
        }
        if (columnLabels is not null)
        {
            for (int column = 0; column < Math.Min(columns, columnLabels.Count); column++)
            {
                int centre = labelWidth + Margin + column * (tileW + Margin) + tileW / 2;
                BitmapFont.DrawText(canvas, centre - BitmapFont.MeasureText(columnLabels[column]).Width / 2, titleHeight + 2, columnLabels[column], Rgb.White);
            }
        }
        if (Title is not null) BitmapFont.DrawText(canvas, 4, 3, Title, Rgb.White);
        return canvas;
    }
}
