using System.Text;
using LatentSharp.Imaging.Internal;

namespace LatentSharp.Imaging;

/// <summary>
/// A self-contained HTML page built section by section: headings, paragraphs, tables and preformatted text are
/// HTML-escaped; PNG images are embedded as base64 data URIs; SVG charts and figures (<see cref="SvgLinePlot"/>, <see cref="SvgScatterPlot"/>,
/// <see cref="SvgImagePlot"/>) are inlined.
/// Nothing refers to another file, so the page can be mailed or archived alone.
/// </summary>
public sealed class HtmlReport(string title)
{
    private readonly StringBuilder _body = new();

    /// <summary>The page title, in the browser's title bar and as the page's top heading.</summary>
    public string Title { get; } = title ?? throw new ArgumentNullException(nameof(title));

    /// <summary>Appends an escaped section heading.</summary>
    public HtmlReport Heading(string text)
    {
        _body.Append("<h2>").Append(Markup.Escape(text)).Append("</h2>\n");
        return this;
    }

    /// <summary>Appends an escaped paragraph.</summary>
    public HtmlReport Paragraph(string text)
    {
        _body.Append("<p>").Append(Markup.Escape(text)).Append("</p>\n");
        return this;
    }

    /// <summary>Appends escaped text in a fixed-width block, line breaks kept.</summary>
    public HtmlReport Preformatted(string text)
    {
        _body.Append("<pre>").Append(Markup.Escape(text)).Append("</pre>\n");
        return this;
    }

    /// <summary>A table with a header row (left out when every header cell is empty); every cell is escaped.</summary>
    public HtmlReport Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        _body.Append("<table>\n");
        if (header.Any(h => h.Length != 0))
        {
            _body.Append("<tr>");
            foreach (string h in header) _body.Append("<th>").Append(Markup.Escape(h)).Append("</th>");
            _body.Append("</tr>\n");
        }
        foreach (var row in rows)
        {
            _body.Append("<tr>");
            foreach (string cell in row) _body.Append("<td>").Append(Markup.Escape(cell)).Append("</td>");
            _body.Append("</tr>\n");
        }
        _body.Append("</table>\n");
        return this;
    }

    /// <summary>The image as an inline PNG with <paramref name="caption"/> as its caption and alternative text.</summary>
    public HtmlReport Figure(Image image, string caption)
    {
        ArgumentNullException.ThrowIfNull(image);
        string escaped = Markup.Escape(caption);
        _body.Append("<figure><img alt=\"").Append(escaped).Append("\" width=\"").Append(image.Width).Append("\" height=\"").Append(image.Height)
            .Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(Png.Encode(image))).Append("\">")
            .Append("<figcaption>").Append(escaped).Append("</figcaption></figure>\n");
        return this;
    }

    /// <summary>
    /// An inline SVG figure (<see cref="SvgScatterPlot"/>, <see cref="SvgImagePlot"/>: trusted markup that escapes its own
    /// text) with <paramref name="caption"/> as its caption.
    /// </summary>
    public HtmlReport Figure(string svg, string caption)
    {
        ArgumentNullException.ThrowIfNull(svg);
        _body.Append("<figure>").Append(svg).Append("<figcaption>").Append(Markup.Escape(caption)).Append("</figcaption></figure>\n");
        return this;
    }

    /// <summary>Inline SVG markup as it is: only for trusted SVG such as <see cref="SvgLinePlot.Render"/>'s, which escapes its own text.</summary>
    public HtmlReport Svg(string svg)
    {
        ArgumentNullException.ThrowIfNull(svg);
        _body.Append("<div class=\"chart\">").Append(svg).Append("</div>\n");
        return this;
    }

    /// <summary>The whole page as one self-contained HTML document.</summary>
    public string ToHtml()
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(Markup.Escape(Title)).Append("</title>\n")
            .Append("<style>\nbody{font-family:sans-serif;margin:2em auto;max-width:1200px;color:#222}\n")
            .Append("figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}figcaption{font-size:90%;color:#555}\n")
            .Append("img{image-rendering:pixelated}.chart{display:inline-block;margin:0 1em 1em 0}\n")
            .Append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}pre{background:#f6f6f6;padding:1em}\n")
            .Append("</style>\n</head>\n<body>\n<h1>").Append(Markup.Escape(Title)).Append("</h1>\n")
            .Append(_body)
            .Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Writes the page to <paramref name="path"/> atomically (a temporary file in the same folder, then a rename).</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, ToHtml());
}
