using ModelPipeline.Errors;

namespace ModelPipeline.Models;

/// <summary>The models of a repository: every <c>models/*/model.json</c>, or a selection of them.</summary>
public static class ModelCatalog
{
    public static IReadOnlyList<string> Names(string repoRoot)
    {
        var dir = Path.Combine(repoRoot, "models");
        if (!Directory.Exists(dir)) return [];
        return Directory.GetDirectories(dir)
            .Where(d => File.Exists(Path.Combine(d, "model.json")))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .ToList()!;
    }

    /// <summary>
    /// Loads the selected models (all when <paramref name="selection"/> is empty). Unknown names and
    /// invalid definitions are reported together in one <see cref="InvalidInputException"/>.
    /// </summary>
    /// <param name="checkedBefore">Models whose definition folder is known unchanged since it was last found valid
    /// (<see cref="Settling.Settlement.CheckedDefinitions"/>): read without running the schema and rules again.</param>
    public static IReadOnlyList<ModelDefinition> Load(string repoRoot, IReadOnlyCollection<string> selection,
        Func<string, bool>? checkedBefore = null) =>
        LoadNamed(repoRoot, Select(repoRoot, selection), checkedBefore);

    /// <summary>The selected model names (all when <paramref name="selection"/> is empty), unknown ones
    /// refused.</summary>
    public static IReadOnlyList<string> Select(string repoRoot, IReadOnlyCollection<string> selection)
    {
        var all = Names(repoRoot);
        var problems = new List<string>();
        foreach (var name in selection.Where(n => !all.Contains(n)))
            problems.Add($"--model {name}: no such model (models/{name}/model.json does not exist). Known models: {(all.Count == 0 ? "none" : string.Join(", ", all))}.");
        if (problems.Count > 0)
            throw new InvalidInputException("Unknown model selected:", problems);
        return selection.Count == 0 ? all : selection.Distinct().ToList();
    }

    /// <summary>Loads exactly these models (names from <see cref="Select"/>; none for an empty list).</summary>
    public static IReadOnlyList<ModelDefinition> LoadNamed(string repoRoot, IReadOnlyList<string> names,
        Func<string, bool>? checkedBefore = null)
    {
        var problems = new List<string>();
        // Each definition is read and checked on its own: the cores share them (1,000 schema checks on a first load),
        // and the models and problems are then taken in the order of the names. The first one goes alone, so the
        // schema is built and used once before any other thread uses it.
        var loaded = new (ModelDefinition? Model, List<string> Problems)[names.Count];
        void LoadAt(int i)
        {
            var found = new List<string>();
            loaded[i] = (ModelLoader.TryLoad(Path.Combine(repoRoot, "models", names[i]), repoRoot, found,
                checkedBefore is not null && checkedBefore(names[i])), found);
        }
        if (names.Count > 0) LoadAt(0);
        var cores = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(1, names.Count, cores, LoadAt);
        var models = new List<ModelDefinition>();
        foreach (var (model, found) in loaded)
        {
            problems.AddRange(found);
            if (model is not null && found.Count == 0) models.Add(model);
        }
        if (problems.Count > 0)
            throw new InvalidInputException(
                $"Invalid model definition ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}); nothing was run or written:", problems);
        return models;
    }
}
