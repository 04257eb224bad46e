using ModelPipeline.Configuration;
using ModelPipeline.Progress;

namespace ModelPipeline.Forges.GitLab;

/// <summary>
/// A small typed client for the GitLab REST API v4, shaped like Octokit's client tree:
/// <c>gitLab.MergeRequests.CreateAsync(project, new NewMergeRequest(...))</c>. Request models live
/// apart from response models; <see cref="GitLabErrors"/> maps HTTP status codes to exception types.
/// </summary>
public sealed class GitLabClient : IDisposable
{
    private readonly GitLabConnection _connection;

    /// <param name="baseUrl">The GitLab host (https://gitlab.com/) or its API root (…/api/v4/).</param>
    public GitLabClient(Uri baseUrl, string token, RateLimitBudget budget, HttpMessageHandler? handler = null, ForgeSettings? settings = null)
    {
        _connection = new GitLabConnection(ApiRoot(baseUrl), token, budget, handler, settings ?? new ForgeSettings { Kind = "gitlab" });
        MergeRequests = new MergeRequestsClient(_connection);
        Users = new UsersClient(_connection);
        Branches = new BranchesClient(_connection);
    }

    public IMergeRequestsClient MergeRequests { get; }

    public IUsersClient Users { get; }

    public IBranchesClient Branches { get; }

    public static GitLabClient Create(Uri baseUrl, string token, IPipelineReporter reporter, ForgeSettings settings) =>
        new(baseUrl, token, RateLimitBudget.For("GitLab", settings, reporter), settings: settings);

    private static Uri ApiRoot(Uri baseUrl)
    {
        var text = baseUrl.ToString().TrimEnd('/');
        return new Uri(text.EndsWith("/api/v4", StringComparison.Ordinal) ? text + "/" : text + "/api/v4/");
    }

    public void Dispose() => _connection.Dispose();
}

/// <summary>Merge requests of a project (<c>/projects/:id/merge_requests</c>).</summary>
public interface IMergeRequestsClient
{
    Task<MergeRequest> CreateAsync(string project, NewMergeRequest request, CancellationToken ct = default);

    Task<IReadOnlyList<MergeRequest>> GetAllAsync(string project, MergeRequestFilter filter, CancellationToken ct = default);

    Task<MergeRequest> UpdateAsync(string project, int iid, MergeRequestUpdate update, CancellationToken ct = default);

    Task<Note> CreateNoteAsync(string project, int iid, NewNote note, CancellationToken ct = default);
}

/// <summary>Branches of a project's repository (<c>/projects/:id/repository/branches</c>).</summary>
public interface IBranchesClient
{
    /// <summary>Deletes a branch; a branch that does not exist is a <see cref="GitLabNotFoundException"/>.</summary>
    Task DeleteAsync(string project, string branch, CancellationToken ct = default);
}

/// <summary>Users (<c>/users</c>), for turning reviewer usernames into ids.</summary>
public interface IUsersClient
{
    Task<User?> GetByUsernameAsync(string username, CancellationToken ct = default);
}

internal sealed class MergeRequestsClient(GitLabConnection connection) : IMergeRequestsClient
{
    public Task<MergeRequest> CreateAsync(string project, NewMergeRequest request, CancellationToken ct = default) =>
        connection.SendAsync<MergeRequest>(HttpMethod.Post, $"projects/{Id(project)}/merge_requests", request, ct);

    public Task<IReadOnlyList<MergeRequest>> GetAllAsync(string project, MergeRequestFilter filter, CancellationToken ct = default) =>
        connection.SendAsync<IReadOnlyList<MergeRequest>>(HttpMethod.Get, $"projects/{Id(project)}/merge_requests{filter.Query()}", null, ct);

    public Task<MergeRequest> UpdateAsync(string project, int iid, MergeRequestUpdate update, CancellationToken ct = default) =>
        connection.SendAsync<MergeRequest>(HttpMethod.Put, $"projects/{Id(project)}/merge_requests/{iid}", update, ct);

    public Task<Note> CreateNoteAsync(string project, int iid, NewNote note, CancellationToken ct = default) =>
        connection.SendAsync<Note>(HttpMethod.Post, $"projects/{Id(project)}/merge_requests/{iid}/notes", note, ct);

    /// <summary>A project path (group/project) as GitLab's URL-encoded id.</summary>
    internal static string Id(string project) => Uri.EscapeDataString(project);
}

internal sealed class BranchesClient(GitLabConnection connection) : IBranchesClient
{
    public Task DeleteAsync(string project, string branch, CancellationToken ct = default) =>
        connection.SendAsync(HttpMethod.Delete, $"projects/{MergeRequestsClient.Id(project)}/repository/branches/{Uri.EscapeDataString(branch)}", null, ct);
}

internal sealed class UsersClient(GitLabConnection connection) : IUsersClient
{
    public async Task<User?> GetByUsernameAsync(string username, CancellationToken ct = default)
    {
        var users = await connection.SendAsync<IReadOnlyList<User>>(HttpMethod.Get, $"users?username={Uri.EscapeDataString(username)}", null, ct);
        return users.Count > 0 ? users[0] : null;
    }
}
