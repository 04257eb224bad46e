using System.Security.Cryptography;
using System.Text.Json;
using CliWrap.Buffered;
using ModelPipeline.Reporting;
using ModelPipeline.RunState;
using ModelPipeline.Tests.GitOps;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Incremental;

/// <summary>
/// Settled models (<c>artifacts/.settled/</c>): a Publish run passes over a model every step of an earlier run left
/// up to date, and looks at it again as soon as anything it depends on changes. The real chain of verbs in a run
/// (MODELPIPE_RUN_ID), on the trained iris with the embedded local zoo, OCI layout, GitOps repository and forge.
/// </summary>
public sealed class SettledModelsTests(TrainedIris iris) : IClassFixture<TrainedIris>
{
    private static readonly string[] Chain =
        ["check", "fetch", "train", "validate", "package", "serve-check", "push", "gitops", "pr"];

    private static Dictionary<string, string?> Run(string id) => new() { ["MODELPIPE_RUN_ID"] = id };

    /// <summary>
    /// Runs the Publish chain as one run, as build.sh does (the verbs of one <c>modelpipe steps</c> process); returns
    /// each verb's iris row (result, detail) from the run's journal.
    /// </summary>
    private static async Task<Dictionary<string, (string Result, string Detail)>> PublishAsync(TestWorld world,
        string runId, IEnumerable<string>? verbs = null, string[]? trainOptions = null)
    {
        var (codes, output) = await StepsAsync(world, runId, verbs ?? Chain, trainOptions);
        Assert.True(codes.All(code => code == "0"), output);
        var rows = new Dictionary<string, (string, string)>();
        foreach (var file in Directory.GetFiles(Path.Combine(world.ArtifactsDir, "runs", runId), "*.json"))
        {
            var entry = JsonSerializer.Deserialize<JournalEntry>(File.ReadAllBytes(file), RunStateStore.Json)!;
            var row = entry.Rows.Single(r => r.Model == "iris");
            rows[entry.Verb] = (row.Result, row.Detail);
        }
        return rows;
    }

    /// <summary>The verbs in one <c>modelpipe steps</c> process: each verb's exit code, and all output.</summary>
    private static async Task<(string[] Codes, string Output)> StepsAsync(TestWorld world, string runId,
        IEnumerable<string> verbs, string[]? trainOptions = null)
    {
        var lines = verbs.Select(v => JsonSerializer.Serialize<string[]>(
            v == "train" && trainOptions is not null
                ? ["train", .. trainOptions, "--root", world.Root]
                : [v, "--root", world.Root]));
        var status = Path.Combine(world.Root, $"status-{runId}-{Guid.NewGuid():N}.txt");
        var run = await CliWrap.Cli.Wrap("dotnet")
            .WithArguments([Path.Combine(AppContext.BaseDirectory, "modelpipe.dll"), "steps", "--status-file", status])
            .WithWorkingDirectory(world.Root)
            .WithEnvironmentVariables(new Dictionary<string, string?>
            {
                ["GITHUB_ACTIONS"] = null, ["GITLAB_CI"] = null, ["CI"] = "true", ["MODELPIPE_RUN_ID"] = runId,
            })
            .WithStandardInputPipe(CliWrap.PipeSource.FromString(string.Join('\n', lines) + "\n"))
            .WithValidation(CliWrap.CommandResultValidation.None)
            .ExecuteBufferedAsync();
        var output = run.StandardOutput + run.StandardError;
        Assert.True(run.ExitCode == 0, output);
        return (File.ReadAllLines(status), output);
    }

    private static void AssertSettled(Dictionary<string, (string Result, string Detail)> rows, string since)
    {
        foreach (var verb in Chain.Skip(1))
            Assert.Equal(("skipped", $"settled: unchanged since run {since}"), rows[verb]);
    }

    private static void AssertLookedAt(Dictionary<string, (string Result, string Detail)> rows)
    {
        foreach (var verb in Chain.Skip(1))
            Assert.False(rows[verb].Detail.StartsWith("settled", StringComparison.Ordinal), $"{verb}: {rows[verb]}");
    }

    /// <summary>A copy of the trained iris packaged on the embedded base, as the repository's own settings do (a
    /// ModelCar without a shell is never deployed).</summary>
    private TestWorld World()
    {
        var world = iris.CopyWorld();
        var busybox = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes("/bin/busybox")));
        world.SetSection("modelcar", $$"""
            { "destination": "oci-layout", "repository": "localhost/modelzoo", "layoutDir": ".pipeline/oci",
              "baseImage": "busybox-static", "busybox": { "path": "/bin/busybox", "sha256": "{{busybox}}" } }
            """);
        return world;
    }

    private static string Key(TestWorld world) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(world.ArtifactsDir, "iris", "current.json"))).RootElement
            .GetProperty("trainingKey").GetString()!;

    [Fact]
    public async Task A_model_left_up_to_date_is_passed_over_until_its_definition_records_zoo_or_settings_change()
    {
        using var world = World();
        AssertLookedAt(await PublishAsync(world, "r1"));
        Assert.True(File.Exists(Path.Combine(world.ArtifactsDir, ".settled", "models.json")));

        // Nothing changed: every step passes over it.
        AssertSettled(await PublishAsync(world, "r2"), "r1");

        // Its definition: an edit (same meaning, other bytes) is looked at by every step, then settles again.
        var definition = Path.Combine(world.Root, "models", "iris", "model.json");
        File.WriteAllText(definition, File.ReadAllText(definition) + "\n");
        AssertLookedAt(await PublishAsync(world, "r3"));
        AssertSettled(await PublishAsync(world, "r4"), "r3");

        // Its records: a package record removed is packaged again (same digest), not taken on trust.
        var package = Path.Combine(world.ArtifactsDir, "iris", "runs", Key(world), "package.json");
        File.Delete(package);
        var rows = await PublishAsync(world, "r5");
        AssertLookedAt(rows);
        Assert.True(File.Exists(package));
        AssertSettled(await PublishAsync(world, "r6"), "r5");

        // The zoo: a release manager's alias, pushed from elsewhere, is seen by the steps of the next run.
        var alias = await Modelpipe.RunAsync(world.Root, "models", "alias", "iris", "staging", "v1");
        Assert.True(alias.ExitCode == 0, alias.All);
        AssertLookedAt(await PublishAsync(world, "r7"));
        AssertSettled(await PublishAsync(world, "r8"), "r7");

        // The settings: a changed pipeline.json looks at every model again.
        world.SetSection("fetch", """{ "timeoutSeconds": 30, "retries": 3 }""");
        AssertLookedAt(await PublishAsync(world, "r9"));

        // A verb asked for extra work (--retrain) does it.
        var retrain = await PublishAsync(world, "r10", ["fetch", "train"], ["--retrain"]);
        Assert.Contains("retrained", retrain["train"].Detail);
    }

    [Fact]
    public async Task Only_a_run_whose_every_step_passed_the_model_settles_it()
    {
        using var world = World();

        // The chain without its last step (a run stopped before OpenPr): nothing is recorded.
        await PublishAsync(world, "r1", Chain[..^1]);
        Assert.False(File.Exists(Path.Combine(world.ArtifactsDir, ".settled", "models.json")));
        AssertLookedAt(await PublishAsync(world, "r2"));

        // A run whose first verb finds the record damaged settles nothing and does the work.
        File.WriteAllText(Path.Combine(world.ArtifactsDir, ".settled", "models.json"), "{ not json");
        AssertLookedAt(await PublishAsync(world, "r3"));
        AssertSettled(await PublishAsync(world, "r4"), "r3");

        // Settings changed while a run worked (before its last step): the run records nothing, so the next run, with
        // the new settings, looks at the model again instead of taking what was done with the old ones as settled.
        var definition = Path.Combine(world.Root, "models", "iris", "model.json");
        File.WriteAllText(definition, File.ReadAllText(definition) + "\n");
        await PublishAsync(world, "r5", Chain[..^1]);
        world.SetSection("fetch", """{ "timeoutSeconds": 30, "retries": 3 }""");
        await PublishAsync(world, "r5", ["pr"]);
        AssertLookedAt(await PublishAsync(world, "r6"));
        AssertSettled(await PublishAsync(world, "r7"), "r6");

        // Without a run id (a verb by hand) nothing is passed over.
        var train = await Modelpipe.RunAsync(world.Root, ["train", "--json"], Run(""));
        Assert.True(train.ExitCode == 0, train.All);
        Assert.DoesNotContain("settled", train.StdOut);
    }

    [Fact]
    public async Task A_rewritten_zoo_history_is_refused_though_every_model_was_settled()
    {
        using var world = World();
        await PublishAsync(world, "r1");
        AssertSettled(await PublishAsync(world, "r2"), "r1");

        // Same files, another history: the last zoo commit amended (its tree unchanged) and force-pushed.
        var work = Path.Combine(world.Root, "zoo-rewrite");
        await BareRepo.GitAsync(world.Root, "clone", "--quiet", world.ZooRepo(), work);
        await BareRepo.GitAsync(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "--amend", "-m",
            "rewritten");
        await BareRepo.GitAsync(work, "push", "--quiet", "--force", "origin", "HEAD:main");

        var (codes, output) = await StepsAsync(world, "r3", Chain);

        Assert.Contains("no model is taken as settled in this run", output);
        Assert.Contains("does not descend from commit", output);
        Assert.Contains(codes, code => code != "0");
        Assert.DoesNotContain("settled: unchanged since", output);
    }
}
