using System.Collections;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace ModelPipeline.Configuration;

/// <summary>
/// Documents that passed one of the embedded schemas (the settings after environment overrides, a model.json) with
/// this build of the tool, by SHA-256 of the build's id, the schema's name and the exact text. A process that meets
/// only such documents never builds NJsonSchema's validators, which is most of a verb's start-up (about 0.1 s of CPU,
/// measured on <c>modelpipe check</c>). Only documents that passed are recorded, and a new build of the tool starts
/// afresh; a document that fails the schema is always reported in full. Kept in the user's cache folder,
/// <c>$XDG_CACHE_HOME/modelpipe/schema-passed</c> (default <c>~/.cache</c>), newest <see cref="Limit"/> entries, one
/// per line; merged into the file once, when the process ends, under <c>schema-passed.lock</c>. A missing, unreadable
/// or unwritable file only means the schemas run.
/// </summary>
internal static class SchemaMemo
{
    public const int Limit = 4096;

    /// <summary>How long a process ending waits for another that is writing the memo, before it leaves its entries
    /// out.</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(2);

    private static readonly string Build = typeof(SchemaMemo).Assembly.ManifestModule.ModuleVersionId.ToString("N");
    private static readonly ConcurrentDictionary<string, Memo> Files = new(StringComparer.Ordinal);

    public static string Key(string schema, string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Build}\n{schema}\n{text}")));

    /// <summary>The memo file for this environment (the process's when null); null without a cache folder.</summary>
    private static string? PathFor(IDictionary? environment)
    {
        var cache = Variable(environment, "XDG_CACHE_HOME");
        if (cache is null)
            cache = Variable(environment, "HOME") is { } home ? System.IO.Path.Combine(home, ".cache") : null;
        return cache is null ? null : System.IO.Path.Combine(cache, "modelpipe", "schema-passed");
    }

    /// <summary>
    /// Whether <paramref name="text"/> passes <paramref name="schema"/>: true at once when it passed with this build
    /// before, else <paramref name="validate"/>'s answer, remembered when it passed.
    /// </summary>
    /// <param name="environment">The variables that locate the memo (the process's when null).</param>
    public static bool Check(string schema, string text, Func<bool> validate, IDictionary? environment = null)
    {
        var memo = PathFor(environment) is { } path ? Open(path) : null;
        var key = Key(schema, text);
        if (memo?.Contains(key) == true) return true;
        if (!validate()) return false;
        memo?.Add(key);
        return true;
    }

    /// <summary>Whether <paramref name="text"/> passed <paramref name="schema"/> with this build before (nothing is
    /// validated).</summary>
    public static bool Passed(string schema, string text, IDictionary? environment = null) =>
        PathFor(environment) is { } path && Open(path).Contains(Key(schema, text));

    private static string? Variable(IDictionary? environment, string name) =>
        (environment is null ? Environment.GetEnvironmentVariable(name) : environment[name] as string) is { } value
        && System.IO.Path.IsPathRooted(value) ? value : null;

    /// <summary>Writes what this process added (done when it ends).</summary>
    public static void Flush()
    {
        foreach (var memo in Files.Values) memo.Save();
    }

    private static Memo Open(string path) => Files.GetOrAdd(path, p => new Memo(p));

    private sealed class Memo
    {
        private readonly string _path;
        private readonly List<string> _keys;
        private readonly HashSet<string> _known;
        private bool _changed;

        public Memo(string path)
        {
            _path = path;
            _keys = Read(path);
            _known = new HashSet<string>(_keys, StringComparer.Ordinal);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Save();
        }

        public bool Contains(string key)
        {
            lock (_keys) return _known.Contains(key);
        }

        public void Add(string key)
        {
            lock (_keys)
            {
                if (!_known.Add(key)) return;
                _keys.Add(key);
                _changed = true;
            }
        }

        public void Save()
        {
            lock (_keys)
            {
                if (!_changed) return;
                try
                {
                    // Another process's entries since this one read the file are kept too: the file is read again
                    // and replaced under a lock beside it, so two processes ending together keep both their entries.
                    using var held = RunState.FileLock.AcquireAsync(_path + ".lock", LockWait, "The schema memo",
                        CancellationToken.None).GetAwaiter().GetResult();
                    var keys = Read(_path).Where(k => !_known.Contains(k)).Concat(_keys).TakeLast(Limit);
                    RunState.AtomicFile.WriteAllText(_path, string.Join('\n', keys) + "\n");
                    _changed = false;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException
                    or Errors.OperationFailedException)
                {
                    // not remembered: the next process validates again
                }
            }
        }

        private static List<string> Read(string path)
        {
            try
            {
                return File.Exists(path)
                    ? File.ReadLines(path).Where(l => l.Length == 64 && l.All(char.IsAsciiHexDigitLower)).ToList()
                    : [];
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return [];
            }
        }
    }
}
