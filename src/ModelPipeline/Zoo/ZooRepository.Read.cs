namespace ModelPipeline.Zoo;

public sealed partial class ZooRepository
{
    /// <summary>
    /// Syncs the cached clone to the primary's tip, refuses a tip that rewrote what this client saw
    /// before (<see cref="ZooHistory"/>), remembers it, and returns a read view of it. The view holds
    /// the clone's lock until disposed.
    /// </summary>
    public async Task<ZooSnapshot> ReadAsync(CancellationToken ct)
    {
        await Primary.EnsureSandboxAsync(_git, _sandboxDir, _settings.Branch, ct);
        var held = await Clone.LockAsync(TimeSpan.FromMinutes(10), ct);
        try
        {
            var tip = await Clone.SyncAsync(ct);
            await History.CheckAsync(tip, ct);
            await History.RememberAsync(tip, ct);
            return new ZooSnapshot(Clone.WorkTree, tip, Errors.Redactor.Redact(Primary.Url), held, History, _git);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }
}
