
namespace ModelPipeline.Forges;

/// <summary>
/// The embedded default: no accounts. The branch is already in the (local) GitOps repository; the
/// "pull request" is a <c>git request-pull</c> summary plus the PR text, written into the run state.
/// Merging is <c>modelpipe pr merge NAME</c> (or a <c>git merge</c> of the branch by whoever reviews it).
/// </summary>
public sealed class LocalForge : IForge
{
    public const string BodyFile = "pull-request.md";
    public const string RequestPullFile = "request-pull.txt";
    public const string ClosedFile = "closed.md";

    /// <summary>Written by <c>modelpipe pr merge</c> when the promotion was merged.</summary>
    public const string MergedFile = "merged.md";

    public string Kind => "local";

    public Task<PullRequestResult> OpenOrUpdateAsync(PullRequestSpec spec, CancellationToken ct)
    {
        Directory.CreateDirectory(spec.StateDir);
        // Proposed (again): this promotion is open, whatever happened to an earlier proposal of the version.
        File.Delete(Path.Combine(spec.StateDir, ClosedFile));
        File.Delete(Path.Combine(spec.StateDir, MergedFile));
        var bodyPath = Path.Combine(spec.StateDir, BodyFile);
        var existed = File.Exists(bodyPath);
        var changed = Write(bodyPath, $"# {spec.Title}\n\nbranch: {spec.Head} -> {spec.Base}\n"
            + (spec.Labels.Count > 0 ? $"labels: {string.Join(", ", spec.Labels)}\n" : "")
            + (spec.Reviewers.Count > 0 ? $"reviewers: {string.Join(", ", spec.Reviewers)}\n" : "")
            + $"\n{spec.Body}");
        changed |= Write(Path.Combine(spec.StateDir, RequestPullFile), spec.RequestPull ?? "");
        var action = !existed ? PullRequestAction.Created : changed ? PullRequestAction.Updated : PullRequestAction.Unchanged;
        return Task.FromResult(new PullRequestResult { Action = action, Url = bodyPath });
    }

    /// <summary>
    /// Closes the older, unmerged promotion branches of the model on the GitOps remote: the closing
    /// comment goes to <c>v&lt;M&gt;/closed.md</c> in the run state; the caller deletes the branches
    /// (they live in the GitOps repository, which this forge does not reach).
    /// </summary>
    public Task<IReadOnlyList<SupersededPullRequest>> CloseSupersededAsync(SupersedeSpec spec, CancellationToken ct)
    {
        var closed = new List<SupersededPullRequest>();
        foreach (var branch in spec.OlderBranches.Where(spec.Supersedes).Order(StringComparer.Ordinal))
        {
            var version = SupersedeSpec.VersionOf(spec.Model, branch)!.Value;
            var dir = Path.Combine(spec.PromotionsDir, $"v{version}");
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, ClosedFile);
            Write(path, $"# Closed: {branch}\n\n{spec.Comment(Kind)}\n");
            closed.Add(new SupersededPullRequest { Branch = branch, Version = version, Url = path });
        }
        return Task.FromResult<IReadOnlyList<SupersededPullRequest>>(closed);
    }

    /// <summary>Writes atomically when the content differs; returns whether it did.</summary>
    private static bool Write(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content) return false;
        RunState.AtomicFile.WriteAllText(path, content);
        return true;
    }
}
