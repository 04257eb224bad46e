using System.Collections;
using System.IO.Pipelines;
using Docker.DotNet;
using Docker.DotNet.Models;
using ModelPipeline.Errors;
using ModelPipeline.Oci;

namespace ModelPipeline.Docker;

/// <summary>
/// A Docker engine reached through Docker.DotNet (<c>DOCKER_HOST</c>, else the default socket):
/// loads an image from the OCI layout (streamed as a docker-load tarball, never staged on disk),
/// or pulls it from a registry by digest.
/// </summary>
public sealed partial class DockerEngine : IDisposable
{
    private readonly DockerClient _client;

    private DockerEngine(DockerClient client, Uri endpoint)
    {
        _client = client;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public static async Task<DockerEngine> ConnectAsync(IDictionary? environment = null, CancellationToken ct = default)
    {
        var env = environment ?? Environment.GetEnvironmentVariables();
        var host = env["DOCKER_HOST"] as string;
        var endpoint = new Uri(string.IsNullOrEmpty(host) ? "unix:///var/run/docker.sock" : host);
        var client = new DockerClientConfiguration(endpoint, defaultTimeout: TimeSpan.FromMinutes(10)).CreateClient();
        try
        {
            await client.System.PingAsync(ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or DockerApiException or TimeoutException or System.Net.Sockets.SocketException)
        {
            client.Dispose();
            throw new OperationFailedException($"no Docker engine is reachable at {Redactor.Redact(endpoint.ToString())} ({ex.GetType().Name}). Fix: start dockerd (build/scripts/test-deps.sh does, as root) or set DOCKER_HOST; or drop --load.");
        }
        return new DockerEngine(client, endpoint);
    }

    /// <summary>Loads a tagged image of the layout into the engine as <paramref name="repoTag"/>.</summary>
    public async Task LoadAsync(OciLayout layout, string tag, string repoTag, CancellationToken ct)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20));
        var writer = Task.Run(async () =>
        {
            try
            {
                await using var stream = pipe.Writer.AsStream();
                await layout.WriteDockerArchiveAsync(tag, repoTag, stream, ct);
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex);
                throw;
            }
        }, ct);
        var errors = new List<string>();
        await using (var reader = pipe.Reader.AsStream())
            await _client.Images.LoadImageAsync(new ImageLoadParameters { Quiet = true }, reader, new Progress<JSONMessage>(m =>
            {
                if (m.Error is not null) errors.Add(m.Error.Message);
            }), ct);
        await writer;
        if (errors.Count > 0)
            throw new OperationFailedException($"docker load of {repoTag} failed: {string.Join("; ", errors)}");
    }

    /// <summary>Pulls <c>repo@digest</c> (credentials, if any, go to that registry only) and tags it <paramref name="repoTag"/>.</summary>
    public async Task PullAsync(string repository, string digest, string repoTag, RegistryCredentials? credentials, CancellationToken ct)
    {
        var errors = new List<string>();
        var auth = credentials?.Username is null ? new AuthConfig() : new AuthConfig { Username = credentials.Username, Password = credentials.Password };
        await _client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = digest }, auth,
            new Progress<JSONMessage>(m => { if (m.Error is not null) errors.Add(m.Error.Message); }), ct);
        if (errors.Count > 0)
            throw new OperationFailedException($"docker pull of {repository}@{digest} failed: {Redactor.Redact(string.Join("; ", errors))}");
        var colon = repoTag.LastIndexOf(':');
        await _client.Images.TagImageAsync($"{repository}@{digest}", new ImageTagParameters { RepositoryName = repoTag[..colon], Tag = repoTag[(colon + 1)..] }, ct);
    }

    public void Dispose() => _client.Dispose();
}
