using Docker.DotNet.Models;
using ModelPipeline.Errors;
using ModelPipeline.Validation;

namespace ModelPipeline.Docker;

/// <summary>
/// The smoke test: runs the image as uid 1010 (KServe's modelcar user) with no network and
/// checksums every file under <c>/models</c> against the validation manifest — what the KServe
/// sidecar would see.
/// </summary>
public sealed partial class DockerEngine
{
    public async Task<string> SmokeTestAsync(string image, IReadOnlyList<FileEntry> manifest, CancellationToken ct)
    {
        var container = await _client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = image,
            User = "1010:1010",
            Entrypoint = ["/bin/sh", "-c"],
            Cmd = ["cd /models && find . -type f -exec sha256sum {} +"],
            NetworkDisabled = true,
            HostConfig = new HostConfig { NetworkMode = "none", AutoRemove = false },
        }, ct);
        try
        {
            await _client.Containers.StartContainerAsync(container.ID, new ContainerStartParameters(), ct);
            var exit = await _client.Containers.WaitContainerAsync(container.ID, ct);
            using var logs = await _client.Containers.GetContainerLogsAsync(container.ID, tty: false, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, ct);
            var (stdout, stderr) = await logs.ReadOutputToEndAsync(ct);
            if (exit.StatusCode != 0)
                throw new OperationFailedException($"smoke test of {image} exited {exit.StatusCode} as uid 1010: {stderr.Trim()}. Fix: the files under /models must be readable by uid 1010 and the image needs /bin/sh, find and sha256sum.");
            var seen = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split("  ", 2))
                .ToDictionary(p => p[1].TrimStart('.', '/'), p => p[0], StringComparer.Ordinal);
            var problems = manifest.Where(f => seen.GetValueOrDefault(f.Path) != f.Sha256).Select(f => $"{f.Path}: {(seen.TryGetValue(f.Path, out var got) ? "sha256 " + got : "missing")}, expected {f.Sha256}")
                .Concat(seen.Keys.Except(manifest.Select(f => f.Path)).Select(p => $"{p}: not in the validation manifest"))
                .ToList();
            if (problems.Count > 0)
                throw new GateFailedException($"smoke test of {image}: /models does not match the validated files.", problems);
            return $"{manifest.Count} file(s) under /models match the validation manifest (uid 1010, --network none)";
        }
        finally
        {
            await _client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }
}
