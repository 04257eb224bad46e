using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>
/// Auth: anonymous first; on a 401 the <c>WWW-Authenticate</c> challenge decides. <c>Basic</c>:
/// the credentials go to the registry. <c>Bearer realm=…,service=…,scope=…</c>: a token is fetched
/// from the announced realm (with the credentials, if any) and cached per scope.
/// </summary>
public sealed partial class RegistryClient
{
    private readonly ConcurrentDictionary<string, AuthenticationHeaderValue> _auth = new(StringComparer.Ordinal);
    private AuthenticationHeaderValue? _basic;

    private static string PullScope(string repository) => $"repository:{repository}:pull";

    private static string PushScope(string repository) => $"repository:{repository}:pull,push";

    private void Authorize(HttpRequestMessage request, string scope)
    {
        // An upload Location may point elsewhere (a storage backend): credentials go to the registry host only.
        if (request.RequestUri is null || !string.Equals(request.RequestUri.Authority, BaseUri.Authority, StringComparison.OrdinalIgnoreCase)) return;
        if (_auth.TryGetValue(scope, out var header) || (_basic is not null && (header = _basic) is not null))
            request.Headers.Authorization = header;
    }

    /// <summary>Answers a 401 challenge; false when there is nothing more to try.</summary>
    private async Task<bool> AuthenticateAsync(HttpResponseMessage response, string scope, CancellationToken ct)
    {
        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        if (challenge is null) return false;
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            if (_credentials?.Username is null || _basic is not null) return false;
            _basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_credentials.Username}:{_credentials.Password}")));
            return true;
        }
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) return false;
        // A cached token may have expired during a long upload: fetch a fresh one (the caller retries once).
        _auth.TryRemove(scope, out _);
        var parameters = ParseChallenge(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
            throw new OperationFailedException($"registry {Registry} sent a Bearer challenge without a usable realm.");
        var query = new List<string>();
        if (parameters.TryGetValue("service", out var service)) query.Add("service=" + Uri.EscapeDataString(service));
        foreach (var one in (parameters.GetValueOrDefault("scope") ?? scope).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            query.Add("scope=" + Uri.EscapeDataString(one));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(realmUri + (realmUri.Query.Length > 0 ? "&" : "?") + string.Join('&', query)));
        if (_credentials?.IdentityToken is { } identity)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", identity);
        else if (_credentials?.Username is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_credentials.Username}:{_credentials.Password}")));
        using var tokenResponse = await _http.SendAsync(request, ct);
        if (tokenResponse.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new RegistryAuthException(Registry, $"the token service {realmUri.Host} refused the credentials ({(int)tokenResponse.StatusCode})");
        if (!tokenResponse.IsSuccessStatusCode)
            throw new OperationFailedException($"registry {Registry}: the token service {realmUri.Host} answered {(int)tokenResponse.StatusCode}. Fix: check the registry's auth service, then re-run.");
        using var doc = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(ct));
        var token = (doc.RootElement.TryGetProperty("token", out var t) ? t : doc.RootElement.GetProperty("access_token")).GetString()!;
        Redactor.Register(token);
        _auth[scope] = new AuthenticationHeaderValue("Bearer", token);
        return true;
    }

    private static Dictionary<string, string> ParseChallenge(string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < parameter.Length)
        {
            var eq = parameter.IndexOf('=', i);
            if (eq < 0) break;
            var name = parameter[i..eq].Trim(' ', ',');
            string value;
            if (eq + 1 < parameter.Length && parameter[eq + 1] == '"')
            {
                var end = parameter.IndexOf('"', eq + 2);
                if (end < 0) end = parameter.Length;
                value = parameter[(eq + 2)..end];
                i = end + 1;
            }
            else
            {
                var end = parameter.IndexOf(',', eq + 1);
                if (end < 0) end = parameter.Length;
                value = parameter[(eq + 1)..end];
                i = end;
            }
            result[name] = value;
            i++;
        }
        return result;
    }
}

/// <summary>The registry refused the credentials (or there were none). The message never holds them.</summary>
public sealed class RegistryAuthException(string registry, string detail)
    : OperationFailedException($"registry {registry}: authentication failed: {detail}. Fix: set the variables named by registry.usernameEnv/passwordEnv in pipeline.json (default MODELPIPE_REGISTRY_USERNAME/MODELPIPE_REGISTRY_PASSWORD) or log in so ~/.docker/config.json has an 'auths' entry for {registry}.");
