using System.Collections;
using System.Globalization;
using System.Text.Json;
using ModelPipeline.Configuration;

namespace ModelPipeline.Training;

/// <summary>
/// The environment a trainer gets: an allow-list, never the pipeline's whole environment.
/// <list type="bullet">
/// <item>the MP_* contract (<see cref="Contract"/>), which every backend sends;</item>
/// <item>for a process on this machine, the basics a program needs to run (<see cref="Basics"/>:
/// PATH, HOME, locale, temp folders, TLS trust, the .NET toolchain's settings);</item>
/// <item>the variables model.json names in <c>training.env</c> (passthrough), which may not be the
/// pipeline's own credentials (<see cref="PassthroughProblems"/>).</item>
/// </list>
/// Everything else (CI tokens, registry passwords, cloud keys, MODELPIPE_* settings) is withheld.
/// </summary>
public static class TrainerEnvironment
{
    /// <summary>Variables a program needs to run, passed from the pipeline's environment when set.</summary>
    public static readonly IReadOnlyList<string> Basics =
    [
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TERM", "TMPDIR", "TMP", "TEMP",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "NUGET_PACKAGES",
        // Windows: a process cannot start, find its profile or its programs without these.
        "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "USERPROFILE", "USERNAME", "HOMEDRIVE", "HOMEPATH",
        "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "PROGRAMFILES", "PROGRAMFILES(X86)", "COMMONPROGRAMFILES",
        "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE", "OS",
    ];

    /// <summary>Prefixes of basics: the locale (LC_*) and the .NET toolchain's own settings (DOTNET_*).</summary>
    public static readonly IReadOnlyList<string> BasicPrefixes = ["LC_", "DOTNET_"];

    /// <summary>The MP_* contract of a training request (the same for every backend).</summary>
    public static Dictionary<string, string> Contract(TrainingRequest request)
    {
        var model = request.Model;
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["MP_MODEL_NAME"] = model.Name,
            ["MP_TRAINING_KEY"] = request.TrainingKey,
            ["MP_DATA_DIR"] = request.DataDir,
            ["MP_OUTPUT_DIR"] = request.OutputDir,
            ["MP_HYPERPARAMETERS"] = JsonSerializer.Serialize(model.Training.Hyperparameters),
        };
        foreach (var (name, path) in request.DataPaths) env[$"MP_DATA_{EnvName(name)}"] = path;
        foreach (var (name, value) in model.Training.Hyperparameters)
            env[$"MP_HP_{EnvName(name)}"] = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        return env;
    }

    /// <summary>
    /// The <c>training.env</c> variables that are set in <paramref name="ambient"/> (a backend sends
    /// these along with the contract); names it refuses are never included.
    /// </summary>
    public static Dictionary<string, string> Passthrough(Models.ModelDefinition model, IDictionary ambient, IReadOnlyCollection<string> withheld)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in model.Training.Env ?? [])
            if (Refusal(name, withheld) is null && ambient[name] is string value) result[name] = value;
        return result;
    }

    /// <summary>
    /// The complete environment for a trainer process on this machine, as changes to this process's
    /// environment: every ambient variable that is not a basic is removed (null), then the
    /// passthrough and the contract are set.
    /// </summary>
    public static Dictionary<string, string?> ForLocalProcess(TrainingRequest request, IDictionary ambient, IReadOnlyCollection<string> withheld)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in ambient)
        {
            var name = (string)entry.Key;
            if (!IsBasic(name)) env[name] = null;
        }
        foreach (var (name, value) in Passthrough(request.Model, ambient, withheld)) env[name] = value;
        foreach (var (name, value) in Contract(request)) env[name] = value;
        env["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        env["DOTNET_NOLOGO"] = "1";
        return env;
    }

    public static bool IsBasic(string name) =>
        !WellKnownSecrets.All.Contains(name, StringComparer.OrdinalIgnoreCase)
        && (Basics.Contains(name, StringComparer.OrdinalIgnoreCase)
            || BasicPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// Problems with the names in <c>training.env</c>: the pipeline's configured secrets
    /// (<paramref name="withheld"/>), CI credentials and the MP_*/MODELPIPE_* namespaces are refused.
    /// </summary>
    public static IEnumerable<(string Path, string Problem)> PassthroughProblems(Models.ModelDefinition model, IReadOnlyCollection<string> withheld)
    {
        var names = model.Training.Env ?? [];
        for (var i = 0; i < names.Count; i++)
            if (Refusal(names[i], withheld) is { } why) yield return ($"$.training.env[{i}]", why);
    }

    /// <summary>Throws (exit 2) when <c>training.env</c> names a variable a trainer may not get.</summary>
    public static void RequireAllowedPassthrough(Models.ModelDefinition model, IReadOnlyCollection<string> withheld)
    {
        var problems = PassthroughProblems(model, withheld).Select(p => $"model '{model.Name}', models/{model.Name}/model.json: {p.Path}: {p.Problem}").ToList();
        if (problems.Count > 0)
            throw new Errors.InvalidInputException("model.json passes secrets to its trainer; nothing was run or written:", problems) { Model = model.Name };
    }

    private static string? Refusal(string name, IReadOnlyCollection<string> withheld)
    {
        if (name.StartsWith("MP_", StringComparison.OrdinalIgnoreCase))
            return $"'{name}' is in the MP_* namespace the pipeline sets itself. Fix: remove it; the trainer contract (docs/model-json.md) lists what it gets.";
        if (name.StartsWith(ConfigLoader.EnvPrefix, StringComparison.OrdinalIgnoreCase))
            return $"'{name}' is a pipeline setting (MODELPIPE_*), not for trainers. Fix: remove it.";
        if (WellKnownSecrets.CiCredentials.Contains(name, StringComparer.OrdinalIgnoreCase))
            return $"'{name}' is a CI credential of the pipeline; trainers never get it. Fix: remove it, and give the trainer a credential of its own under another name.";
        if (withheld.Contains(name, StringComparer.OrdinalIgnoreCase))
            return $"'{name}' holds a secret that pipeline.json configures (a token or registry password); trainers never get it. Fix: remove it, and give the trainer a credential of its own under another name.";
        return null;
    }

    internal static string EnvName(string name) =>
        new(name.ToUpper(CultureInfo.InvariantCulture).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
}
