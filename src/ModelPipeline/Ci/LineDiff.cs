namespace ModelPipeline.Ci;

/// <summary>A unified diff of two texts by lines (longest common subsequence), with 2 lines of context.</summary>
public static class LineDiff
{
    public static string Unified(string name, string before, string after, int context = 2,
        string beforeLabel = "committed", string afterLabel = "generated")
    {
        var a = Lines(before);
        var b = Lines(after);
        // lcs[i, j]: length of the longest common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);

        var ops = new List<(char Op, string Line)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { ops.Add((' ', a[x])); x++; y++; }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y])) { ops.Add(('+', b[y])); y++; }
            else { ops.Add(('-', a[x])); x++; }
        }

        var show = new bool[ops.Count];
        for (var k = 0; k < ops.Count; k++)
            if (ops[k].Op != ' ')
                for (var c = Math.Max(0, k - context); c <= Math.Min(ops.Count - 1, k + context); c++) show[c] = true;
        var lines = new List<string> { $"--- {name} ({beforeLabel})", $"+++ {name} ({afterLabel})" };
        for (var k = 0; k < ops.Count; k++)
        {
            if (!show[k]) continue;
            if (k > 0 && !show[k - 1]) lines.Add("@@");
            lines.Add(ops[k].Op + ops[k].Line);
        }
        return string.Join('\n', lines);
    }

    private static string[] Lines(string text) =>
        text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n');
}
