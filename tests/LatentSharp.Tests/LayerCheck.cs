using System.Text;
using System.Text.RegularExpressions;

namespace LatentSharp.Tests;

/// <summary>
/// Checks that the library's namespaces depend one way only. Each source file belongs to the layer of its top folder
/// under src/LatentSharp (files at the root belong to the root namespace <c>LatentSharp</c>); the layers are ordered in
/// tiers, and a file may refer only to layers of lower tiers. Layers that share a tier are independent of each other.
/// A reference is a <c>LatentSharp.X</c> name in code (using directives, aliases, fully qualified names) or a partially
/// qualified <c>X.Type</c> where Type is declared in folder X; comments and string literals are not code.
/// </summary>
internal static partial class LayerCheck
{
    /// <summary>The name of the root namespace's layer: AtomicFile, InputFile, LatentSharpException.</summary>
    public const string Root = "";

    /// <summary>Namespaces of the assemblies above the library; the library never refers to them.</summary>
    public static readonly string[] AboveTheLibrary = ["Cli", "Tests", "Bench"];

    /// <summary>
    /// The violations in <paramref name="files"/> (path relative to the library folder with '/' separators, and source
    /// text), one line each naming the file and the edge; empty when the files keep to <paramref name="tiers"/>.
    /// </summary>
    public static List<string> Violations(IReadOnlyList<(string Path, string Source)> files, IReadOnlyList<string[]> tiers)
    {
        var tierOf = new Dictionary<string, int>();
        for (int t = 0; t < tiers.Count; t++)
            foreach (string layer in tiers[t]) tierOf.Add(layer, t);

        var code = files.Select(f => (f.Path, Layer: LayerOf(f.Path), Code: StripCommentsAndStrings(f.Source))).ToList();
        var typesOf = new Dictionary<string, HashSet<string>>();
        foreach (var (_, layer, text) in code)
        {
            if (!typesOf.TryGetValue(layer, out var types)) typesOf[layer] = types = [];
            foreach (Match m in TypeDeclaration().Matches(text)) types.Add(m.Groups["name"].Value);
        }

        var violations = new List<string>();
        foreach (var (path, layer, text) in code)
        {
            if (!tierOf.TryGetValue(layer, out int tier))
            {
                violations.Add($"{path}: folder {layer} has no layer; give it a tier in the layer order");
                continue;
            }
            Match ns = NamespaceDeclaration().Match(text);
            string expected = layer == Root ? "LatentSharp" : "LatentSharp." + layer;
            if (!ns.Success || !(ns.Groups["name"].Value == expected || ns.Groups["name"].Value.StartsWith(expected + ".", StringComparison.Ordinal)))
                violations.Add($"{path}: namespace {(ns.Success ? ns.Groups["name"].Value : "(none)")} does not follow its folder; expected {expected}");

            foreach (string used in ReferencedLayers(text, typesOf).Distinct().Order(StringComparer.Ordinal))
            {
                if (used == layer || used == Root) continue;
                string edge = $"{Name(layer)} -> {Name(used)}";
                if (AboveTheLibrary.Contains(used))
                    violations.Add($"{path}: {edge}: the library must not refer to LatentSharp.{used}");
                else if (!tierOf.TryGetValue(used, out int usedTier))
                    continue; // a type of the root namespace (LatentSharp.AtomicFile)
                else if (usedTier == tier)
                    violations.Add($"{path}: {edge}: {Name(used)} and {Name(layer)} share a tier and stay independent");
                else if (usedTier > tier)
                    violations.Add($"{path}: {edge}: {Name(used)} is above {Name(layer)}");
            }
        }
        return violations;
    }

    /// <summary>The layer of a library file: its top folder, or <see cref="Root"/> for a file at the root.</summary>
    public static string LayerOf(string path)
    {
        int slash = path.IndexOf('/');
        return slash < 0 ? Root : path[..slash];
    }

    private static string Name(string layer) => layer == Root ? "LatentSharp" : layer;

    private static IEnumerable<string> ReferencedLayers(string code, Dictionary<string, HashSet<string>> typesOf)
    {
        string withoutNamespace = NamespaceDeclaration().Replace(code, "");
        foreach (Match m in QualifiedName().Matches(withoutNamespace)) yield return m.Groups["layer"].Value;
        foreach (Match m in PartiallyQualifiedName().Matches(withoutNamespace))
        {
            string layer = m.Groups["layer"].Value;
            if (typesOf.TryGetValue(layer, out var types) && types.Contains(m.Groups["type"].Value)) yield return layer;
        }
    }

    /// <summary>
    /// <paramref name="source"/> with comments and the contents of string and character literals blanked, so names in
    /// them are not taken for references. Interpolation holes are blanked with their string.
    /// </summary>
    public static string StripCommentsAndStrings(string source)
    {
        var code = new StringBuilder(source.Length);
        int i = 0;
        while (i < source.Length)
        {
            char c = source[i];
            char next = i + 1 < source.Length ? source[i + 1] : '\0';
            if (c == '/' && next == '/')
            {
                while (i < source.Length && source[i] != '\n') i++;
            }
            else if (c == '/' && next == '*')
            {
                int end = source.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? source.Length : end + 2;
                code.Append(' ');
            }
            else if (c == '\'')
            {
                i = SkipCharacter(source, i);
                code.Append("' '");
            }
            else if (c == '"' || ((c == '@' || c == '$') && (next == '"' || next == '@' || next == '$')))
            {
                i = SkipString(source, i);
                code.Append("\"\"");
            }
            else
            {
                code.Append(c);
                i++;
            }
        }
        return code.ToString();
    }

    /// <summary>
    /// The index just past the string literal (regular, verbatim, interpolated or raw) that starts at
    /// <paramref name="start"/>. Holes of a regular or verbatim interpolated string are skipped with the strings in them.
    /// </summary>
    private static int SkipString(string source, int start)
    {
        int i = start;
        bool verbatim = false, interpolated = false;
        while (source[i] == '@' || source[i] == '$')
        {
            verbatim |= source[i] == '@';
            interpolated |= source[i] == '$';
            i++;
        }
        int quotes = 0;
        while (i + quotes < source.Length && source[i + quotes] == '"') quotes++;
        if (!verbatim && quotes >= 3)
        {
            // A raw string ends at the same run of quotes that opened it.
            int end = source.IndexOf(new string('"', quotes), i + quotes, StringComparison.Ordinal);
            return end < 0 ? source.Length : end + quotes;
        }
        i++;
        while (i < source.Length)
        {
            char c = source[i];
            char next = i + 1 < source.Length ? source[i + 1] : '\0';
            if (verbatim && c == '"' && next == '"') i += 2;
            else if (c == '"') return i + 1;
            else if (!verbatim && c == '\\') i += 2;
            else if (interpolated && c == '{' && next == '{') i += 2;
            else if (interpolated && c == '{') i = SkipHole(source, i + 1);
            else i++;
        }
        return source.Length;
    }

    /// <summary>The index just past the '}' that closes the interpolation hole whose code starts at <paramref name="start"/>.</summary>
    private static int SkipHole(string source, int start)
    {
        int depth = 0, i = start;
        while (i < source.Length)
        {
            char c = source[i];
            char next = i + 1 < source.Length ? source[i + 1] : '\0';
            if (c == '"' || ((c == '@' || c == '$') && (next == '"' || next == '@' || next == '$'))) i = SkipString(source, i);
            else if (c == '\'') i = SkipCharacter(source, i);
            else if (c == '}' && depth == 0) return i + 1;
            else
            {
                if (c == '{') depth++;
                else if (c == '}') depth--;
                i++;
            }
        }
        return source.Length;
    }

    /// <summary>The index just past the character literal that starts at <paramref name="start"/>.</summary>
    private static int SkipCharacter(string source, int start)
    {
        int i = start + 1;
        while (i < source.Length && source[i] != '\'' && source[i] != '\n') i += source[i] == '\\' ? 2 : 1;
        return i + 1;
    }

    [GeneratedRegex(@"\bLatentSharp\.(?<layer>[A-Za-z_]\w*)")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"(?<![\w.])(?<layer>[A-Z]\w*)\.(?<type>[A-Z]\w*)\b")]
    private static partial Regex PartiallyQualifiedName();

    [GeneratedRegex(@"\bnamespace\s+(?<name>[\w.]+)")]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"\b(?:class|struct|interface|enum|record)\s+(?<name>[A-Za-z_]\w*)")]
    private static partial Regex TypeDeclaration();
}
