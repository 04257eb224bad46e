namespace ModelPipeline.Git;

/// <summary>
/// git's rules for a branch name (<c>git check-ref-format --branch</c>, git-check-ref-format(1)), checked
/// before anything is pushed: a name git would refuse, or read as an option, fails Check instead of
/// OpenPr after the zoo was pushed.
/// </summary>
public static class GitRefName
{
    /// <summary>Why <paramref name="name"/> is not a valid branch name, or null when it is.</summary>
    public static string? BranchProblem(string name)
    {
        if (name.Length == 0) return "is empty";
        if (name.StartsWith('-')) return "starts with '-' (git would read it as an option)";
        if (name is "HEAD" or "@") return $"'{name}' is reserved by git";
        if (name.Any(c => char.IsControl(c) || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\'))
            return "contains a space, a control character or one of ~ ^ : ? * [ \\";
        if (name.Contains("..", StringComparison.Ordinal)) return "contains '..'";
        if (name.Contains("@{", StringComparison.Ordinal)) return "contains '@{'";
        if (name.StartsWith('/') || name.EndsWith('/') || name.Contains("//", StringComparison.Ordinal))
            return "starts or ends with '/', or contains '//'";
        if (name.EndsWith('.')) return "ends with '.'";
        foreach (var part in name.Split('/'))
        {
            if (part.StartsWith('.')) return $"has a part '{part}' that starts with '.'";
            if (part.EndsWith(".lock", StringComparison.Ordinal)) return $"has a part '{part}' that ends with '.lock'";
        }
        return null;
    }
}
