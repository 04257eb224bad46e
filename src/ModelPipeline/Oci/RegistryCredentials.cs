using System.Collections;
using System.Text;
using System.Text.Json;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>
/// Credentials for one registry, from the environment variables named in <c>registry</c>
/// (pipeline.json) or from the <c>auths</c> of Docker's config.json
/// (<c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>). Never from pipeline.json.
/// </summary>
public sealed record RegistryCredentials(string? Username, string? Password, string? IdentityToken)
{
    public override string ToString() => $"RegistryCredentials {{ Username = {Username}, Password = ***, IdentityToken = *** }}";

    public static RegistryCredentials? Find(string registry, RegistrySettings settings, IDictionary environment)
    {
        var user = environment[settings.UsernameEnv] as string;
        var password = environment[settings.PasswordEnv] as string;
        if (!string.IsNullOrEmpty(user) || !string.IsNullOrEmpty(password))
        {
            if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
                throw new InvalidInputException($"registry {registry}: only one of {settings.UsernameEnv} and {settings.PasswordEnv} is set. Fix: set both (or neither, to use ~/.docker/config.json or anonymous access).");
            Redactor.Register(password);
            return new RegistryCredentials(user, password, null);
        }
        return settings.DockerConfig ? FromDockerConfig(registry, environment) : null;
    }

    private static RegistryCredentials? FromDockerConfig(string registry, IDictionary environment)
    {
        var dir = environment["DOCKER_CONFIG"] as string;
        if (string.IsNullOrEmpty(dir))
        {
            var home = environment["HOME"] as string;
            if (string.IsNullOrEmpty(home)) return null;
            dir = Path.Combine(home, ".docker");
        }
        var path = Path.Combine(dir, "config.json");
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (!doc.RootElement.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object) return null;
            foreach (var entry in auths.EnumerateObject())
            {
                if (!SameRegistry(entry.Name, registry)) continue;
                var e = entry.Value;
                if (e.TryGetProperty("identitytoken", out var it) && it.GetString() is { Length: > 0 } identity)
                {
                    Redactor.Register(identity);
                    return new RegistryCredentials(null, null, identity);
                }
                string? user = e.TryGetProperty("username", out var u) ? u.GetString() : null;
                string? password = e.TryGetProperty("password", out var p) ? p.GetString() : null;
                if (e.TryGetProperty("auth", out var a) && a.GetString() is { Length: > 0 } auth)
                {
                    var pair = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                    var colon = pair.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0) (user, password) = (pair[..colon], pair[(colon + 1)..]);
                }
                if (user is null || password is null) continue;
                Redactor.Register(password);
                return new RegistryCredentials(user, password, null);
            }
            return null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidInputException($"{path}: unreadable 'auths' ({ex.GetType().Name}). Fix: repair the file (docker login rewrites it) or set registry.dockerConfig to false in pipeline.json.");
        }
    }

    private static bool SameRegistry(string key, string registry)
    {
        var host = key;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) host = host[(scheme + 3)..];
        host = host.Split('/')[0];
        return host.Equals(registry, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>Creates (and reuses) one <see cref="RegistryClient"/> per registry host from the settings.</summary>
public sealed class RegistryConnector(RegistrySettings settings, Progress.IPipelineReporter reporter, IDictionary? environment = null) : IDisposable
{
    private readonly Dictionary<string, RegistryClient> _clients = new(StringComparer.OrdinalIgnoreCase);
    private readonly IDictionary _environment = environment ?? Environment.GetEnvironmentVariables();

    /// <summary>The one client of <paramref name="reference"/>'s registry (models packaged at once, and a warm-up on a
    /// pool thread, ask for it together).</summary>
    public RegistryClient For(ImageReference reference)
    {
        lock (_clients)
        {
            if (_clients.TryGetValue(reference.Registry, out var client)) return client;
            var plain = settings.PlainHttp switch { "always" => true, "never" => false, _ => reference.IsLoopback };
            client = new RegistryClient(reference.Registry, plain,
                RegistryCredentials.Find(reference.Registry, settings, _environment),
                settings.Retries, TimeSpan.FromSeconds(settings.TimeoutSeconds), reporter);
            _clients[reference.Registry] = client;
            return client;
        }
    }

    public void Dispose()
    {
        lock (_clients)
            foreach (var c in _clients.Values) c.Dispose();
    }
}
