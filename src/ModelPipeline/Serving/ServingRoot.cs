using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using ModelPipeline.Errors;
using ModelPipeline.Models;

namespace ModelPipeline.Serving;

/// <summary>
/// The serving root on disk:
/// <code>
/// ROOT/&lt;name&gt;/vN-&lt;digest12&gt;/   one complete, verified version (only ever appears by rename)
/// ROOT/&lt;name&gt;/current              symbolic link to the version served, replaced by rename(2)
/// ROOT/&lt;name&gt;/.incoming-*, .trash-*, .current-*   work in progress; removed at the next pass
/// ROOT/.sync/                      status.json, locks, the zoo clone
/// </code>
/// Every path written or linked is checked to resolve (through symbolic links) inside the root.
/// </summary>
public sealed partial class ServingRoot
{
    public const string CurrentLink = "current";

    public ServingRoot(string root)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    public string Root { get; }

    public string StateDir => Path.Combine(Root, ".sync");

    public string StatusPath => Path.Combine(StateDir, "status.json");

    /// <summary>Creates the root when missing and refuses one that others may write to.</summary>
    public void Prepare()
    {
        Directory.CreateDirectory(Root);
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(Root) & UnixFileMode.OtherWrite) != 0)
            throw new InvalidInputException($"the serving root {Root} is writable by every user; only the sync client may write a production folder. Fix: chmod o-w {Root}.");
        Directory.CreateDirectory(Confine(StateDir, "the state folder"));
    }

    public static string VersionName(int version, string digest) => $"v{version}-{digest["sha256:".Length..][..12]}";

    public string ModelDir(string model) => Confine(Path.Combine(Root, model), $"the folder of {model}");

    public string VersionDir(string model, string name) => Confine(Path.Combine(Root, model, name), $"{model} {name}");

    /// <summary>The version name <c>current</c> links to, or null when there is none (or it is not ours).</summary>
    public string? Current(string model)
    {
        var dir = ModelDir(model);
        var link = new FileInfo(Path.Combine(dir, CurrentLink));
        return link.LinkTarget is { } target && VersionPattern().IsMatch(target) && Directory.Exists(Path.Combine(dir, target)) ? target : null;
    }

    /// <summary>N of a version folder name vN-digest12.</summary>
    public static int? VersionOf(string? name) =>
        name is not null && VersionPattern().IsMatch(name) ? int.Parse(name[1..name.IndexOf('-')], System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>The complete versions on disk (folders named vN-digest12, not links), newest version first.</summary>
    public IReadOnlyList<string> Versions(string model)
    {
        var dir = ModelDir(model);
        if (!Directory.Exists(dir)) return [];
        return new DirectoryInfo(dir).EnumerateDirectories()
            .Where(d => d.LinkTarget is null && VersionPattern().IsMatch(d.Name))
            .OrderByDescending(d => VersionOf(d.Name))
            .ThenBy(d => d.Name, StringComparer.Ordinal)
            .Select(d => d.Name).ToList();
    }

    /// <summary>Points <c>current</c> at <paramref name="name"/>: a new link beside it, renamed over it (atomic for readers).</summary>
    public void Switch(string model, string name)
    {
        var dir = ModelDir(model);
        var target = VersionDir(model, name);
        if (!Directory.Exists(target)) throw new InvalidOperationException($"{target} does not exist");
        var temp = Confine(Path.Combine(dir, $".current-{Guid.NewGuid():N}"), "a new link");
        File.CreateSymbolicLink(temp, name);
        try
        {
            var current = Confine(Path.Combine(dir, CurrentLink), "the current link");
            if (Rename(temp, current) != 0)
                throw new OperationFailedException($"{model}: could not switch {current} to {name} ({Marshal.GetLastPInvokeErrorMessage()}); it still points where it did. Fix: check the folder's permissions.") { Model = model };
        }
        finally
        {
            if (new FileInfo(temp).LinkTarget is not null) File.Delete(temp);
        }
    }

    /// <summary>Removes a version: renamed out of sight first, so a crash never leaves a half-deleted vN folder.</summary>
    public void Remove(string model, string name)
    {
        var trash = Confine(Path.Combine(Root, model, $".trash-{Guid.NewGuid():N}"), "a trash folder");
        Directory.Move(VersionDir(model, name), trash);
        Delete(trash);
    }

    /// <summary>Moves a completed staging folder into place as <paramref name="name"/> (replacing a broken one).</summary>
    public void Publish(string model, string staged, string name)
    {
        var target = VersionDir(model, name);
        if (Directory.Exists(target)) Remove(model, name);
        Directory.Move(staged, target);
    }

    /// <summary>A new staging folder for a model: ROOT/&lt;name&gt;/.incoming-…</summary>
    public string NewStaging(string model)
    {
        var path = Confine(Path.Combine(ModelDir(model), $".incoming-{Guid.NewGuid():N}"), "a staging folder");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Removes what an interrupted pass left: staging, trash and link temporaries (call under the pass lock).</summary>
    public void CleanLeftovers(string model)
    {
        var dir = ModelDir(model);
        if (!Directory.Exists(dir)) return;
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos(".*"))
        {
            if (!LeftoverPattern().IsMatch(entry.Name)) continue;
            if (entry.LinkTarget is not null || entry is FileInfo) entry.Delete();
            else Delete(entry.FullName);
        }
    }

    /// <summary>The path if it resolves (symbolic links followed) inside the root; else refused.</summary>
    public string Confine(string path, string what)
    {
        var realRoot = SafePath.RealPath(Root);
        var real = SafePath.RealPath(path);
        if (!SafePath.IsInside(realRoot, real) || real == realRoot && Path.GetFullPath(path) != Root)
            throw new OperationFailedException($"{what} ({path}) resolves to {real}, outside the serving root {Root}; refused. Fix: remove the symbolic link that leads out of the root.");
        return path;
    }

    /// <summary>Deletes a folder tree, first making folders writable (published versions may be read-only).</summary>
    private static void Delete(string path)
    {
        if (!OperatingSystem.IsWindows())
            foreach (var dir in new[] { path }.Concat(Directory.EnumerateDirectories(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })))
                if (new DirectoryInfo(dir).LinkTarget is null) File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.Delete(path, recursive: true);
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    [GeneratedRegex("^v[1-9][0-9]{0,8}-[0-9a-f]{12}$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^\\.(incoming|trash|current)-[0-9a-f]{32}$")]
    private static partial Regex LeftoverPattern();
}
