using System.Globalization;
using ModelPipeline.Errors;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace ModelPipeline.GitOps;

/// <summary>
/// <c>&lt;environment&gt;/&lt;model&gt;/freeze.yaml</c> in the GitOps repository: an operator's order that the
/// environment is not moved (UpdateGitOps leaves test alone, OpenPr and Promote propose nothing for
/// prod, <c>pr merge</c> refuses). It lives beside config.yaml, where CI, release managers and Promote
/// all read it, and Argo CD's files generator (<c>*/config.yaml</c>) does not. Times are UTC, ISO 8601.
/// </summary>
public sealed record EnvironmentFreeze
{
    [YamlMember(Alias = "model", Order = 0)] public string Model { get; init; } = "";
    [YamlMember(Alias = "environment", Order = 1)] public string Environment { get; init; } = "";
    [YamlMember(Alias = "reason", Order = 2)] public string Reason { get; init; } = "";
    [YamlMember(Alias = "frozen_by", Order = 3)] public string FrozenBy { get; init; } = "";
    [YamlMember(Alias = "frozen_at", Order = 4)] public string FrozenAt { get; init; } = "";

    /// <summary>When the freeze stops holding; empty: until someone runs <c>modelpipe env unfreeze</c>.</summary>
    [YamlMember(Alias = "until", Order = 5, DefaultValuesHandling = DefaultValuesHandling.OmitNull)]
    public string? Until { get; init; }

    public static string PathFor(string environment, string model) => $"{environment}/{model}/freeze.yaml";

    /// <summary>Whether it still holds at <paramref name="now"/> (a freeze without an end always does).</summary>
    public bool HoldsAt(DateTimeOffset now) => UntilTime is not { } until || now < until;

    public DateTimeOffset? UntilTime => Until is { Length: > 0 } u ? ParseTime(u) : null;

    /// <summary>"test of 'iris' is frozen by Jane &lt;jane@example.com&gt; since … until …: reason".</summary>
    public string Describe() =>
        $"{Environment} of '{Model}' is frozen by {FrozenBy} since {FrozenAt} "
        + (Until is { Length: > 0 } ? $"until {Until}" : "until someone unfreezes it") + $" (reason: {Reason})";

    /// <summary>The command that lifts it.</summary>
    public string UnfreezeCommand => $"modelpipe env unfreeze {Environment} --model {Model}";

    public static string Format(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses an ISO 8601 time; one without an offset is taken as UTC. Null when it is not one.</summary>
    public static DateTimeOffset? ParseTime(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings(quoteYaml1_1Strings: true)
        .DisableAliases()
        .WithNewLine("\n")
        .Build();

    private static readonly IDeserializer Deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();

    public string ToYaml() => Serializer.Serialize(this);

    public static EnvironmentFreeze Parse(string yaml, string where)
    {
        EnvironmentFreeze? freeze;
        try
        {
            freeze = Deserializer.Deserialize<EnvironmentFreeze?>(yaml);
        }
        catch (YamlException ex)
        {
            throw new OperationFailedException($"{where} is not a valid freeze file (line {ex.Start.Line}: {ex.Message}). "
                + "Fix: correct it in the GitOps repository, or remove it with modelpipe env unfreeze.");
        }
        if (freeze is null || freeze.Until is { Length: > 0 } u && ParseTime(u) is null)
            throw new OperationFailedException($"{where}: 'until' is not an ISO 8601 time (or the file is empty). "
                + "Fix: write e.g. until: 2026-12-24T18:00:00Z, or remove the file with modelpipe env unfreeze.");
        return freeze;
    }
}
