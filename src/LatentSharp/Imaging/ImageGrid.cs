namespace LatentSharp.Imaging;

/// <summary>
/// Tiles small images (rows of float pixels in [0, 1], grey or colour) into one picture: a grid with a margin between
/// tiles, nearest-neighbour upscaling, and optional labels to the left of each row.
/// </summary>
public sealed class ImageGrid
{
    /// <summary>Pixels of background between tiles and around the grid.</summary>
    public int Margin { get; init; } = 2;

    /// <summary>Each image pixel becomes a Scale×Scale block.</summary>
    public int Scale { get; init; } = 2;

    /// <summary>The colour of the margins and of the space around labels.</summary>
    public Rgb Background { get; init; } = Rgb.Gray(64);

    /// <summary>A line of text above the grid (and above the column labels); null for none.</summary>
    public string? Title { get; init; }

    /// <summary>
    /// Draws <paramref name="count"/> grey images of <paramref name="height"/>×<paramref name="width"/> from
    /// <paramref name="pixels"/> ([count, height·width] row-major); otherwise as the overload with channels.
    /// </summary>
    public Image Render(ReadOnlySpan<float> pixels, int count, int height, int width, int columns,
        IReadOnlyList<string>? rowLabels = null, IReadOnlyList<string>? columnLabels = null) =>
        Render(pixels, count, 1, height, width, columns, rowLabels, columnLabels);

    /// <summary>
    /// Draws <paramref name="count"/> images of <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/>
    /// from <paramref name="pixels"/> ([count, C·H·W], each image channel-planar [C, H, W] as data sets hold them; C = 1
    /// grey, C = 3 red, green, blue), <paramref name="columns"/> per row, in reading order. <paramref name="rowLabels"/>,
    /// when given, are drawn left of each grid row, <paramref name="columnLabels"/> centred above each column. The picture is
    /// grayscale for grey images without any text, RGB otherwise.
    /// </summary>
    public Image Render(ReadOnlySpan<float> pixels, int count, int channels, int height, int width, int columns,
        IReadOnlyList<string>? rowLabels = null, IReadOnlyList<string>? columnLabels = null)
    {
        if (count < 1 || height < 1 || width < 1 || columns < 1)
            throw new ArgumentException($"A grid needs at least one image and one column; got {count} images of {height}x{width} in {columns} columns.");
        if (channels is not (1 or 3)) throw new ArgumentException($"A grid draws grey (1 channel) or RGB (3 channels) images, not {channels} channels.", nameof(channels));
        int d = channels * height * width;
        if (pixels.Length != (long)count * d)
            throw new ArgumentException($"{count} images of {Shape(channels, height, width)} need {(long)count * d} values, got {pixels.Length}.");
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
        bool colour = text || channels == 3;
        var canvas = new Image(imageW, imageH, colour ? 3 : 1, Background);

        for (int i = 0; i < count; i++)
        {
            int row = i / columns, column = i % columns;
            Image tile = Image.FromPlanes(pixels.Slice(i * d, d), channels, height, width).Upscale(Scale);
            canvas.Blit(tile, labelWidth + Margin + column * (tileW + Margin), gridTop + Margin + row * (tileH + Margin));
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

    /// <summary>"28x28" for grey images, "3x32x32" with channels.</summary>
    private static string Shape(int channels, int height, int width) => channels == 1 ? $"{height}x{width}" : $"{channels}x{height}x{width}";
}
