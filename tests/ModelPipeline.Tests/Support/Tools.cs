using System.Net;
using System.Net.Sockets;
using CliWrap;
using CliWrap.Buffered;

namespace ModelPipeline.Tests.Support;

/// <summary>The real components integration tests use, and whether this machine has them
/// (build/scripts/test-deps.sh installs them; ./build.sh Test runs it first).</summary>
public static class Tools
{
    private static readonly Lazy<bool> Docker = new(() => Run("docker", "version", "--format", "{{.Server.Version}}").ExitCode == 0);

    private static readonly string[] RegistryPrograms = ["docker-registry", "skopeo", "htpasswd"];

    public static bool Has(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, program)));

    public static bool DockerEngine => Docker.Value;

    public static string? MissingForRegistry() =>
        RegistryPrograms.FirstOrDefault(p => !Has(p)) is { } missing
            ? $"'{missing}' is not installed (run build/scripts/test-deps.sh as root)"
            : !File.Exists("/bin/busybox") ? "busybox-static is not installed (run build/scripts/test-deps.sh as root)" : null;

    public static (int ExitCode, string Output) Run(string program, params string[] args)
    {
        if (!Has(program)) return (127, $"{program} not found");
        var result = CliWrap.Cli.Wrap(program).WithArguments(args).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync().GetAwaiter().GetResult();
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }

    public static async Task<string> RunOkAsync(string program, params string[] args)
    {
        var result = await CliWrap.Cli.Wrap(program).WithArguments(args).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {result.ExitCode}: {result.StandardError}{result.StandardOutput}");
        return result.StandardOutput;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A test that needs docker-registry, skopeo, htpasswd and busybox-static; skipped with the reason when one is missing.</summary>
public sealed class RegistryFactAttribute : FactAttribute
{
    public RegistryFactAttribute()
    {
        if (Tools.MissingForRegistry() is { } reason) Skip = reason;
    }
}

/// <summary>A test that also needs a reachable Docker engine; skipped with the reason otherwise.</summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (Tools.MissingForRegistry() is { } reason) Skip = reason;
        else if (!Tools.DockerEngine) Skip = "no Docker engine is reachable (DOCKER_HOST or /var/run/docker.sock); build/scripts/test-deps.sh starts dockerd as root";
    }
}
