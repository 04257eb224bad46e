// CI definitions (pipelines/github, pipelines/gitlab, pipelines/tekton) generated from this very target
// graph: Cake's own task list and dependencies, serialised here, read by `modelpipe ci generate`.
void WriteTargetGraph(string path)
{
    var targets = Tasks.Select(t => new
    {
        name = t.Name,
        description = t.Description ?? "",
        dependencies = t.Dependencies.Select(d => d.Name).ToArray(),
        actions = (t as CakeTask)?.Actions.Count ?? 0,
    });
    System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path));
    System.IO.File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(new { targets }, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
}

Task("GenerateCi")
    .Description("Writes the GitHub Actions workflows, GitLab CI files and Tekton resources under pipelines/ from the target graph (commit the result).")
    .IsDependentOn("Compile")
    .Does(() =>
{
    var graph = $"{repoRoot}/artifacts/ci/targets.json";
    WriteTargetGraph(graph);
    Modelpipe("ci generate", "--graph", graph);
});

Task("CheckCi")
    .Description("Fails, naming each file and its diff, when a committed CI definition differs from what GenerateCi writes now (Test runs it).")
    .IsDependentOn("Compile")
    .Does(() =>
{
    var graph = $"{repoRoot}/artifacts/ci/targets.json";
    WriteTargetGraph(graph);
    Modelpipe("ci generate", "--graph", graph, "--check");
});
