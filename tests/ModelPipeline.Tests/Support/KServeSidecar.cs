namespace ModelPipeline.Tests.Support;

/// <summary>
/// Runs an image exactly as KServe's modelcar sidecar does, in the real Docker engine: uid 1010,
/// no network, <c>sh -c "ln -sf /proc/$$/root/models /mnt/models &amp;&amp; sleep infinity"</c>, with
/// <c>/mnt</c> a shared writable folder (KServe's emptyDir). A second container in the same PID
/// namespace (KServe's shareProcessNamespace), also uid 1010 and without network, then reads every
/// file through <c>/mnt/models</c> → <c>/proc/&lt;pid&gt;/root/models</c>, as the serving container does.
/// </summary>
public static class KServeSidecar
{
    public const string Command = "ln -sf /proc/$$/root/models /mnt/models && sleep infinity";

    /// <summary>Path → sha256 of every file the serving container sees under /mnt/models.</summary>
    public static async Task<Dictionary<string, string>> ReadModelsAsync(string image)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var mnt = Path.Combine(Path.GetTempPath(), "mp-kserve-mnt", id);
        Directory.CreateDirectory(mnt);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(mnt, (UnixFileMode)0b111_111_111);
        var sidecar = $"mp-modelcar-{id}";
        try
        {
            await Tools.RunOkAsync("docker", "run", "-d", "--name", sidecar, "--network", "none", "--user", "1010:1010",
                "-v", $"{mnt}:/mnt", "--entrypoint", "sh", image, "-c", Command);
            for (var i = 0; i < 50 && new FileInfo(Path.Combine(mnt, "models")).LinkTarget is null; i++)
                await Task.Delay(100);
            Assert.Equal("/proc/1/root/models", new FileInfo(Path.Combine(mnt, "models")).LinkTarget);
            var sums = await Tools.RunOkAsync("docker", "run", "--rm", "--network", "none", "--user", "1010:1010",
                "--pid", $"container:{sidecar}", "-v", $"{mnt}:/mnt", "--entrypoint", "sh", image,
                "-c", "cd /mnt/models/ && find . -type f -exec sha256sum {} +");
            return sums.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split("  ", 2))
                .ToDictionary(p => p[1].TrimStart('.', '/'), p => p[0], StringComparer.Ordinal);
        }
        finally
        {
            Tools.Run("docker", "rm", "-f", sidecar);
            try { Directory.Delete(mnt, recursive: true); } catch (IOException) { }
        }
    }
}
