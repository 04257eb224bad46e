using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.Progress;

namespace ModelPipeline.Zoo;

/// <summary>
/// The model zoo as a team registry: a git repository on a primary remote, pushed to mirrors.
/// Publishing and setting aliases are commits made in a cached clone and pushed with bounded
/// non-fast-forward retries; reading syncs the clone and reads the derived indexes.
/// </summary>
public sealed partial class ZooRepository
{
    private readonly ZooSettings _settings;
    private readonly IPipelineReporter _reporter;
    private readonly GitCli _git;
    private readonly string _sandboxDir;
    private readonly Notifications.Notifier _notifier;

    /// <param name="primaryUrl">Read from this URL or path instead of the configured primary (consumers' --zoo).</param>
    /// <param name="seenDir">Where the last zoo commit this client accepted is kept (default <c>.pipeline/</c>, file <c>zoo-seen-&lt;hash of URL and branch&gt;.json</c>).</param>
    /// <param name="readOnlyCache">The clone is only read from (a serving host): a broken or half-updated clone is re-created.</param>
    public ZooRepository(PipelineConfig config, IPipelineReporter reporter, string? primaryUrl = null, string? seenDir = null, bool readOnlyCache = false)
    {
        _settings = config.Zoo;
        _reporter = reporter;
        _sandboxDir = Path.Combine(config.RepoRoot, ".pipeline");
        _notifier = Notifications.Notifier.For(config, reporter);
        Primary = primaryUrl is null
            ? GitRemote.Create("primary", _settings.Url, _settings.TokenEnv, "pipeline.json $.zoo.url", config.RepoRoot)
            : GitRemote.Create("zoo", primaryUrl, SameOrigin(primaryUrl, _settings.Url) ? _settings.TokenEnv : null, "--zoo", Directory.GetCurrentDirectory());
        var mirrors = new List<MirrorTarget>();
        for (var i = 0; i < _settings.Mirrors.Count; i++)
        {
            var m = _settings.Mirrors[i];
            var field = $"pipeline.json $.zoo.mirrors[{i}]";
            if (GitRemote.Check(m.Url) is { } problem)
                throw new InvalidInputException($"{field}.url: {problem}. Fix: give a plain git URL or path, and put the token in an environment variable named by tokenEnv.");
            try
            {
                mirrors.Add(new MirrorTarget(m.Name, GitRemote.Create(m.Name, m.Url, m.TokenEnv, field, config.RepoRoot), null));
            }
            catch (InvalidInputException ex)
            {
                // A mirror without its token is skipped with a warning: mirrors never fail a publish.
                mirrors.Add(new MirrorTarget(m.Name, null, ex.Message));
            }
        }
        Mirrors = mirrors;
        var credentials = new[] { Primary.Credential }.Concat(mirrors.Select(m => m.Remote?.Credential)).OfType<GitCredential>().ToList();
        _git = new GitCli(credentials);
        Clone = new GitClone(_git, Primary, _settings.Branch, Path.Combine(config.RepoRoot, _settings.CloneDir))
        {
            IsReadOnlyCache = readOnlyCache,
            Recovered = message => _reporter.Warning(null, message),
        };
        var seen = Path.Combine(seenDir ?? _sandboxDir, $"zoo-seen-{RunState.Digests.Sha256(Primary.Url + "#" + _settings.Branch)[..12]}.json");
        History = new ZooHistory(_git, Clone.WorkTree, seen, Redactor.Redact(Primary.Url));
    }

    /// <summary>
    /// A zoo commit's change: its message, and what a change of these models touches (their folders and the
    /// top-level index), the only paths staged. Null message: no change.
    /// </summary>
    private static GitChange? Change(string root, string? message, IEnumerable<string> models) =>
        message is null ? null : new GitChange(message,
            [.. models.Select(m => Path.GetRelativePath(root, ZooLayout.ModelDir(root, m))),
             Path.GetRelativePath(root, ZooLayout.IndexPath(root))]);

    /// <summary>The zoo commit this client last accepted, and the check of a new tip against it.</summary>
    public ZooHistory History { get; }

    public GitRemote Primary { get; }

    public IReadOnlyList<MirrorTarget> Mirrors { get; }

    /// <summary>The cached clone of the primary.</summary>
    public GitClone Clone { get; }

    public sealed record MirrorTarget(string Name, GitRemote? Remote, string? Problem);

    private async Task EnsureRemotesAsync(CancellationToken ct)
    {
        await Primary.EnsureSandboxAsync(_git, _sandboxDir, _settings.Branch, ct);
        foreach (var m in Mirrors)
            if (m.Remote is not null) await m.Remote.EnsureSandboxAsync(_git, _sandboxDir, _settings.Branch, ct);
    }

    /// <summary>The mirrors (by URL) this run already found at the primary's commit: not pushed or read again for it.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> MirroredThisRun = new(StringComparer.Ordinal);

    /// <summary>Pushes the primary's commit to every mirror and compares each mirror's branch with the primary's.</summary>
    private async Task<IReadOnlyList<MirrorResult>> PushMirrorsAsync(string? model, string commit, CancellationToken ct)
    {
        var results = new List<MirrorResult>();
        if (GitClone.FetchOncePerRun && Mirrors.All(m => m.Remote is { } r && MirroredThisRun.TryGetValue($"{GitClone.RunNumber}:{r.Url}", out var c) && c == commit))
        {
            foreach (var m in Mirrors)
                results.Add(new MirrorResult { Name = m.Name, Ok = true, Matches = true, Message = $"already at {commit[..12]} (checked earlier in this run); matches the primary" });
            return results;
        }
        string? primaryTip = null;
        try { primaryTip = await Clone.RemoteTipAsync(Primary, ct); } catch (GitException) { }
        foreach (var m in Mirrors)
        {
            MirrorResult result;
            if (m.Remote is null)
            {
                result = new MirrorResult { Name = m.Name, Ok = false, Message = $"skipped: {m.Problem}" };
            }
            else
            {
                var push = await Clone.PushToAsync(m.Remote, commit, ct);
                string? tip = null;
                try { tip = await Clone.RemoteTipAsync(m.Remote, ct); } catch (GitException) { }
                var matches = tip is not null && tip == primaryTip;
                if (push.Ok && matches && tip == commit) MirroredThisRun[$"{GitClone.RunNumber}:{m.Remote.Url}"] = commit;
                result = new MirrorResult
                {
                    Name = m.Name,
                    Ok = push.Ok,
                    Matches = matches,
                    Commit = tip,
                    PrimaryCommit = primaryTip,
                    Message = push.Message + (matches ? "; matches the primary" : tip is null ? "; branch unreadable" : $"; it holds {tip}, the primary holds {primaryTip ?? "nothing readable"}"),
                };
            }
            if (result.Ok && !result.Matches)
                _reporter.Warning(model, $"mirror {m.Name} ({Redactor.Redact(m.Remote?.Url ?? "")}) differs from the primary: {result.Message}. Fix: find out what wrote to the mirror; push the primary's branch to it again once it holds no commit of its own (re-run PushMirrors).");
            else if (result.Ok) _reporter.Info(model, $"mirror {m.Name}: {result.Message}");
            else _reporter.Warning(model, $"mirror {m.Name} ({Redactor.Redact(m.Remote?.Url ?? "")}): {result.Message}. The primary has the commit; re-run PushMirrors to retry the mirror.");
            results.Add(result);
        }
        return results;
    }

    /// <summary>The configured zoo token goes only to the configured zoo's scheme, host and port.</summary>
    private static bool SameOrigin(string url, string configured) =>
        Uri.TryCreate(url, UriKind.Absolute, out var a) && !a.IsFile
        && Uri.TryCreate(configured, UriKind.Absolute, out var b) && !b.IsFile
        && a.Scheme == b.Scheme && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;
}
