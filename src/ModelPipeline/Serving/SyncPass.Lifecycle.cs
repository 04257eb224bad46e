using ModelPipeline.Errors;
using ModelPipeline.Zoo;
using ModelPipeline.Zoo.Lifecycle;

namespace ModelPipeline.Serving;

public sealed partial class SyncPass
{
    /// <summary>
    /// The lifecycle of the version an entry resolved to. Deprecated: a warning. Yanked and already served:
    /// a loud warning, and it keeps serving (a yank is not a rollback). Yanked and not served yet: refused
    /// (the entry keeps what it serves) unless the entry names it exactly and the pass allows yanked versions.
    /// </summary>
    private string? LifecycleWarning(FollowEntry entry, ResolvedVersion version, bool served)
    {
        if (version.Status is not { } status) return null;
        var n = version.Version.Version;
        string warning;
        if (!status.IsYanked)
            warning = $"{entry.Text} is v{n}, which is {ZooLifecycle.Describe(status)}; plan a move to another version";
        else if (served)
            warning = $"{entry.Text} is v{n}, which is YANKED: {ZooLifecycle.Describe(status)}. This host keeps "
                + $"serving v{n}: "
                + "a yank is not a rollback. Fix: point the entry (or its alias) at another version";
        else
        {
            ZooLifecycle.Require(entry.Model, n, status, entry.Reference, AllowYanked);
            warning = $"{entry.Text} is v{n}, which is YANKED ({ZooLifecycle.Describe(status)}); served because "
                + $"--allow-yanked was given";
        }
        _reporter.Warning(entry.Model, warning);
        return warning;
    }
}
