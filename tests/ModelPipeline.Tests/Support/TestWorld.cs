using System.Runtime.CompilerServices;

namespace ModelPipeline.Tests.Support;

/// <summary>
/// A throw-away repository for one test: a temp folder with pipeline.json, the model schema and
/// copies of models, so tests run in parallel and never touch the developer's checkout or home.
/// </summary>
public sealed class TestWorld : IDisposable
{
    public TestWorld()
    {
        Root = Path.Combine(Path.GetTempPath(), "mp-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(Root, "models"));
        File.WriteAllText(Path.Combine(Root, "pipeline.json"), """
            { "workspace": { "artifactsDir": "artifacts", "cacheDir": ".pipeline/cache" }, "fetch": { "timeoutSeconds": 30, "retries": 2 } }
            """);
    }

    public string Root { get; }

    public string ArtifactsDir => Path.Combine(Root, "artifacts");

    public static string RepoRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    /// <summary>Copies a model folder of this repository (without build output) into the world.</summary>
    public string CopyModel(string name)
    {
        var source = Path.Combine(RepoRoot(), "models", name);
        var target = Path.Combine(Root, "models", name);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(source, file);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, rel))!);
            File.Copy(file, Path.Combine(target, rel));
        }
        return target;
    }

    /// <summary>Writes a model.json (and creates the folder) for a model named <paramref name="name"/>.</summary>
    public string WriteModel(string name, string json)
    {
        var dir = Path.Combine(Root, "models", name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "model.json"), json);
        return dir;
    }

    /// <summary>Every file under the world except the given model definitions: used for "nothing written" checks.</summary>
    public IReadOnlyList<string> Files() =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Root, f)).Order().ToList();

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
