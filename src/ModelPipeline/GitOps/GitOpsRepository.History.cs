namespace ModelPipeline.GitOps;

public sealed partial class GitOpsRepository
{
    /// <summary>Every version of a file on the GitOps branch, newest first, with the commit that wrote it.</summary>
    public async Task<IReadOnlyList<(string Commit, string Content)>> HistoryAsync(string path, CancellationToken ct)
    {
        if (!await HasRefAsync(Tip, ct)) return [];
        var commits = (await _git.RunAsync(WorkDir, ["log", "--format=%H", Tip, "--", path], ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = new List<(string, string)>();
        foreach (var commit in commits)
            if (await ShowAsync(commit, path, ct) is { } content) result.Add((commit, content));
        return result;
    }

    /// <summary>The last commit on the GitOps branch that changed <paramref name="path"/>.</summary>
    public async Task<string?> LastCommitAsync(string path, CancellationToken ct)
    {
        if (await TipCommitAsync(ct) is null) return null; // read from git's files: no process per model
        var commit = (await _git.RunAsync(WorkDir, ["log", "-1", "--format=%H", Tip, "--", path], ct)).Trim();
        return commit.Length == 0 ? null : commit;
    }

    /// <summary>The last commit on the GitOps branch that changed <paramref name="path"/>: its id, author and subject.</summary>
    public async Task<(string Commit, string Author, string Subject)?> LastChangeAsync(string path, CancellationToken ct)
    {
        if (!await HasRefAsync(Tip, ct)) return null;
        var line = (await _git.RunAsync(WorkDir, ["log", "-1", "--format=%H%x00%an <%ae>%x00%s", Tip, "--", path], ct)).Trim();
        var parts = line.Split('\0');
        return parts.Length == 3 ? (parts[0], parts[1], parts[2]) : null;
    }
}
