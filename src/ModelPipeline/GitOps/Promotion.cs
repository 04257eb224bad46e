using ModelPipeline.Configuration;
using ModelPipeline.Errors;
using ModelPipeline.Forges;
using ModelPipeline.Models;
using ModelPipeline.Progress;
using ModelPipeline.RunState;
using ModelPipeline.Validation;
using ModelPipeline.Zoo;

namespace ModelPipeline.GitOps;

/// <summary>
/// OpenPr and Promote: a branch <c>promote/&lt;name&gt;-v&lt;N&gt;</c> that sets <c>prod/&lt;name&gt;/config.yaml</c>
/// to exactly what ran in test, and a pull request for it on the configured forge.
/// Nothing to change (prod already pins it) means no branch and no pull request.
/// </summary>
public sealed partial class Promotion(PipelineConfig config, RunStateStore state, IPipelineReporter reporter)
{
    public const string Environment = "prod";

    /// <summary><c>promote --allow-yanked</c>: a yanked version named exactly (<c>--version N</c>) may be proposed.</summary>
    public bool AllowYanked { get; init; }

    /// <summary>OpenPr: promotes the version that test runs now.</summary>
    public async Task<PromotionRecord> OpenForTestedAsync(ModelDefinition model, CancellationToken ct)
    {
        var forge = ForgeFactory.Create(config, reporter); // bad forge settings fail before anything else
        var key = state.RequireValidated(model.Name);
        if (PendingPromotion.Read(state, model.Name) is null) return LeftAlone(model.Name, key);
        var record = await RunAsync(model, forge, version: null, ct);
        state.WriteRun(model.Name, key, "pr", record);
        if (record.Action != "frozen") PendingPromotion.Clear(state, model.Name); // proposed once prod is unfrozen
        return record;
    }

    /// <summary>Promote: proposes a chosen version that passed validation and was deployed to test.</summary>
    public Task<PromotionRecord> PromoteAsync(ModelDefinition model, int version, CancellationToken ct) =>
        RunAsync(model, ForgeFactory.Create(config, reporter), version, ct);

    private async Task<PromotionRecord> RunAsync(ModelDefinition model, IForge forge, int? version, CancellationToken ct)
    {
        using var repo = await GitOpsRepository.OpenAsync(config, reporter, ct);
        var (candidate, testedCommit) = await FindTestedAsync(repo, model.Name, version, ct);
        if (await EnvironmentFreezes.HoldingAsync(repo, Environment, model.Name, reporter, ct) is { } freeze)
            return Frozen(model.Name, forge, candidate, freeze, promote: version is not null);
        await RequirePassingVerdictAsync(model, candidate, exact: version is not null, ct);
        candidate = await new ProdRegistryCopy(config, reporter).PrepareAsync(model.Name, candidate, ct); // prod's own registry

        var prodPath = EnvironmentConfig.PathFor(Environment, model.Name);
        var prodYaml = ConfigYaml.Serialize(candidate.ForEnvironment(Environment));
        var currentYaml = await repo.ReadAsync(prodPath, ct);
        var record = new PromotionRecord
        {
            Model = model.Name,
            Version = candidate.ModelVersion,
            Digest = candidate.ImageDigest,
            Forge = forge.Kind,
            Branch = $"promote/{model.Name}-v{candidate.ModelVersion}",
            Action = "nothing-to-do",
        };
        if (currentYaml == prodYaml)
        {
            reporter.Info(model.Name, $"{prodPath} already pins v{candidate.ModelVersion} ({candidate.ImageDigest[..19]}); no branch, no pull request");
            return record;
        }

        var current = currentYaml is null ? null : ConfigYaml.Parse(currentYaml, $"{prodPath} in the GitOps repository");
        var (commit, pushed) = await repo.PushBranchAsync(record.Branch, prodPath, prodYaml,
            $"prod: promote {model.Name} v{candidate.ModelVersion} ({candidate.ImageDigest[..19]})\n\nTested in test/{model.Name}/config.yaml at {testedCommit}.\n", ct);
        reporter.Info(model.Name, pushed ? $"pushed {record.Branch} ({commit[..12]})" : $"{record.Branch} already proposes this change ({commit[..12]})");

        var stateDir = Path.Combine(state.ModelDir(model.Name), "promotions", $"v{candidate.ModelVersion}");
        var spec = new PullRequestSpec
        {
            Model = model.Name,
            Head = record.Branch,
            Base = repo.Branch,
            Title = PromotionBody.Title(candidate),
            Body = PromotionBody.Render(new PromotionBody.Input
            {
                Model = model,
                Candidate = candidate,
                Prod = current,
                Test = await repo.ReadAsync(EnvironmentConfig.PathFor(TestDeployment.Environment, model.Name), ct) is { } testYaml
                    ? ConfigYaml.Parse(testYaml, $"test/{model.Name}/config.yaml in the GitOps repository") : null,
                CandidateMetrics = await MetricsAsync(model.Name, candidate, ct),
                ProdMetrics = current is null ? null : await MetricsAsync(model.Name, current, ct),
                Diff = await repo.DiffAsync(commit, prodPath, ct),
                TestedCommit = testedCommit,
                GitOpsRemote = Redactor.Redact(config.GitOps.Repository),
                ZooRemote = Redactor.Redact(config.Zoo.Url),
            }),
            Labels = config.Forge.Labels,
            Reviewers = config.Forge.Reviewers,
            StateDir = stateDir,
            RequestPull = forge is LocalForge ? await repo.RequestPullAsync(record.Branch, ct) : null,
        };
        var pr = await forge.OpenOrUpdateAsync(spec, ct);
        reporter.Info(model.Name, $"{Describe(forge.Kind, pr)}: {pr.Url}");
        var superseded = await CloseSupersededAsync(repo, forge, spec, candidate.ModelVersion, pr, ct);
        // The local forge's "pull request" is a file: recorded relative to the project root, like every record's path.
        var url = forge is LocalForge ? state.Relative(pr.Url) : pr.Url;
        record = record with { Action = pr.Action.ToString().ToLowerInvariant(), Url = url, Number = pr.Number, Commit = commit, Pushed = pushed, Superseded = superseded };
        RunStateStore.Write(Path.Combine(stateDir, "pr.json"), record);
        await NotifyAsync(record, pr, ct);
        return record;
    }

    /// <summary>A version's metrics: from this workspace's validation report, else from the zoo's <c>metrics.json</c>.</summary>
    private async Task<IReadOnlyDictionary<string, double>?> MetricsAsync(string model, EnvironmentConfig deployed, CancellationToken ct)
    {
        if (IsKey(deployed.TrainingKey) && state.ReadRun<ValidationReport>(model, deployed.TrainingKey, "validate") is { } report)
            return report.Metrics;
        try
        {
            using var zoo = await new ZooRepository(config, reporter).ReadAsync(ct);
            var path = Path.Combine(ZooLayout.VersionDir(zoo.Root, model, deployed.ModelVersion), "metrics.json");
            return File.Exists(path) ? ZooLayout.Read<SortedDictionary<string, double>>(path) : null;
        }
        catch (PipelineException ex)
        {
            reporter.Warning(model, $"the metrics of v{deployed.ModelVersion} could not be read from the zoo ({ex.Message.Split('\n')[0]}); the pull request says so");
            return null;
        }
    }

    /// <summary>promotion.opened for a new pull request, promotion.closed for each one it superseded.</summary>
    private async Task NotifyAsync(PromotionRecord record, PullRequestResult pr, CancellationToken ct)
    {
        var notifier = Notifications.Notifier.For(config, reporter);
        if (pr.Action == PullRequestAction.Created)
            await notifier.NotifyAsync(new Notifications.WebhookEvent
            {
                Event = Notifications.EventTypes.PromotionOpened, Model = record.Model, Version = record.Version, Digest = record.Digest,
                Environment = Environment, Url = record.Url, Number = record.Number,
                Summary = $"{record.Model} v{record.Version}: promotion to {Environment} opened ({record.Url})",
            }, ct);
        foreach (var old in record.Superseded)
            await notifier.NotifyAsync(new Notifications.WebhookEvent
            {
                Event = Notifications.EventTypes.PromotionClosed, Model = record.Model, Version = old.Version,
                Environment = Environment, Url = old.Url, Number = old.Number,
                Summary = $"{record.Model}: the promotion {old.Branch} was closed in favour of v{record.Version}",
            }, ct);
    }

    private static bool IsKey(string key) => key.Length == 64 && key.All(char.IsAsciiHexDigitLower);

    private static string Describe(string kind, PullRequestResult pr) => (kind, pr.Action) switch
    {
        ("local", PullRequestAction.Unchanged) => "the local pull request text is unchanged",
        ("local", _) => "wrote the local pull request text and request-pull summary",
        (_, PullRequestAction.Created) => $"opened {kind} pull request #{pr.Number}",
        (_, PullRequestAction.Updated) => $"updated {kind} pull request #{pr.Number}",
        _ => $"{kind} pull request #{pr.Number} is up to date",
    };
}

/// <summary>The result of OpenPr/Promote, stored as <c>promotions/v&lt;N&gt;/pr.json</c> (and <c>runs/&lt;key&gt;/pr.json</c> for OpenPr).</summary>
public sealed record PromotionRecord
{
    public required string Model { get; init; }
    public required int Version { get; init; }
    public required string Digest { get; init; }
    public required string Forge { get; init; }
    public required string Branch { get; init; }

    /// <summary>created, updated, unchanged, nothing-to-do (prod already pins this digest), pin-unchanged
    /// (OpenPr: the test pin did not change in this run, so the promotion was left alone), or frozen (prod is frozen).</summary>
    public required string Action { get; init; }

    public string? Url { get; init; }
    public int? Number { get; init; }
    public string? Commit { get; init; }
    public bool Pushed { get; init; }

    /// <summary>The older promotions of this model closed in favour of this one.</summary>
    public IReadOnlyList<SupersededPullRequest> Superseded { get; init; } = [];

    /// <summary>The prod freeze that stopped this promotion (action frozen).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public EnvironmentFreeze? Freeze { get; init; }
}
