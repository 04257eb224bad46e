namespace ModelPipeline.Tests.Support;

/// <summary>
/// Trains the real example model (models/iris, its C# trainer) once for a test class; tests that
/// change the result work on their own copy (<see cref="CopyWorld"/>).
/// </summary>
public sealed class TrainedIris : IAsyncLifetime
{
    public TestWorld World { get; } = new();

    public Modelpipe.Result FirstTrain { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        World.CopyModel("iris");
        var fetch = await Modelpipe.RunAsync(World.Root, "fetch");
        Assert.True(fetch.ExitCode == 0, fetch.All);
        FirstTrain = await Modelpipe.RunAsync(World.Root, "train", "--json");
        Assert.True(FirstTrain.ExitCode == 0, FirstTrain.All);
    }

    /// <summary>A new world holding a copy of the trained one (model, cache, run state).</summary>
    public TestWorld CopyWorld()
    {
        var copy = new TestWorld();
        // Folders too: a bare repository's empty refs/ and objects/ folders are part of it.
        foreach (var dir in Directory.EnumerateDirectories(World.Root, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(World.Root, dir);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj" or "data") && !rel.StartsWith("models", StringComparison.Ordinal)) continue;
            if (new DirectoryInfo(dir).LinkTarget is null) Directory.CreateDirectory(Path.Combine(copy.Root, rel));
        }
        foreach (var file in Directory.EnumerateFiles(World.Root, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(World.Root, file);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj" or "data") && !rel.StartsWith("models", StringComparison.Ordinal)) continue;
            var target = Path.Combine(copy.Root, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (new FileInfo(file).LinkTarget is null) File.Copy(file, target, overwrite: true);
        }
        return copy;
    }

    public Task DisposeAsync()
    {
        World.Dispose();
        return Task.CompletedTask;
    }
}
