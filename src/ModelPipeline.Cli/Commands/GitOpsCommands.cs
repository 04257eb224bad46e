using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.GitOps;

namespace ModelPipeline.Cli.Commands;

/// <summary>The environment verbs: gitops (UpdateGitOps), pr (OpenPr), promote, sync-aliases.</summary>
internal static partial class GitOpsCommands
{
    public static IEnumerable<Command> All() => [UpdateGitOps(), OpenPr(), Promote(), SyncAliases()];

    public static Command UpdateGitOps() => Verb.Batched<DeploymentRecord>("gitops",
        "Pin the test environment to the published digest: write test/<name>/config.yaml in the GitOps repository; " +
        "one commit and push for the run.",
        async (ctx, models, ct) =>
            [.. (await new TestDeployment(ctx.Config, ctx.State, ctx.Output).DeployManyAsync(models, ct))
                .Select(o => (o.Record, o.Error))],
        (model, record) =>
        {
            return new StepResult
            {
                Model = model.Name,
                Step = "gitops",
                Result = record.Changed || record.AliasChanged ? "ok" : "skipped",
                Detail = record.LeftAlone is { } reason ? $"test left alone: {reason.Split("; ")[0]}" : (record.Changed
                    ? $"{record.Path} -> v{record.Version} {record.Digest[..19]} ({record.Commit![..12]})"
                    : $"{record.Path} already at v{record.Version}")
                    + (record.AliasChanged ? $"; zoo alias test -> v{record.Version}" : ""),
                Data = record,
            };
        });
}
