using System.Text.Json;
using ModelPipeline.Ci;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>A temp repository with this repository's settings files and a target graph, for generating CI files.</summary>
public sealed class CiWorld : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TestWorld world = new();

    public CiWorld()
    {
        foreach (var file in new[] { "pipeline.json", "pipeline.schema.json", CiContext.GitHubSettings, CiContext.GitLabSettings })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Root, file))!);
            File.Copy(Path.Combine(TestWorld.RepoRoot(), file), Path.Combine(Root, file), overwrite: true);
        }
        GraphPath = Path.Combine(Root, "artifacts", "ci", "targets.json");
        WriteGraph(StandardGraph());
    }

    public string Root => world.Root;

    public string GraphPath { get; }

    /// <summary>The shape of build/targets/*.cake today: setup targets (Compile, ModelCarBase), the Publish chain, Test, Promote, SyncAliases and helpers.</summary>
    public static List<CiTarget> StandardGraph() =>
    [
        T("Compile", []),
        T("Check", ["Compile"]),
        T("Fetch", ["Check"]),
        T("Train", ["Fetch"]),
        T("Validate", ["Train"]),
        T("ModelCarBase", []),
        T("PackageModelCar", ["Validate", "ModelCarBase"]),
        T("ServeCheck", ["PackageModelCar"]),
        T("PushMirrors", ["ServeCheck"]),
        T("UpdateGitOps", ["PushMirrors"]),
        T("OpenPr", ["UpdateGitOps"]),
        T("Report", ["Compile"]),
        T("Publish", ["OpenPr", "Report"], actions: 0),
        T("Promote", ["Compile"]),
        T("SyncAliases", ["Compile"]),
        T("CheckCi", ["Compile"]),
        T("Test", ["Compile", "CheckCi"]),
        T("GenerateCi", ["Compile"]),
        T("Benchmark", ["Compile"]),
    ];

    public static CiTarget T(string name, string[] dependencies, int actions = 1) =>
        new() { Name = name, Description = $"{name} does its step.", Dependencies = dependencies, Actions = actions };

    public void WriteGraph(IEnumerable<CiTarget> targets)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(GraphPath)!);
        File.WriteAllText(GraphPath, JsonSerializer.Serialize(new { targets }, Json));
    }

    public string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));

    public Task<Modelpipe.Result> GenerateAsync(params string[] extra) =>
        Modelpipe.RunAsync(Root, ["ci", "generate", "--graph", GraphPath, .. extra]);

    public void Dispose() => world.Dispose();
}
