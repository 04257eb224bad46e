using ModelPipeline.Errors;
using Octokit;

namespace ModelPipeline.Forges.GitHub;

public sealed partial class GitHubForge
{
    /// <summary>
    /// Runs one Octokit call: rate limits (403 secondary limit, 429, exhausted quota) are waited out
    /// within the budget; other API failures become one clear, redacted <see cref="OperationFailedException"/>.
    /// A 422 that means "already exists" is left to the caller.
    /// </summary>
    private async Task<T> CallAsync<T>(string request, Func<Task<T>> call, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await call().WaitAsync(ct); // Octokit takes no token: stop waiting on SIGTERM or Ctrl-C
            }
            catch (ApiException ex) when (IsRateLimited(ex))
            {
                await _budget.WaitAsync(RetryAfter(ex), $"{request} ({(int)ex.StatusCode})", ct);
            }
            catch (ApiValidationException ex) when (!AlreadyExists(ex))
            {
                var details = string.Join("; ", ex.ApiError?.Errors?.Select(e => e.Message ?? $"{e.Field} {e.Code}") ?? []);
                var hint = details.Contains("head", StringComparison.OrdinalIgnoreCase) ? " The head branch must exist on the repository: check that forge.repository is the GitOps repository that gitops.repository points at." : "";
                throw new OperationFailedException(Redactor.Redact($"GitHub refused {request} on {_owner}/{_name} (422 {ex.Message}{(details.Length > 0 ? ": " + details : "")}).{hint} Fix: correct the request or the repository settings and re-run."));
            }
            catch (AuthorizationException ex)
            {
                throw new OperationFailedException(Redactor.Redact(
                    $"GitHub rejected the token in {_settings.TokenEnv} (forge.tokenEnv) for {request} on {_owner}/{_name} (HTTP {(int)ex.StatusCode} {Quote(ex.Message)}). " +
                    $"Fix: export a valid token in {_settings.TokenEnv} that may open pull requests on {_owner}/{_name}."));
            }
            catch (ForbiddenException ex)
            {
                throw new OperationFailedException(Redactor.Redact(
                    $"GitHub: the token in {_settings.TokenEnv} (forge.tokenEnv) may not {request} on {_owner}/{_name} (HTTP 403 {Quote(ex.Message)}). " +
                    $"Fix: give that token write access to pull requests on {_owner}/{_name}."));
            }
            catch (NotFoundException)
            {
                throw new OperationFailedException($"GitHub: {request} on {_owner}/{_name} answered HTTP 404. Fix: check forge.repository and forge.apiUrl, and that the token in {_settings.TokenEnv} can see the repository.");
            }
            catch (ApiException ex) when (ex is not ApiValidationException)
            {
                throw new OperationFailedException(Redactor.Redact($"GitHub: {request} on {_owner}/{_name} failed (HTTP {(int)ex.StatusCode} {Quote(ex.Message)}). Fix: re-run; if it persists check the GitHub status and forge settings."));
            }
            catch (HttpRequestException ex)
            {
                throw new OperationFailedException(Redactor.Redact($"GitHub: {request} on {_owner}/{_name} got no answer from {_client.Connection.BaseAddress} ({ex.Message}). Fix: check forge.apiUrl and the network, then re-run (a pull request that was created is found and completed)."));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new OperationFailedException(
                    $"GitHub: {request} on {_owner}/{_name} timed out: no answer from {_client.Connection.BaseAddress} within {_settings.TimeoutSeconds}s. " +
                    "Fix: check forge.apiUrl and the network, or raise forge.timeoutSeconds in pipeline.json; then re-run.");
            }
        }
    }

    private static string Quote(string message) => message.Length > 200 ? message[..200] + "…" : message;

    private static bool IsRateLimited(ApiException ex) =>
        (int)ex.StatusCode == 429
        || ex is SecondaryRateLimitExceededException or AbuseException or RateLimitExceededException
        || ((int)ex.StatusCode == 403 && ex.Message.Contains("rate limit", StringComparison.OrdinalIgnoreCase));

    private static TimeSpan? RetryAfter(ApiException ex)
    {
        var headers = ex.HttpResponse?.Headers;
        var retryAfter = headers?.FirstOrDefault(h => h.Key.Equals("Retry-After", StringComparison.OrdinalIgnoreCase)).Value;
        if (RateLimitBudget.ParseRetryAfter(retryAfter) is { } wait) return wait;
        if (ex is RateLimitExceededException quota) return quota.Reset - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
    }
}
