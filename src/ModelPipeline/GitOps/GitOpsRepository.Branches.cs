namespace ModelPipeline.GitOps;

public sealed partial class GitOpsRepository
{
    /// <summary>The remote's branches whose names start with <paramref name="prefix"/> (as of the last fetch), sorted.</summary>
    public async Task<IReadOnlyList<string>> RemoteBranchesAsync(string prefix, CancellationToken ct)
    {
        var output = await _git.RunAsync(WorkDir, ["for-each-ref", "--format=%(refname)", $"refs/remotes/origin/{prefix}*"], ct);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => r["refs/remotes/origin/".Length..]).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Deletes a branch on the remote (and its remote-tracking ref); false when it was already gone.</summary>
    public async Task<bool> DeleteRemoteBranchAsync(string branch, CancellationToken ct)
    {
        if (!await HasRefAsync($"refs/remotes/origin/{branch}", ct)) return false;
        await _git.RunAsync(WorkDir, ["push", "--quiet", "origin", "--delete", $"refs/heads/{branch}"], ct);
        await _git.RunAsync(WorkDir, ["update-ref", "-d", $"refs/remotes/origin/{branch}"], ct);
        return true;
    }
}
