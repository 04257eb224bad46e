using System.Text;
using System.Text.RegularExpressions;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Docs;

/// <summary>The README and the pages under docs/: their lines, prose and code, links, and heading anchors.</summary>
public static partial class DocsPages
{
    /// <summary>README.md and every docs/*.md, as paths from the repository root.</summary>
    public static IReadOnlyList<string> All()
    {
        var root = TestWorld.RepoRoot();
        var docs = Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md")
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'));
        return ["README.md", .. docs.Order(StringComparer.Ordinal)];
    }

    public static string[] Lines(string page) =>
        File.ReadAllText(Path.Combine(TestWorld.RepoRoot(), page)).ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');

    /// <summary>The lines outside fenced code blocks (with their 1-based numbers).</summary>
    public static IEnumerable<(int Number, string Text)> Prose(string page) =>
        Split(page).Where(l => !l.InFence).Select(l => (l.Number, l.Text));

    /// <summary>The lines inside fenced code blocks, fences excluded.</summary>
    public static IEnumerable<(int Number, string Text)> Code(string page) =>
        Split(page).Where(l => l.InFence).Select(l => (l.Number, l.Text));

    /// <summary>The inline code spans of the prose, and every line of the fenced blocks.</summary>
    public static IEnumerable<(int Number, string Code)> CodeSnippets(string page) =>
        Prose(page).SelectMany(l => CodeSpan().Matches(l.Text).Select(m => (l.Number, m.Groups[1].Value)))
            .Concat(Code(page));

    /// <summary>The links <c>[text](target)</c> and images of the prose, code spans left out.</summary>
    public static IEnumerable<(int Number, string Target)> Links(string page) =>
        Prose(page).SelectMany(l =>
            Link().Matches(CodeSpan().Replace(l.Text, "")).Select(m => (l.Number, m.Groups[1].Value)));

    /// <summary>GitHub's heading anchors: lower case, no punctuation, '-' for spaces, repeats numbered.</summary>
    public static HashSet<string> Anchors(string page)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, text) in Prose(page))
        {
            var heading = Heading().Match(text);
            if (!heading.Success) continue;
            var slug = Slug(heading.Groups[1].Value);
            var n = seen.GetValueOrDefault(slug);
            seen[slug] = n + 1;
            anchors.Add(n == 0 ? slug : $"{slug}-{n}");
        }
        return anchors;
    }

    public static string Slug(string heading)
    {
        var slug = new StringBuilder();
        foreach (var c in heading.Trim().ToLowerInvariant())
            if (char.IsLetterOrDigit(c) || c is '-' or '_') slug.Append(c);
            else if (c == ' ') slug.Append('-');
        return slug.ToString();
    }

    private static IEnumerable<(int Number, string Text, bool InFence)> Split(string page)
    {
        var inFence = false;
        var lines = Lines(page);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal)) { inFence = !inFence; continue; }
            yield return (i + 1, lines[i], inFence);
        }
    }

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (.+)$")]
    private static partial Regex Heading();
}
