using CliWrap;
using CliWrap.Buffered;
using ModelPipeline.Errors;
using ModelPipeline.Models;
using ModelPipeline.RunState;
using ModelPipeline.Zoo;
using ModelPipeline.Zoo.Pull;

namespace ModelPipeline.Serving;

public sealed partial class SyncPass
{
    /// <summary>Brings one entry to the version it resolved to: stage (or reuse), switch, hook, retention.</summary>
    private async Task<EntryOutcome> SyncEntryAsync(FollowEntry entry, ResolvedVersion version, EntryStatus? last, CancellationToken ct)
    {
        var model = entry.Model;
        var n = version.Version.Version;
        var digest = version.Manifest.Image.Digest;
        if (!ZooLayout.IsDigest(digest))
            throw new OperationFailedException($"the zoo entry's image digest '{digest}' is not a sha256 digest; refused. Fix: re-publish the model.") { Model = model };
        var name = ServingRoot.VersionName(n, digest);
        CheckEntryPaths(version, name);

        var previous = Root.Current(model);
        var warning = LifecycleWarning(entry, version, previous == name);
        var result = "unchanged";
        if (previous != name && last?.Rejected is { } rejected && rejected.Digest == digest)
            return Held(entry, rejected, previous);
        if (previous != name)
        {
            var existing = Root.Versions(model).Contains(name);
            if (!existing || !await IsIntactAsync(version, Root.VersionDir(model, name), ct))
                await StageAsync(version, name, ct);
            else _reporter.Info(model, $"{name} is already on disk and intact; switching to it");
            // Shutdown requested: stop before the switch. The staged version stays (complete) for the next pass.
            ct.ThrowIfCancellationRequested();
            Root.Switch(model, name);
            result = "switched";
            _reporter.Info(model, $"{entry.Text}: now serving v{n} ({name}){(previous is null ? "" : $", was {previous}")}");
        }

        string? hookRanFor = last?.HookRanFor, hookError = null;
        if (_sync.Hook is { } hook && hookRanFor != name)
        {
            var runner = new HookRunner(hook, Root.Root, _reporter);
            try
            {
                await runner.RunAsync(new HookRunner.Switched(entry, n, digest, Root.VersionDir(model, name), Path.Combine(Root.Root, model, ServingRoot.CurrentLink),
                    previous is null ? null : Path.Combine(Root.Root, model, previous)), ct);
                hookRanFor = name;
            }
            catch (OperationFailedException ex)
            {
                hookError = ex.Message;
                _reporter.Warning(model, ex.Message);
            }
        }

        if (result == "switched" && _sync.Health is { } health)
        {
            var check = new HealthCheck(health, Root.Root, _reporter);
            var switched = new HookRunner.Switched(entry, n, digest, Root.VersionDir(model, name),
                Path.Combine(Root.Root, model, ServingRoot.CurrentLink), previous is null ? null : Path.Combine(Root.Root, model, previous));
            if (await check.RunAsync(switched, ct) is { } unhealthy)
                return await RevertAsync(entry, n, digest, name, previous, unhealthy, ct);
        }

        var removed = Retain(model, name);
        return new EntryOutcome
        {
            Entry = entry.Text, Model = model, Result = result, ExitCode = hookError is null ? 0 : 1,
            Serving = name, Version = n, Digest = digest, Previous = previous == name ? null : previous,
            HookRanFor = hookRanFor, HookError = hookError, Removed = removed, Warning = warning,
            Detail = (result == "switched" ? $"v{n} {name}{(previous is null ? "" : $" (was {previous})")}" : $"v{n} {name} (unchanged)")
                + (hookError is null ? "" : "; hook failed, retried next pass") + (warning is null ? "" : $"; {warning}"),
        };
    }

    /// <summary>Every file the zoo entry names must stay inside its version folder.</summary>
    private void CheckEntryPaths(ResolvedVersion version, string name)
    {
        var dir = Root.VersionDir(version.Model, name);
        foreach (var file in version.Manifest.Files)
        {
            if (SafePath.TryResolve(dir, file.Path, out var reason) is null)
                throw new OperationFailedException($"the zoo entry lists the file '{file.Path}', which {reason}: it would leave the serving root; refused, nothing was written. Fix: the zoo entry models/{version.Model}/v{version.Version.Version}/manifest.json is corrupt or hostile; re-publish the model.") { Model = version.Model };
        }
    }

    /// <summary>Pulls the version into a staging folder under ROOT/&lt;name&gt;/, sets its permissions, then renames it into place.</summary>
    private async Task StageAsync(ResolvedVersion version, string name, CancellationToken ct)
    {
        var model = version.Model;
        var staging = Root.NewStaging(model);
        try
        {
            var target = Path.Combine(staging, name);
            await new ModelPuller(_config, _reporter).PullAsync(version, _sync.Layout, target, ct);
            await ApplyPermissionsAsync(model, target, ct);
            Root.Publish(model, target, name);
        }
        finally
        {
            try { if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true); }
            catch (IOException) { /* the next pass removes .incoming-* leftovers */ }
        }
    }

    /// <summary>A version folder already on disk is reused only if every file still matches the zoo manifest.</summary>
    private async Task<bool> IsIntactAsync(ResolvedVersion version, string dir, CancellationToken ct)
    {
        foreach (var file in version.Manifest.Files)
        {
            var path = Path.Combine(dir, file.Path);
            if (!File.Exists(path) || new FileInfo(path).Length != file.Size || await Digests.FileSha256Async(path, ct) != file.Sha256)
            {
                _reporter.Warning(version.Model, $"{dir}: {file.Path} differs from the zoo manifest; pulling the version again");
                return false;
            }
        }
        return true;
    }

    private async Task ApplyPermissionsAsync(string model, string dir, CancellationToken ct)
    {
        if (OperatingSystem.IsWindows()) return;
        if (_sync.Files.Group is { } group)
        {
            var result = await Cli.Wrap("chgrp").WithArguments(["-R", "-h", "--", group, dir]).WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(ct);
            if (result.ExitCode != 0)
                throw new OperationFailedException($"files.group '{group}': chgrp failed ({result.StandardError.Trim()}); nothing was switched. Fix: name a group that exists and that this user may use (the service user must be a member).") { Model = model };
        }
        if (_sync.Files.Mode is { } mode)
        {
            var dirMode = mode | ExecuteWhereRead(mode);
            foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
                if (new FileInfo(file).LinkTarget is null) File.SetUnixFileMode(file, mode);
            foreach (var sub in Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories).Reverse().Append(dir))
                if (new DirectoryInfo(sub).LinkTarget is null) File.SetUnixFileMode(sub, dirMode);
        }
    }

    private static UnixFileMode ExecuteWhereRead(UnixFileMode mode) =>
        (mode.HasFlag(UnixFileMode.UserRead) ? UnixFileMode.UserExecute : 0)
        | (mode.HasFlag(UnixFileMode.GroupRead) ? UnixFileMode.GroupExecute : 0)
        | (mode.HasFlag(UnixFileMode.OtherRead) ? UnixFileMode.OtherExecute : 0);

    /// <summary>Keeps the served version and the <c>keep</c> newest others; removes the rest.</summary>
    private List<string> Retain(string model, string served)
    {
        var removed = new List<string>();
        foreach (var name in Root.Versions(model).Where(v => v != served).Skip(_sync.Keep))
        {
            if (Root.Current(model) == name) continue;
            try
            {
                Root.Remove(model, name);
                removed.Add(name);
                _reporter.Info(model, $"removed {name} (keep {_sync.Keep} besides the served version)");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _reporter.Warning(model, $"could not remove {name} ({ex.Message}); the next pass tries again");
            }
        }
        return removed;
    }
}
