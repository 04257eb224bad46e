using System.Globalization;
using ModelPipeline.Errors;
using ModelPipeline.Git;

namespace ModelPipeline.Packaging;

/// <summary>
/// The image's created time (every tar entry's mtime, the config's <c>created</c>, the
/// <c>org.opencontainers.image.created</c> annotation) comes from the inputs, never from a clock:
/// <c>SOURCE_DATE_EPOCH</c> when set, else the commit time of the last commit that touched the
/// model's folder, else <see cref="FixedEpoch"/> (a folder outside git or never committed).
/// So two fresh clones of one commit package the same files into the same digest.
/// </summary>
public static class CreatedTime
{
    /// <summary>The time used when neither SOURCE_DATE_EPOCH nor a commit gives one: 1970-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset FixedEpoch = DateTimeOffset.UnixEpoch;

    public static async Task<(DateTimeOffset Time, string Source)> ResolveAsync(string model, string modelDir, CancellationToken ct)
    {
        var epoch = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        if (!string.IsNullOrEmpty(epoch))
        {
            return long.TryParse(epoch, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? (DateTimeOffset.FromUnixTimeSeconds(seconds), "SOURCE_DATE_EPOCH")
                : throw new InvalidInputException($"SOURCE_DATE_EPOCH='{epoch}' is not a whole number of seconds. Fix: unset it or set e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct).") { Model = model };
        }
        var git = new GitCli();
        string line;
        try
        {
            line = (await git.RunAsync(modelDir, ["log", "-1", "--format=%H %ct", "--", "."], ct)).Trim();
        }
        catch (GitException)
        {
            return (FixedEpoch, "fixed epoch (the model folder is not in a git repository)");
        }
        if (line.Length == 0) return (FixedEpoch, "fixed epoch (no commit has touched the model folder yet)");
        var parts = line.Split(' ');
        if (await IsShallowBoundaryAsync(git, modelDir, parts[0], ct))
            throw new OperationFailedException(
                $"model '{model}': this checkout is shallow, so the last commit that touched {modelDir} cannot be known, and the image's created time (part of its digest) would differ from a full clone's. " +
                "Fix: fetch the whole history (git fetch --unshallow; actions/checkout with fetch-depth: 0; GitLab GIT_DEPTH: 0), or set SOURCE_DATE_EPOCH.") { Model = model };
        return (DateTimeOffset.FromUnixTimeSeconds(long.Parse(parts[1], CultureInfo.InvariantCulture)), $"commit {parts[0][..12]}");
    }

    /// <summary>Whether <paramref name="commit"/> is a cut-off point of a shallow clone (its parents are missing).</summary>
    private static async Task<bool> IsShallowBoundaryAsync(GitCli git, string dir, string commit, CancellationToken ct)
    {
        var shallow = ShallowFile(dir)
            ?? (await git.RunAsync(dir, ["rev-parse", "--path-format=absolute", "--git-path", "shallow"], ct)).Trim();
        return File.Exists(shallow) && (await File.ReadAllLinesAsync(shallow, ct)).Any(l => l.Trim() == commit);
    }

    /// <summary>
    /// <c>.git/shallow</c> of the plain repository <paramref name="dir"/> is in, found without a git process (one
    /// per packaged model otherwise); null when git must say (a worktree, a submodule, GIT_DIR set).
    /// </summary>
    private static string? ShallowFile(string dir)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GIT_DIR"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GIT_COMMON_DIR"))) return null;
        for (var d = new DirectoryInfo(Path.GetFullPath(dir)); d is not null; d = d.Parent)
        {
            var dotGit = Path.Combine(d.FullName, ".git");
            if (Directory.Exists(dotGit)) return Path.Combine(dotGit, "shallow");
            if (File.Exists(dotGit)) return null;
        }
        return null;
    }
}
