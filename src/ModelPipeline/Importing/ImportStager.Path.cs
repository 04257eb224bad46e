using System.Diagnostics;
using ModelPipeline.Errors;
using ModelPipeline.RunState;

namespace ModelPipeline.Importing;

/// <summary>
/// A local file or folder. A folder's symbolic links to files are copied as the files they name
/// (a Hugging Face cache snapshot is links into its blobs); links to folders, broken links, FIFOs,
/// sockets and devices are refused before anything is copied. The folder's own <c>.git</c> and
/// <c>.cache</c> (git and huggingface-cli bookkeeping) are not part of the model.
/// </summary>
internal sealed partial class ImportStager
{
    public static readonly string[] SkippedFolders = [".git", ".cache"];

    private async Task<(string, string?)> FromPathAsync(string path, string staging, CancellationToken ct)
    {
        if (File.Exists(path))
        {
            var problems = Special(path, Path.GetDirectoryName(path)!);
            if (problems.Count > 0) throw Refused(path, problems);
            if (new FileInfo(path).Length > MaxBytes) throw TooLarge(path);
            var target = Target(staging, Path.GetFileName(path), path);
            File.Copy(path, target);
            return ("file", await Digests.FileSha256Async(target, ct));
        }
        var files = new List<string>();
        var found = new List<string>();
        Walk(new DirectoryInfo(path), path, files, found);
        found.AddRange(Special(path, path));
        if (found.Count > 0) throw Refused(path, found);
        if (files.Count == 0)
            throw new InvalidInputException($"model '{Name}': --from {path}: the folder holds no files; nothing was imported. " +
                "Fix: point --from at the folder with the model's files (e.g. config.json and *.safetensors).") { Model = Name };
        long total = 0;
        foreach (var rel in files)
            if ((total += new FileInfo(Path.Combine(path, rel)).Length) > MaxBytes) throw TooLarge(path);
        using var progress = reporter.StartTransfer(Name, $"{files.Count} file(s) from {path}", total);
        foreach (var rel in files)
        {
            ct.ThrowIfCancellationRequested();
            File.Copy(Path.Combine(path, rel), Target(staging, rel, path));
            progress.Advance(new FileInfo(Path.Combine(path, rel)).Length);
        }
        return ("folder", null);
    }

    private static void Walk(DirectoryInfo dir, string root, List<string> files, List<string> problems)
    {
        var options = new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = false, IgnoreInaccessible = false };
        foreach (var entry in dir.EnumerateFileSystemInfos("*", options).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
            if (entry is DirectoryInfo sub)
            {
                if (sub.LinkTarget is { } target) problems.Add($"{rel} is a symbolic link to a folder ({target})");
                else if (!(dir.FullName == Path.GetFullPath(root) && SkippedFolders.Contains(sub.Name))) Walk(sub, root, files, problems);
            }
            else
            {
                files.Add(rel);
            }
        }
    }

    /// <summary>FIFOs, sockets, devices and broken links under (or at) <paramref name="path"/>: POSIX find, following links.</summary>
    private static List<string> Special(string path, string root)
    {
        if (OperatingSystem.IsWindows()) return [];
        var start = new ProcessStartInfo("find") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-L", path, "!", "-type", "f", "!", "-type", "d", "-print0" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var listing = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var found = listing.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => $"{Path.GetRelativePath(root, p).Replace('\\', '/')} is not a regular file " +
                "(a FIFO, socket, device or broken link)").ToList();
        // find -L reports a link loop on stderr: refuse it too.
        if (process.ExitCode != 0) found.Add($"the source could not be listed (find: {stderr.Result.Trim()})");
        return found;
    }

    private InvalidInputException Refused(string path, IReadOnlyList<string> problems) =>
        new($"model '{Name}': --from {path} holds entries that are not regular files; nothing was imported:" +
            Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)) + Environment.NewLine +
            "Fix: copy the model's files (cp --dereference) into a folder of regular files and import that.") { Model = Name };
}
