using System.Text.Json;
using ModelPipeline.Errors;
using ModelPipeline.Git;
using ModelPipeline.Models;
using ModelPipeline.Zoo;

namespace ModelPipeline.Serving;

/// <summary>Reads and checks a sync file: JSON, the embedded schema, then every rule the schema cannot say. Exit 2 on any problem.</summary>
public static class SyncFileLoader
{
    private static readonly Lazy<NJsonSchema.JsonSchema> Schema = new(() => ModelLoader.LoadSchema("sync.schema.json"));

    public static SyncFile Load(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new InvalidInputException($"{full}: sync file not found. Fix: pass --file PATH of a sync.json (example: pipelines/serving/sync.example.json).");
        var text = File.ReadAllText(full);
        try
        {
            using var _ = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException($"{full}: malformed JSON at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}. Fix: correct the JSON syntax.");
        }
        var problems = Schema.Value.Validate(text).Select(Describe).ToList();
        if (problems.Count > 0) throw Invalid(full, problems);

        var dto = JsonSerializer.Deserialize<Dto>(text, ModelLoader.JsonOptions)!;
        var baseDir = System.IO.Path.GetDirectoryName(full)!;
        var follow = new List<FollowEntry>();
        for (var i = 0; i < dto.Follow.Count; i++)
        {
            if (ParseEntry(dto.Follow[i], out var reason) is { } entry)
            {
                if (follow.Any(f => f.Model == entry.Model))
                    problems.Add($"$.follow[{i}]: '{entry.Text}' follows {entry.Model} a second time; a host serves one version of a model at ROOT/{entry.Model}/current. Fix: keep one entry per model.");
                else follow.Add(entry);
            }
            else problems.Add($"$.follow[{i}]: '{dto.Follow[i]}' {reason}");
        }
        if (GitRemote.Check(dto.Zoo.Url) is { } bad)
            problems.Add($"$.zoo.url: {bad}. Fix: give a plain git URL or path, and put the token in an environment variable named by tokenEnv.");
        if (dto.Zoo.TokenEnv is { } env && Environment.GetEnvironmentVariable(env) is { Length: > 0 } token)
            Redactor.Register(token);
        else if (dto.Zoo.TokenEnv is { } missing)
            problems.Add($"$.zoo.tokenEnv: the environment variable {missing} is not set. Fix: export {missing}=<token> for this service, or remove tokenEnv.");
        UnixFileMode? mode = dto.Files?.Mode is { } m ? (UnixFileMode)Convert.ToInt32(m, 8) : null;
        var schedule = new SyncSchedule
        {
            Cron = dto.Schedule?.Cron ?? new SyncSchedule().Cron,
            TimeZone = dto.Schedule?.TimeZone ?? "UTC",
            JitterSeconds = dto.Schedule?.JitterSeconds ?? 0,
        };
        try { CronSchedule.From(schedule); }
        catch (InvalidInputException ex) { problems.AddRange(ex.Problems); }
        if (dto.Fleet is { } fleet)
        {
            if (GitRemote.Check(fleet.Url) is { } badFleet)
                problems.Add($"$.fleet.url: {badFleet}. Fix: give a plain git URL or path, and put the token in an environment variable named by tokenEnv.");
            else if (Resolve(fleet.Url, baseDir) == Resolve(dto.Zoo.Url, baseDir) && (fleet.Branch ?? "main") == (dto.Zoo.Branch ?? "main"))
                problems.Add("$.fleet.url: names the zoo's branch; a serving host never writes to the zoo. "
                    + "Fix: give the fleet record a repository (or at least a branch) of its own that this host may push to.");
            if (fleet.TokenEnv is { } fleetEnv && Environment.GetEnvironmentVariable(fleetEnv) is not { Length: > 0 })
                problems.Add($"$.fleet.tokenEnv: the environment variable {fleetEnv} is not set. Fix: export {fleetEnv}=<token> for this service, or remove tokenEnv.");
            if (fleet.Branch is { } fleetBranch && GitRefName.BranchProblem(fleetBranch) is { } why)
                problems.Add($"$.fleet.branch: '{fleetBranch}' is not a branch name git accepts: it {why}. Fix: use a name such as \"main\" or \"fleet\".");
        }
        var notifications = dto.Notifications ?? new Notifications.NotificationSettings();
        problems.AddRange(Notifications.NotificationCheck.Problems(notifications));
        foreach (var name in Notifications.NotificationCheck.SecretVariables(notifications))
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } secret) Redactor.Register(secret);
        if (dto.Health is { } health && (health.Command is null) == (health.Url is null))
            problems.Add("$.health: give exactly one of command and url. Fix: e.g. \"health\": {\"url\": \"http://127.0.0.1:8080/v2/health/ready\"}.");
        if (problems.Count > 0) throw Invalid(full, problems);

        var zooUrl = Resolve(dto.Zoo.Url, baseDir);
        return new SyncFile
        {
            Path = full,
            Zoo = new SyncZoo { Url = zooUrl, TokenEnv = dto.Zoo.TokenEnv, Branch = dto.Zoo.Branch ?? "main" },
            Root = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, dto.Root)),
            Follow = follow,
            Keep = dto.Keep ?? 1,
            Layout = dto.Layout is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, dto.Layout)),
            Hook = dto.Hook is null ? null : new SyncHook { Command = dto.Hook.Command, TimeoutSeconds = dto.Hook.TimeoutSeconds ?? 60 },
            Files = new SyncFiles { Mode = mode, Group = dto.Files?.Group },
            Schedule = schedule,
            Notifications = notifications,
            Host = dto.Fleet?.Host ?? MachineHost(),
            Health = dto.Health is { } h
                ? new SyncHealth { Command = h.Command, Url = h.Url, TimeoutSeconds = h.TimeoutSeconds ?? 30, Attempts = h.Attempts ?? 3, DelaySeconds = h.DelaySeconds ?? 2 }
                : null,
            Fleet = dto.Fleet is { } f
                ? new SyncFleet { Url = Resolve(f.Url, baseDir), TokenEnv = f.TokenEnv, Branch = f.Branch ?? "main", Host = f.Host ?? MachineHost() }
                : null,
        };
    }

    /// <summary>NAME@REF with a model name (a DNS label: it becomes ROOT/NAME) and vN, an alias or a digest.</summary>
    internal static FollowEntry? ParseEntry(string text, out string? reason)
    {
        reason = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            reason = "has no '@REF'. Fix: write NAME@ALIAS (e.g. iris@prod) or NAME@vN.";
            return null;
        }
        var (model, reference) = (text[..at], text[(at + 1)..]);
        if (!ZooLayout.IsModelName(model))
        {
            reason = model.Contains('/') || model.Contains('\\') || model.Contains("..", StringComparison.Ordinal) || model.StartsWith('.')
                ? $"names the folder '{model}', which would leave the serving root; refused. Fix: a model name is lower-case letters, digits and '-' (it becomes ROOT/NAME)."
                : $"'{model}' is not a model name. Fix: use lower-case letters, digits and '-' (a DNS label, at most 63 characters).";
            return null;
        }
        if (ZooLayout.ParseVersion(reference) is null && !ZooLayout.IsAliasName(reference) && !ZooLayout.IsDigest(reference))
        {
            reason = $"'{reference}' is not a version (vN), an alias or an image digest (sha256:<64 hex>). Fix: write e.g. {model}@prod or {model}@v3.";
            return null;
        }
        return new FollowEntry { Text = text, Model = model, Reference = reference };
    }

    private static string Describe(NJsonSchema.Validation.ValidationError e)
    {
        if (e.Kind != NJsonSchema.Validation.ValidationErrorKind.PatternMismatch)
            return SchemaMessages.Describe(e, SchemaMessages.SyncJson);
        var path = SchemaMessages.JsonPath(e.Path);
        var value = e is { Token: Newtonsoft.Json.Linq.JValue v } ? $"'{v.Value}' " : "";
        return path switch
        {
            "$.files.mode" => $"{path}: {value}is not an octal file mode. Fix: write three octal digits, e.g. \"0640\" (owner rw, group r).",
            "$.files.group" => $"{path}: {value}is not a group name or id. Fix: give an existing group, e.g. \"models\" or \"1010\".",
            "$.zoo.tokenEnv" => $"{path}: {value}is not an environment variable name. Fix: name the variable that holds the token (letters, digits, '_'), never the token itself.",
            _ => SchemaMessages.Describe(e, SchemaMessages.SyncJson),
        };
    }

    private static InvalidInputException Invalid(string file, List<string> problems) =>
        new($"{file} is invalid ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}); nothing was synced:", problems.Select(p => $"{System.IO.Path.GetFileName(file)} {p}").ToList());

    private static string Resolve(string url, string baseDir) =>
        url.Contains("://", StringComparison.Ordinal) || IsScpLike(url) ? url : System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, url));

    /// <summary>The machine's name as a fleet host name: lower case, anything but letters, digits, '.' and '-' as '-'.</summary>
    private static string MachineHost() =>
        new string(Environment.MachineName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-').ToArray()).Trim('-', '.') is { Length: > 0 } h ? h : "host";

    private static bool IsScpLike(string url)
    {
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        var slash = url.IndexOf('/', StringComparison.Ordinal);
        return colon > 1 && (slash < 0 || colon < slash);
    }

    private sealed record Dto
    {
        public required DtoZoo Zoo { get; init; }
        public required string Root { get; init; }
        public required List<string> Follow { get; init; }
        public int? Keep { get; init; }
        public string? Layout { get; init; }
        public DtoHook? Hook { get; init; }
        public DtoFiles? Files { get; init; }
        public DtoSchedule? Schedule { get; init; }
        public Notifications.NotificationSettings? Notifications { get; init; }
        public DtoFleet? Fleet { get; init; }
        public DtoHealth? Health { get; init; }
    }

    private sealed record DtoFleet(string Url, string? TokenEnv, string? Branch, string? Host);

    private sealed record DtoHealth(List<string>? Command, string? Url, int? TimeoutSeconds, int? Attempts, int? DelaySeconds);

    private sealed record DtoZoo(string Url, string? TokenEnv, string? Branch);

    private sealed record DtoHook(List<string> Command, int? TimeoutSeconds);

    private sealed record DtoFiles(string? Mode, string? Group);

    private sealed record DtoSchedule(string? Cron, string? TimeZone, int? JitterSeconds);
}
