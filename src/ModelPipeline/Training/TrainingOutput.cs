using System.Diagnostics;
using ModelPipeline.Errors;

namespace ModelPipeline.Training;

/// <summary>
/// Training output must be regular files and folders inside the output folder. Every backend's
/// collected output is checked here before it is kept (TrainingStep), and again before any gate or
/// later step reads it (Validator, RunStateStore.RequireValidated).
/// </summary>
/// <remarks>
/// Decision: symbolic links are <b>refused</b>, not copied in. A copy would make the published
/// model depend on whatever the link pointed at when it was collected, and for a remote backend's
/// output it would read files of the machine that collects it. Refusing needs no reading at all:
/// this check looks only at directory entries (lstat), never opens a file and never quotes file
/// content, so a link to <c>/etc/shadow</c> named <c>metrics.json</c> is reported by name and target
/// path only. FIFOs, sockets and devices are refused too (reading a FIFO would block the gate).
/// </remarks>
public static class TrainingOutput
{
    /// <summary>Every entry of <paramref name="outputDir"/> that is not a regular file or a real folder, as sentences.</summary>
    public static IReadOnlyList<string> Problems(string outputDir)
    {
        var problems = new List<string>();
        var root = new DirectoryInfo(Path.GetFullPath(outputDir));
        if (root.LinkTarget is { } rootTarget)
        {
            problems.Add($"the output folder itself was replaced by a symbolic link to {rootTarget}");
            return problems;
        }
        if (!root.Exists)
        {
            problems.Add("the output folder is missing");
            return problems;
        }
        var emptyEntries = Walk(root, root.FullName, problems);
        // A FIFO, socket or device has size 0 in stat, so a tree without an empty entry has none of them
        // and needs no find process (the later steps check every model's output again).
        if (!OperatingSystem.IsWindows() && emptyEntries > 0) problems.AddRange(SpecialFiles(root.FullName));
        return problems;
    }

    /// <summary>Throws (exit 1) when <paramref name="outputDir"/> holds anything but regular files and folders.</summary>
    public static void RequireConfined(string outputDir, string model)
    {
        var problems = Problems(outputDir);
        if (problems.Count > 0)
            throw new OperationFailedException(Message(model, problems)) { Model = model };
    }

    /// <summary>The refusal with every problem and the fix.</summary>
    public static string Message(string model, IReadOnlyList<string> problems) =>
        $"model '{model}': the training output must be regular files and folders inside the output folder; nothing was read or kept from it:{Environment.NewLine}"
        + string.Join(Environment.NewLine, problems.Select(p => "  - " + p))
        + $"{Environment.NewLine}Fix: have the trainer write (or copy, e.g. cp --dereference) real files into $MP_OUTPUT_DIR instead of linking them, then train again.";

    /// <returns>How many entries that are neither folders nor links have size 0.</returns>
    private static int Walk(DirectoryInfo dir, string root, List<string> problems)
    {
        var empty = 0;
        var options = new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = false, IgnoreInaccessible = false };
        foreach (var entry in dir.EnumerateFileSystemInfos("*", options).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
            if (entry.LinkTarget is { } target)
                problems.Add($"{rel} is a symbolic link (to {target}); links are refused, whether they point inside the folder or out of it");
            else if (entry is DirectoryInfo sub)
                empty += Walk(sub, root, problems);
            else if (entry is FileInfo { Length: 0 })
                empty++;
        }
        return empty;
    }

    /// <summary>FIFOs, sockets and devices, which .NET cannot tell from files: POSIX find, which never follows links.</summary>
    private static IEnumerable<string> SpecialFiles(string root)
    {
        var start = new ProcessStartInfo("find") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { root, "-mindepth", "1", "!", "-type", "f", "!", "-type", "d", "!", "-type", "l", "-print0" })
            start.ArgumentList.Add(arg);
        string listing;
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            listing = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                return [$"the output folder could not be listed (find: {stderr.Result.Trim()})"];
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return [$"the output folder could not be checked for FIFOs and devices: find is not available ({ex.Message})"];
        }
        return listing.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(path => $"{Path.GetRelativePath(root, path).Replace('\\', '/')} is not a regular file (a FIFO, socket or device)")
            .Order(StringComparer.Ordinal);
    }
}
