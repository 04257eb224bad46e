using System.Net;
using System.Text.Json;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>The one table from HTTP status (and the registry's error code) to exception.</summary>
internal static class RegistryErrors
{
    public static async Task<Exception> ToExceptionAsync(string registry, HttpResponseMessage response, CancellationToken ct)
    {
        var request = response.RequestMessage;
        var what = $"{request?.Method} {Redactor.Redact(request?.RequestUri?.ToString())}";
        var detail = await DescribeAsync(response, ct);
        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => new RegistryAuthException(registry, $"{what} answered {detail}"),
            HttpStatusCode.Forbidden => new OperationFailedException($"registry {registry}: {what} was denied ({detail}). Fix: give the account push/pull rights on this repository."),
            HttpStatusCode.NotFound => new OperationFailedException($"registry {registry}: {what} not found ({detail}). Fix: check the reference (modelcar.baseImage / modelcar.repository)."),
            _ => new OperationFailedException($"registry {registry}: {what} failed ({detail})."),
        };
    }

    /// <summary>The status code, then the registry's error codes and messages (<c>{"errors":[{"code","message"}]}</c>), redacted, short.</summary>
    public static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return $"{(int)response.StatusCode}";
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                return $"{(int)response.StatusCode} " + string.Join("; ", errors.EnumerateArray().Select(e =>
                    $"{(e.TryGetProperty("code", out var c) ? c.GetString() : "")}: {(e.TryGetProperty("message", out var m) ? m.GetString() : "")}"));
        }
        catch (JsonException)
        {
        }
        var text = Redactor.Redact(body.Trim());
        return $"{(int)response.StatusCode}" + (text.Length == 0 ? "" : " " + (text.Length > 200 ? text[..200] + "…" : text));
    }
}
