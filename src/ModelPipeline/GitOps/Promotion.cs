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
        var outcome = (await OpenManyForTestedAsync([model], ct))[0];
        return outcome.Record ?? throw outcome.Error!;
    }

    /// <summary>
    /// OpenPr for many models: one GitOps session and one zoo read for the run; every promotion branch is built
    /// without a checkout and all go in ONE push (<see cref="GitOpsRepository.PushBranchesAsync"/>); then one pull
    /// request per model. A model that fails (a refused branch, a forge error) fails alone.
    /// </summary>
    public async Task<IReadOnlyList<PromotionOutcome>> OpenManyForTestedAsync(IReadOnlyList<ModelDefinition> models,
        CancellationToken ct)
    {
        var forge = ForgeFactory.Create(config, reporter); // bad forge settings fail before anything else
        var outcomes = new PromotionOutcome?[models.Count];
        var requests = new List<Request>();
        for (var i = 0; i < models.Count; i++)
        {
            var name = models[i].Name;
            try
            {
                var key = state.RequireValidated(name);
                if (PendingPromotion.Read(state, name) is null) outcomes[i] = new(name, LeftAlone(name, key), null);
                else requests.Add(new Request(i, models[i], null, key));
            }
            catch (PipelineException ex)
            {
                outcomes[i] = new(name, null, ex);
            }
        }
        if (requests.Count > 0) await RunManyAsync(requests, forge, outcomes, ct);
        foreach (var request in requests)
        {
            if (outcomes[request.Index]!.Record is not { } record) continue;
            state.WriteRun(request.Model.Name, request.Key!, "pr", record);
            // proposed once prod is unfrozen
            if (record.Action != "frozen") PendingPromotion.Clear(state, request.Model.Name);
        }
        return outcomes.Select(o => o!).ToList();
    }

    /// <summary>Promote: proposes a chosen version that passed validation and was deployed to test.</summary>
    public async Task<PromotionRecord> PromoteAsync(ModelDefinition model, int version, CancellationToken ct)
    {
        var outcomes = new PromotionOutcome?[1];
        await RunManyAsync([new Request(0, model, version, null)], ForgeFactory.Create(config, reporter), outcomes, ct);
        return outcomes[0]!.Record ?? throw outcomes[0]!.Error!;
    }

    /// <summary>One model to propose: OpenPr (<see cref="Version"/> null: what test runs) or Promote.</summary>
    private sealed record Request(int Index, ModelDefinition Model, int? Version, string? Key);

    /// <summary>A model whose promotion branch is to be pushed, with what its pull request says.</summary>
    private sealed record Proposal(Request Request, PromotionRecord Record, EnvironmentConfig Candidate,
        EnvironmentConfig? Current, string TestedCommit, string ProdPath, string ProdYaml, string? TestYaml,
        IReadOnlyDictionary<string, double>? CandidateMetrics, IReadOnlyDictionary<string, double>? ProdMetrics)
    {
        public BranchChange Change => new(Record.Branch, ProdPath, ProdYaml,
            $"prod: promote {Record.Model} v{Candidate.ModelVersion} ({Candidate.ImageDigest[..19]})\n\n"
            + $"Tested in test/{Record.Model}/config.yaml at {TestedCommit}.\n");
    }

    private async Task RunManyAsync(IReadOnlyList<Request> requests, IForge forge, PromotionOutcome?[] outcomes,
        CancellationToken ct)
    {
        using var repo = await GitOpsRepository.OpenAsync(config, reporter, ct);
        var proposals = new List<Proposal>();
        using (var zoo = new ZooReads(config, reporter))
            foreach (var request in requests)
            {
                try
                {
                    switch (await DecideAsync(repo, zoo, forge, request, ct))
                    {
                        case PromotionRecord done: outcomes[request.Index] = new(request.Model.Name, done, null); break;
                        case Proposal proposal: proposals.Add(proposal); break;
                    }
                }
                catch (PipelineException ex)
                {
                    outcomes[request.Index] = new(request.Model.Name, null, ex);
                }
            }
        if (proposals.Count == 0) return;

        var pushes = await repo.PushBranchesAsync([.. proposals.Select(p => p.Change)], ct);
        var branches = await repo.RemoteBranchesAsync("promote/", ct); // the pushed ones included
        var ready = Enumerable.Range(0, proposals.Count).Where(n => pushes[n].Error is null).ToList();
        var summaries = (await repo.SummarizeAsync(
                [.. ready.Select(n => (proposals[n].Record.Branch, pushes[n].Commit!))], ct))
            .Select((summary, k) => (summary, k)).ToDictionary(x => ready[x.k], x => x.summary);
        for (var n = 0; n < proposals.Count; n++)
        {
            var (proposal, push) = (proposals[n], pushes[n]);
            var name = proposal.Record.Model;
            try
            {
                if (push.Error is { } error) throw error;
                reporter.Info(name, push.Pushed ? $"pushed {proposal.Record.Branch} ({push.Commit![..12]})"
                    : $"{proposal.Record.Branch} already proposes this change ({push.Commit![..12]})");
                var record = await ProposeAsync(repo, forge, proposal, push, summaries[n], branches, ct);
                outcomes[proposal.Request.Index] = new(name, record, null);
            }
            catch (PipelineException ex)
            {
                outcomes[proposal.Request.Index] = new(name, null, ex);
            }
        }
    }

    /// <summary>
    /// What to do for one model, read from the open GitOps session and the run's zoo read: a final record
    /// (frozen, nothing to do) or a proposal whose branch is pushed with the others.
    /// </summary>
    private async Task<object> DecideAsync(GitOpsRepository repo, ZooReads zoo, IForge forge, Request request,
        CancellationToken ct)
    {
        var model = request.Model;
        var (candidate, testedCommit) = await FindTestedAsync(repo, zoo, model.Name, request.Version, ct);
        if (await EnvironmentFreezes.HoldingAsync(repo, Environment, model.Name, reporter, ct) is { } freeze)
            return Frozen(model.Name, forge, candidate, freeze, promote: request.Version is not null);
        await RequirePassingVerdictAsync(zoo, model, candidate, exact: request.Version is not null, ct);

        var prodPath = EnvironmentConfig.PathFor(Environment, model.Name);
        var currentYaml = await repo.ReadAsync(prodPath, ct);
        var current = currentYaml is null ? null
            : ConfigYaml.Parse(currentYaml, $"{prodPath} in the GitOps repository");
        var candidateMetrics = await MetricsAsync(zoo, model.Name, candidate, ct);
        var prodMetrics = current is null ? null : await MetricsAsync(zoo, model.Name, current, ct);
        if (!string.IsNullOrWhiteSpace(config.Environments.Prod.Registry))
        {
            zoo.Release(); // the copy reads the zoo itself
            candidate = await new ProdRegistryCopy(config, reporter).PrepareAsync(model.Name, candidate, ct);
        }

        var prodYaml = ConfigYaml.Serialize(candidate.ForEnvironment(Environment));
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
            reporter.Info(model.Name, $"{prodPath} already pins v{candidate.ModelVersion} "
                + $"({candidate.ImageDigest[..19]}); no branch, no pull request");
            return record;
        }
        var testYaml = await repo.ReadAsync(EnvironmentConfig.PathFor(TestDeployment.Environment, model.Name), ct);
        return new Proposal(request, record, candidate, current, testedCommit, prodPath, prodYaml, testYaml,
            candidateMetrics, prodMetrics);
    }

    /// <summary>The pull request of one pushed promotion branch, the older ones it supersedes closed.</summary>
    private async Task<PromotionRecord> ProposeAsync(GitOpsRepository repo, IForge forge, Proposal proposal,
        BranchPushOutcome push, GitOpsRepository.BranchSummary summary, IReadOnlyList<string> branches,
        CancellationToken ct)
    {
        var (model, candidate, record) = (proposal.Request.Model, proposal.Candidate, proposal.Record);
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
                Prod = proposal.Current,
                Test = proposal.TestYaml is { } testYaml
                    ? ConfigYaml.Parse(testYaml, $"test/{model.Name}/config.yaml in the GitOps repository") : null,
                CandidateMetrics = proposal.CandidateMetrics,
                ProdMetrics = proposal.ProdMetrics,
                Diff = summary.Diff,
                TestedCommit = proposal.TestedCommit,
                GitOpsRemote = Redactor.Redact(config.GitOps.Repository),
                ZooRemote = Redactor.Redact(config.Zoo.Url),
            }),
            Labels = config.Forge.Labels,
            Reviewers = config.Forge.Reviewers,
            StateDir = stateDir,
            RequestPull = forge is LocalForge ? summary.RequestPull : null,
        };
        var pr = await forge.OpenOrUpdateAsync(spec, ct);
        reporter.Info(model.Name, $"{Describe(forge.Kind, pr)}: {pr.Url}");
        var older = branches.Where(b => b.StartsWith($"promote/{model.Name}-v", StringComparison.Ordinal)).ToList();
        var superseded = await CloseSupersededAsync(repo, forge, spec, candidate.ModelVersion, pr, older, ct);
        // The local forge's "pull request" is a file: recorded relative to the project root, like every record's path.
        var url = forge is LocalForge ? state.Relative(pr.Url) : pr.Url;
        record = record with
        {
            Action = pr.Action.ToString().ToLowerInvariant(), Url = url, Number = pr.Number, Commit = push.Commit,
            Pushed = push.Pushed, Superseded = superseded,
        };
        RunStateStore.Write(Path.Combine(stateDir, "pr.json"), record);
        await NotifyAsync(record, pr, ct);
        return record;
    }

    /// <summary>A version's metrics: from this workspace's validation report, else from the zoo's <c>metrics.json</c>.</summary>
    private async Task<IReadOnlyDictionary<string, double>?> MetricsAsync(ZooReads zoo, string model,
        EnvironmentConfig deployed, CancellationToken ct)
    {
        if (IsKey(deployed.TrainingKey) && state.ReadRun<ValidationReport>(model, deployed.TrainingKey, "validate") is { } report)
            return report.Metrics;
        try
        {
            var root = (await zoo.GetAsync(ct)).Root;
            var path = Path.Combine(ZooLayout.VersionDir(root, model, deployed.ModelVersion), "metrics.json");
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

/// <summary>One model's outcome of <see cref="Promotion.OpenManyForTestedAsync"/>: its record, or its error.</summary>
public sealed record PromotionOutcome(string Model, PromotionRecord? Record, PipelineException? Error);

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
