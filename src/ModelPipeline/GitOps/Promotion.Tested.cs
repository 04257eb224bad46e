using ModelPipeline.Errors;
using ModelPipeline.Zoo;

namespace ModelPipeline.GitOps;

public sealed partial class Promotion
{
    /// <summary>
    /// The test config to promote and the GitOps commit that deployed it: what test runs now, or the
    /// newest test config that pinned the chosen version. A version never deployed to test is refused.
    /// </summary>
    private async Task<(EnvironmentConfig Config, string Commit)> FindTestedAsync(GitOpsRepository repo, ZooReads zoo,
        string model, int? version, CancellationToken ct)
    {
        var testPath = EnvironmentConfig.PathFor(TestDeployment.Environment, model);
        if (version is null)
        {
            var yaml = await repo.ReadAsync(testPath, ct)
                ?? throw new OperationFailedException($"model '{model}' is not deployed to test: {testPath} does not exist on {repo.Branch} of the GitOps repository. Fix: run ./build.sh UpdateGitOps --model {model} (or Publish) first.") { Model = model };
            return (ConfigYaml.Parse(yaml, $"{testPath} in the GitOps repository"), await repo.LastCommitAsync(testPath, ct) ?? "");
        }

        var deployed = new SortedSet<int>();
        foreach (var (commit, content) in await repo.HistoryAsync(testPath, ct))
        {
            var config = ConfigYaml.Parse(content, $"{testPath} at GitOps commit {commit[..12]}");
            if (config.ModelVersion == version && config.Name == model) return (config, commit);
            deployed.Add(config.ModelVersion);
        }
        await RequireInZooAsync(zoo, model, version.Value, deployed, ct);
        throw new InvalidInputException(
            $"--version {version}: model '{model}' v{version} was never deployed to test ({testPath} on {repo.Branch} of the GitOps repository never pinned it; " +
            $"versions deployed to test: {(deployed.Count == 0 ? "none" : string.Join(", ", deployed.Select(v => "v" + v)))}). " +
            $"Only a version that passed validation and ran in test can be promoted. Fix: choose one of those versions, or publish it first (./build.sh Publish --model {model}).") { Model = model };
    }

    /// <summary>A version that neither the zoo nor test ever had does not exist: said so, with the versions that do.</summary>
    private async Task RequireInZooAsync(ZooReads zoo, string model, int version, SortedSet<int> tested,
        CancellationToken ct)
    {
        var versions = ZooLayout.Versions((await zoo.GetAsync(ct)).Root, model);
        if (versions.Contains(version)) return;
        throw new InvalidInputException(
            $"--version {version}: model '{model}' has no version v{version}; the zoo {Redactor.Redact(config.Zoo.Url)} has "
            + (versions.Count == 0 ? "no version of it" : string.Join(", ", versions.Select(v => "v" + v)))
            + $". Fix: pick an existing version that ran in test (modelpipe models show {model})"
            + (tested.Count > 0 ? $", e.g. --version {tested.Max()}." : ", or publish the model first (./build.sh Publish --model " + model + ").")) { Model = model };
    }
}
