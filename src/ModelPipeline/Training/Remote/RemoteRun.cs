using System.Text.Json.Nodes;

namespace ModelPipeline.Training.Remote;

/// <summary>
/// A submitted remote training, recorded as <c>runs/&lt;key&gt;/remote.json</c> as soon as its id
/// is known (before waiting), so a re-run attaches to it instead of submitting again, unless its
/// output was refused (<see cref="Refused"/>).
/// </summary>
public sealed record RemoteRun
{
    public required string Backend { get; init; }
    public required string RunId { get; init; }
    public required string Link { get; init; }
    public DateTimeOffset SubmittedAt { get; init; }
    public string State { get; init; } = "";

    /// <summary>Runs of this training key whose output was refused: never attached to again.</summary>
    public IReadOnlyList<string> Refused { get; init; } = [];
}

/// <summary>One answer of a status poll.</summary>
public sealed record RemoteStatus(string State, bool Terminal, bool Succeeded, string? Error, JsonNode? Document);
