using System.Net;
using ModelPipeline.Errors;

namespace ModelPipeline.Forges.GitLab;

/// <summary>A failed GitLab API call: status, method, redacted URL and GitLab's message.</summary>
public class GitLabApiException(HttpStatusCode status, string request, string gitLabMessage, string fix)
    : OperationFailedException(Redactor.Redact($"GitLab: {request} failed (HTTP {(int)status} {(gitLabMessage.Length > 200 ? gitLabMessage[..200] + "…" : gitLabMessage)}). Fix: {fix}"))
{
    public HttpStatusCode StatusCode { get; } = status;

    public string GitLabMessage { get; } = gitLabMessage;
}

public sealed class GitLabAuthorizationException(HttpStatusCode status, string request, string message, string? variable = null)
    : GitLabApiException(status, request, message, variable is null
        ? "export a valid token (api scope) in the variable named by forge.tokenEnv."
        : $"check the token in {variable} (forge.tokenEnv): it must be valid and have the api scope on the project.");

public sealed class GitLabNotFoundException(HttpStatusCode status, string request, string message)
    : GitLabApiException(status, request, message, "check forge.repository (group/project) and forge.apiUrl, and that the token can see the project.");

/// <summary>409: e.g. "Another open merge request already exists for this source branch".</summary>
public sealed class GitLabConflictException(HttpStatusCode status, string request, string message)
    : GitLabApiException(status, request, message, "resolve the conflict on GitLab and re-run.");

/// <summary>400/422: the request was refused, e.g. a source branch that does not exist.</summary>
public sealed class GitLabValidationException(HttpStatusCode status, string request, string message)
    : GitLabApiException(status, request, message, "the source branch must exist on the project: check that forge.repository is the GitOps repository gitops.repository points at.");

public sealed class GitLabRateLimitException(HttpStatusCode status, string request, string message, TimeSpan? retryAfter)
    : GitLabApiException(status, request, message, "re-run later, or raise forge.rateLimitMaxWaitSeconds.")
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

public sealed class GitLabServerException(HttpStatusCode status, string request, string message)
    : GitLabApiException(status, request, message, "re-run; if it persists check the GitLab instance's status.");

/// <summary>The one table from HTTP status to exception type.</summary>
public static class GitLabErrors
{
    /// <summary>Status to exception: (status, request, GitLab's message, Retry-After, token variable).</summary>
    private static readonly Dictionary<HttpStatusCode, Func<HttpStatusCode, string, string, TimeSpan?, string?, GitLabApiException>> Table = new()
    {
        [HttpStatusCode.BadRequest] = (s, r, m, _, _) => new GitLabValidationException(s, r, m),
        [HttpStatusCode.Unauthorized] = (s, r, m, _, v) => new GitLabAuthorizationException(s, r, m, v),
        [HttpStatusCode.Forbidden] = (s, r, m, _, v) => new GitLabAuthorizationException(s, r, m, v),
        [HttpStatusCode.NotFound] = (s, r, m, _, _) => new GitLabNotFoundException(s, r, m),
        [HttpStatusCode.Conflict] = (s, r, m, _, _) => new GitLabConflictException(s, r, m),
        [HttpStatusCode.UnprocessableEntity] = (s, r, m, _, _) => new GitLabValidationException(s, r, m),
        [HttpStatusCode.TooManyRequests] = (s, r, m, wait, _) => new GitLabRateLimitException(s, r, m, wait),
    };

    public static GitLabApiException For(HttpStatusCode status, string request, string message, TimeSpan? retryAfter, string? tokenVariable = null) =>
        Table.TryGetValue(status, out var create) ? create(status, request, message, retryAfter, tokenVariable)
        : (int)status >= 500 ? new GitLabServerException(status, request, message)
        : new GitLabApiException(status, request, message, "check the forge settings in pipeline.json and re-run.");
}
