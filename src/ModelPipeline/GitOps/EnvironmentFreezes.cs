using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.Progress;
using ModelPipeline.Zoo;

namespace ModelPipeline.GitOps;

/// <summary>
/// <c>modelpipe env freeze|unfreeze</c>: writes or removes <c>&lt;environment&gt;/&lt;model&gt;/freeze.yaml</c> in
/// the GitOps repository (one commit, authored by the operator), and reads the freeze that holds now.
/// </summary>
public sealed class EnvironmentFreezes(PipelineConfig config, IPipelineReporter reporter)
{
    public async Task<FreezeResult> FreezeAsync(string model, string environment, string reason, string? until, CancellationToken ct)
    {
        Check(model, environment);
        if (string.IsNullOrWhiteSpace(reason))
            throw new InvalidInputException("--reason is empty. Fix: say why the environment is frozen, e.g. --reason \"v4 misroutes traffic; rolled back\".");
        var now = DateTimeOffset.UtcNow;
        DateTimeOffset? end = null;
        if (until is not null)
        {
            end = EnvironmentFreeze.ParseTime(until)
                ?? throw new InvalidInputException($"--until '{until}' is not a time. Fix: give an ISO 8601 time, e.g. 2026-12-24T18:00:00Z or 2026-12-24 (UTC).");
            if (end <= now)
                throw new InvalidInputException($"--until {EnvironmentFreeze.Format(end.Value)} is not in the future (now {EnvironmentFreeze.Format(now)}). Fix: give a later time, or leave --until out.");
        }
        GitOpsRepository.CheckSettings(config);
        var who = await OperatorAsync(config.RepoRoot, ct);
        var freeze = new EnvironmentFreeze
        {
            Model = model,
            Environment = environment,
            Reason = reason.Trim(),
            FrozenBy = $"{who.Name} <{who.Email}>",
            FrozenAt = EnvironmentFreeze.Format(now),
            Until = end is null ? null : EnvironmentFreeze.Format(end.Value),
        };
        var path = EnvironmentFreeze.PathFor(environment, model);
        var commit = await GitOpsRepository.CommitFileAsync(config, reporter, path, freeze.ToYaml(),
            $"{environment}: freeze {model}\n\nReason: {freeze.Reason}\nFrozen by: {freeze.FrozenBy}\nUntil: {freeze.Until ?? "unfrozen"}\n", ct, who);
        reporter.Info(model, $"{freeze.Describe()}; committed {path}" + (commit is null ? "" : $" as {commit[..12]}"));
        return new FreezeResult { Model = model, Environment = environment, Action = "frozen", Freeze = freeze, Commit = commit, Path = path };
    }

    public async Task<FreezeResult> UnfreezeAsync(string model, string environment, CancellationToken ct)
    {
        Check(model, environment);
        GitOpsRepository.CheckSettings(config);
        var path = EnvironmentFreeze.PathFor(environment, model);
        EnvironmentFreeze? was;
        using (var repo = await GitOpsRepository.OpenAsync(config, reporter, ct))
            was = await ReadAsync(repo, environment, model, ct);
        var who = await OperatorAsync(config.RepoRoot, ct);
        var commit = await GitOpsRepository.CommitFileAsync(config, reporter, path, null,
            $"{environment}: unfreeze {model}\n\nUnfrozen by: {who.Name} <{who.Email}>\n", ct, who);
        reporter.Info(model, commit is null
            ? $"{environment} of '{model}' was not frozen ({path} does not exist); nothing to do"
            : $"{environment} of '{model}' is no longer frozen; removed {path} as {commit[..12]}");
        return new FreezeResult { Model = model, Environment = environment, Action = commit is null ? "not-frozen" : "unfrozen", Freeze = was, Commit = commit, Path = path };
    }

    /// <summary>The freeze file of an environment on the GitOps branch, whether or not it still holds.</summary>
    public static async Task<EnvironmentFreeze?> ReadAsync(GitOpsRepository repo, string environment, string model, CancellationToken ct)
    {
        var path = EnvironmentFreeze.PathFor(environment, model);
        return await repo.ReadAsync(path, ct) is { } yaml ? EnvironmentFreeze.Parse(yaml, $"{path} in the GitOps repository") : null;
    }

    /// <summary>The freeze that holds now, or null; an expired one is reported and ignored.</summary>
    public static async Task<EnvironmentFreeze?> HoldingAsync(GitOpsRepository repo, string environment, string model,
        IPipelineReporter reporter, CancellationToken ct)
    {
        var freeze = await ReadAsync(repo, environment, model, ct);
        if (freeze is null || freeze.HoldsAt(DateTimeOffset.UtcNow)) return freeze;
        reporter.Info(model, $"the freeze of {environment} of '{model}' (by {freeze.FrozenBy}, reason: {freeze.Reason}) ended at {freeze.Until}; "
            + $"it no longer holds (remove the file with {freeze.UnfreezeCommand})");
        return null;
    }

    private static void Check(string model, string environment)
    {
        if (!AliasSync.Environments.Contains(environment))
            throw new InvalidInputException($"'{environment}' is not an environment. Fix: write test or prod.");
        if (!ZooLayout.IsModelName(model))
            throw new InvalidInputException($"--model '{model}' is not a model name. Fix: use the folder name under models/ (lower-case letters, digits and '-').");
    }

    /// <summary>Who runs the command: the CI user, else GIT_AUTHOR_NAME/EMAIL, else git's user.name/user.email, else the login name.</summary>
    internal static async Task<GitAuthor> OperatorAsync(string repoRoot, CancellationToken ct)
    {
        static string? Env(string key) => System.Environment.GetEnvironmentVariable(key) is { Length: > 0 } v ? v : null;
        if (Env("GITLAB_USER_NAME") is not null || Env("GITHUB_ACTOR") is not null) return GitAuthor.Resolve(null, null);
        if (Env("GIT_AUTHOR_NAME") is { } author) return new GitAuthor(author, Env("GIT_AUTHOR_EMAIL") ?? $"{author}@{System.Environment.MachineName}");
        var git = new GitCli();
        async Task<string?> ConfigAsync(string key)
        {
            try { return (await git.RunAsync(repoRoot, ["config", "--get", key], ct)).Trim() is { Length: > 0 } v ? v : null; }
            catch (GitException) { return null; }
        }
        var user = System.Environment.UserName;
        return new GitAuthor(await ConfigAsync("user.name") ?? user, await ConfigAsync("user.email") ?? $"{user}@{System.Environment.MachineName}");
    }
}

/// <summary>What <c>env freeze</c> or <c>env unfreeze</c> did.</summary>
public sealed record FreezeResult
{
    public required string Model { get; init; }
    public required string Environment { get; init; }

    /// <summary>frozen, unfrozen, or not-frozen (unfreeze found no freeze).</summary>
    public required string Action { get; init; }

    /// <summary>The freeze written (freeze) or removed (unfreeze).</summary>
    public EnvironmentFreeze? Freeze { get; init; }

    public required string Path { get; init; }

    /// <summary>The GitOps commit, or null when nothing changed.</summary>
    public string? Commit { get; init; }
}
