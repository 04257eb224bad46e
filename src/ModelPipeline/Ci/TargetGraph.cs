using System.Text.Json;
using ModelPipeline.Errors;

namespace ModelPipeline.Ci;

/// <summary>One Cake target as the build script declares it (from Cake's own task list).</summary>
public sealed record CiTarget
{
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    public IReadOnlyList<string> Dependencies { get; init; } = [];
    /// <summary>How many actions (<c>Does</c>) the target has; 0 for an aggregate such as Publish.</summary>
    public int Actions { get; init; }
}

/// <summary>
/// The target graph the CI definitions are generated from: what <c>./build.sh GenerateCi</c>
/// serialises from Cake's <c>Tasks</c>. CI jobs follow it: Test, then each step of Publish.
/// </summary>
public sealed class TargetGraph
{
    public const string TestTarget = "Test", PublishTarget = "Publish", PromoteTarget = "Promote", SyncAliasesTarget = "SyncAliases";

    /// <summary>The last target of a model's own job (Train -> PushMirrors): after it the zoo holds the version.</summary>
    public const string FanOutTarget = "PushMirrors";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, CiTarget> byName;

    public TargetGraph(IReadOnlyList<CiTarget> targets, string source)
    {
        Targets = targets;
        Source = source;
        byName = targets.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var required in new[] { TestTarget, PublishTarget, PromoteTarget, SyncAliasesTarget, FanOutTarget })
            if (!byName.ContainsKey(required)) problems.Add($"{source}: the graph has no target '{required}'. Fix: the CI definitions run it; declare it in build/targets/*.cake.");
        foreach (var target in targets)
            foreach (var dependency in target.Dependencies.Where(d => !byName.ContainsKey(d)))
                problems.Add($"{source}: target '{target.Name}' depends on '{dependency}', which the graph does not have.");
        if (problems.Count > 0) throw new InvalidInputException($"{source}: the target graph is incomplete", problems);
    }

    public IReadOnlyList<CiTarget> Targets { get; }

    public string Source { get; }

    public CiTarget this[string name] => byName[name];

    public bool Contains(string name) => byName.ContainsKey(name);

    /// <summary>The target and everything it depends on, dependencies first (the order Cake runs them).</summary>
    public IReadOnlyList<string> Closure(string target)
    {
        var order = new List<string>();
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        void Visit(string name)
        {
            if (order.Contains(name)) return;
            if (!visiting.Add(name)) throw new InvalidInputException($"{Source}: target '{name}' depends on itself (a cycle).");
            foreach (var dependency in byName[name].Dependencies) Visit(dependency);
            order.Add(name);
        }
        Visit(target);
        return order;
    }

    /// <summary>
    /// A target without dependencies prepares the machine (Compile, ModelCarBase): it is no job of its own;
    /// each job runs the ones Test also runs (Compile) and the ones its own target names directly.
    /// </summary>
    public bool IsSetup(string name) => byName[name].Dependencies.Count == 0;

    /// <summary>Publish's steps that do something, in the order Cake runs them; each is a CI job of its own.</summary>
    public IReadOnlyList<string> PublishSteps =>
        Closure(PublishTarget).Where(t => !IsSetup(t) && byName[t].Actions > 0).ToList();

    /// <summary>The Publish steps a model's own job runs: <see cref="FanOutTarget"/> and what it depends on.</summary>
    public IReadOnlyList<string> ModelJobSteps => PublishSteps.Where(Closure(FanOutTarget).Contains).ToList();

    /// <summary>The Publish steps the fan-in job runs once, after every model's job (UpdateGitOps, OpenPr, Report).</summary>
    public IReadOnlyList<string> FanInSteps => PublishSteps.Where(t => !Closure(FanOutTarget).Contains(t)).ToList();

    /// <summary>The setup targets a job runs before its own target (which then runs alone, --exclusive).</summary>
    public IReadOnlyList<string> SetupOf(string target)
    {
        var shared = Closure(TestTarget);
        return Closure(target).Where(t => t != target && IsSetup(t) && (shared.Contains(t) || byName[target].Dependencies.Contains(t))).ToList();
    }

    public static TargetGraph Load(string path)
    {
        if (!File.Exists(path))
            throw new InvalidInputException($"{path}: no such target graph. Fix: run ./build.sh GenerateCi (it writes the graph from Cake's task list, then generates).");
        try
        {
            var file = JsonSerializer.Deserialize<GraphFile>(File.ReadAllText(path), Json)
                ?? throw new InvalidInputException($"{path}: empty target graph.");
            return new TargetGraph(file.Targets, Path.GetFileName(path));
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException($"{path}: not a target graph ({ex.Message}). Fix: run ./build.sh GenerateCi to write it again.");
        }
    }

    private sealed record GraphFile
    {
        public required IReadOnlyList<CiTarget> Targets { get; init; }
    }
}
