using System.Text.Json.Nodes;

namespace ModelPipeline.Oci;

/// <summary>
/// The image a ModelCar is built on: its layers (reused as they are) and its config. <c>scratch</c>
/// is the empty image: no layers, no shell.
/// </summary>
public sealed class BaseImage
{
    public static readonly BaseImage Scratch = new("scratch", null, [], null, false, (_, _) => throw new InvalidOperationException("scratch has no blobs"));

    public BaseImage(string name, string? digest, IReadOnlyList<Descriptor> layers, JsonObject? config, bool hasShell,
        Func<Descriptor, CancellationToken, Task<Stream>> openBlob)
    {
        HasShell = hasShell;
        Name = name;
        Digest = digest;
        Layers = layers;
        Config = config;
        OpenBlob = openBlob;
    }

    /// <summary>The reference as configured (e.g. <c>127.0.0.1:5000/busybox:stable</c>) or <c>scratch</c>.</summary>
    public string Name { get; }

    /// <summary>The manifest digest the base was pinned to (null for scratch).</summary>
    public string? Digest { get; }

    public IReadOnlyList<Descriptor> Layers { get; }

    public JsonObject? Config { get; }

    public Func<Descriptor, CancellationToken, Task<Stream>> OpenBlob { get; }

    /// <summary>Whether a layer holds <c>bin/sh</c> (file or link).</summary>
    public bool HasShell { get; }

    public bool IsScratch => Digest is null;
}
