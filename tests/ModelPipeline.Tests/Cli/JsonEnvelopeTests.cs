using System.Text.Json;
using System.Text.RegularExpressions;
using ModelPipeline.Tests.Support;
using ModelPipeline.Tests.Trust;
using NJsonSchema;

namespace ModelPipeline.Tests.Cli;

/// <summary>
/// Every verb that takes <c>--json</c> (every verb: the option is global) prints exactly one envelope
/// <c>{command, exitCode, results[]}</c> that validates against docs/json-output.schema.json. The verbs are read
/// from the CLI's own help, so a verb added later fails this test until it is listed below.
/// </summary>
public sealed partial class JsonEnvelopeTests
{
    /// <summary>What each verb is run with in the published world (in this order), and the exit code it must give.</summary>
    private static readonly (string Command, string[] Args, int Exit)[] Runs =
    [
        ("models list", [], 0),
        ("models show", ["demo"], 0),
        ("models resolve", ["demo@v1"], 0),
        ("models verify", [], 0),
        ("models alias", ["demo", "latest", "v1"], 0),
        ("pull", ["demo@v1", "--to", "pulled"], 0),
        ("verify", ["demo@v1", "--key", "keys/signer.pub.pem"], 0),
        ("sign", ["demo@v1"], 0),
        ("check", [], 0),
        ("train", [], 1), // the seeded fetch record is not the data's: a failed row
        ("validate", [], 0),
        ("package", [], 0),
        ("push", [], 0),
        ("gitops", [], 0),
        ("pr", [], 0),
        ("pr merge", ["demo"], 0),
        ("sync-aliases", [], 0),
        ("promote", ["--model", "demo", "--version", "1"], 0),
        ("env freeze", ["test", "--model", "demo", "--reason", "audit"], 0),
        ("env unfreeze", ["test", "--model", "demo"], 0),
        ("history", ["demo"], 0),
        ("report", [], 0),
        ("ci plan", [], 0),
        ("ci outputs", ["--format", "github"], 0),
        ("steps", ["--status-file", "steps.status"], 0),
        // Verbs whose inputs this world has not got: their failure is still one envelope naming it.
        ("fetch", ["--model", "nosuch"], 2),
        ("serve-check", ["--model", "nosuch"], 2),
        ("ci generate", ["--graph", "no-graph.json"], 2),
        ("sync", ["--file", "no-sync.json"], 2),
        ("publish", [], 2), // the world has no build.sh to run
        // A group without its subcommand is a usage error, printed as an envelope too.
        ("models", [], 2),
        ("ci", [], 2),
        ("env", [], 2),
    ];

    /// <summary>Verbs this test does not run, and why.</summary>
    private static readonly Dictionary<string, string> NotRun = new(StringComparer.Ordinal)
    {
        ["serve"] = "it serves until SIGTERM (its envelope is printed once serving starts, exit 0)",
    };

    [Fact]
    public async Task Every_verb_prints_exactly_one_envelope_that_the_published_schema_accepts()
    {
        using var world = new TestWorld();
        var signer = TrustKit.NewKey(world, "signer");
        await TrustKit.PublishAsync(world, Deployable(), signer, ValidatedModel.SmallFiles());
        var env = TrustKit.Env(world, signer);
        env["GITLAB_USER_NAME"] = "Jane Ops";
        env["GITLAB_USER_EMAIL"] = "jane@example.com";
        var schema = await JsonSchema.FromFileAsync(Path.Combine(TestWorld.RepoRoot(), "docs", "json-output.schema.json"));

        var verbs = await VerbsAsync(world);
        var listed = Runs.Select(r => r.Command).Concat(NotRun.Keys).ToHashSet(StringComparer.Ordinal);
        Assert.True(verbs.SetEquals(listed), "list each verb in Runs (or NotRun, with the reason): missing "
            + string.Join(", ", verbs.Except(listed)) + "; no such verb: " + string.Join(", ", listed.Except(verbs)));

        var problems = new List<string>();
        foreach (var (command, args, exit) in Runs)
        {
            var run = await Modelpipe.RunAsync(world.Root, [.. command.Split(' '), .. args, "--json"], env);
            var errors = schema.Validate(run.StdOut);
            if (errors.Count > 0)
            {
                problems.Add($"{command}: {string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}"))}\n{run.All}");
                continue;
            }
            using var doc = JsonDocument.Parse(run.StdOut); // one document: a second one after it fails to parse
            var root = doc.RootElement;
            if (run.ExitCode != exit || root.GetProperty("exitCode").GetInt32() != exit
                || root.GetProperty("command").GetString() != command)
                problems.Add($"{command}: exit {run.ExitCode}, envelope {root.GetProperty("command")} "
                    + $"exit {root.GetProperty("exitCode")} (expected exit {exit})\n{run.All}");
            if (exit != 0 && !root.GetProperty("results").EnumerateArray().Any(r => r.GetProperty("result").GetString() == "failed"))
                problems.Add($"{command}: exit {exit} without a failed result\n{run.StdOut}");
        }
        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    [Fact]
    public async Task A_consumer_verb_lists_one_item_per_model_and_a_usage_error_is_an_envelope_with_exit_2()
    {
        using var world = new TestWorld();
        var modelcar = new { destination = "oci-layout", layoutDir = ".pipeline/oci", repository = "localhost/modelzoo" };
        await TrustKit.PublishAsync(world, modelcar, null, ValidatedModel.SmallFiles());

        var list = await Modelpipe.RunAsync(world.Root, ["models", "list", "--json"], TrustKit.Env(world, null));
        var usage = await Modelpipe.RunAsync(world.Root, ["pull", "demo@v1", "--json"], TrustKit.Env(world, null));

        Assert.True(list.ExitCode == 0, list.All);
        var item = JsonDocument.Parse(list.StdOut).RootElement.GetProperty("results").EnumerateArray().Single();
        Assert.Equal("demo", item.GetProperty("model").GetString());
        Assert.Equal(1, item.GetProperty("data").GetProperty("latest").GetInt32());
        Assert.Equal(2, usage.ExitCode);
        var failed = JsonDocument.Parse(usage.StdOut).RootElement;
        Assert.Equal("pull", failed.GetProperty("command").GetString());
        Assert.Equal(2, failed.GetProperty("exitCode").GetInt32());
        Assert.Contains("--to", failed.GetProperty("results")[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>An OCI layout image on the embedded busybox base: a shell, so GitOps may pin it.</summary>
    private static object Deployable()
    {
        var busybox = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes("/bin/busybox")));
        return new
        {
            destination = "oci-layout", layoutDir = ".pipeline/oci", repository = "localhost/modelzoo",
            baseImage = "busybox-static", busybox = new { path = "/bin/busybox", sha256 = busybox },
        };
    }

    /// <summary>Every command path the CLI's help lists, groups included ("models", "models list", ...).</summary>
    private static async Task<HashSet<string>> VerbsAsync(TestWorld world)
    {
        var verbs = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>([""]);
        while (pending.TryDequeue(out var path))
        {
            var help = await Modelpipe.RunAsync(world.Root, [.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]);
            Assert.True(help.ExitCode == 0, help.All);
            var section = help.StdOut.Split("\nCommands:\n", 2);
            if (section.Length < 2) continue;
            foreach (Match m in HelpCommand().Matches(section[1]))
            {
                var child = (path + " " + m.Groups[1].Value).Trim();
                if (verbs.Add(child)) pending.Enqueue(child);
            }
        }
        return verbs;
    }

    [GeneratedRegex(@"^  ([a-z][a-z-]*)\b", RegexOptions.Multiline)]
    private static partial Regex HelpCommand();
}
