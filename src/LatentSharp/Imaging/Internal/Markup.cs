using System.Text;

namespace LatentSharp.Imaging.Internal;

/// <summary>Escaping for text placed in XML, SVG and HTML, in element content and in quoted attributes alike.</summary>
internal static class Markup
{
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAny("&<>\"'") < 0) return text;
        var escaped = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            escaped.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => null,
            } ?? c.ToString());
        }
        return escaped.ToString();
    }
}
