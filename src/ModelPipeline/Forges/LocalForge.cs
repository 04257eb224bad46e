
namespace ModelPipeline.Forges;

/// <summary>
/// The embedded default: no accounts. The branch is already in the (local) GitOps repository; the
/// "pull request" is a <c>git request-pull</c> summary plus the PR text, written into the run state.
/// Merging is <c>git merge</c> of the branch by whoever reviews it.
/// </summary>
public sealed class LocalForge : IForge
{
    public const string BodyFile = "pull-request.md";
    public const string RequestPullFile = "request-pull.txt";

    public string Kind => "local";

    public Task<PullRequestResult> OpenOrUpdateAsync(PullRequestSpec spec, CancellationToken ct)
    {
        Directory.CreateDirectory(spec.StateDir);
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

    /// <summary>Writes atomically when the content differs; returns whether it did.</summary>
    private static bool Write(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content) return false;
        RunState.AtomicFile.WriteAllText(path, content);
        return true;
    }
}
