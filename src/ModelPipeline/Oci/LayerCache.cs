using System.Text;
using System.Text.Json;
using ModelPipeline.RunState;

namespace ModelPipeline.Oci;

/// <summary>
/// Remembers the digest of each layer built, keyed by its recipe (paths, sizes, sha256 of the
/// files, time, compression), so a re-run finds the layer's digest without reading any file and
/// only asks the target whether it already has the blob. A read-only cache (the what-if plan) never stores.
/// </summary>
public sealed class LayerCache(string dir)
{
    /// <summary>Look layers up but never store one (a plan writes nothing).</summary>
    public bool ReadOnly { get; init; }

    public static string Recipe(TarLayer layer, IReadOnlyDictionary<string, string> sha256ByImagePath, LayerCompression compression)
    {
        var text = new StringBuilder($"modelcar-layer/1\n{compression}\n{layer.Modified.ToUnixTimeSeconds()}\n");
        foreach (var f in layer.Files) text.Append(f.ImagePath).Append(' ').Append(f.Size).Append(' ').Append(sha256ByImagePath[f.ImagePath]).Append('\n');
        return Digests.Sha256(text.ToString());
    }

    public BuiltLayer? Get(string recipe)
    {
        var path = Path.Combine(dir, recipe + ".json");
        if (!File.Exists(path)) return null;
        try
        {
            var layer = JsonSerializer.Deserialize<BuiltLayer>(File.ReadAllText(path), RunStateStore.Json);
            return layer is not null && OciDigest.IsValid(layer.Descriptor.Digest) ? layer : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Put(string recipe, BuiltLayer layer)
    {
        if (!ReadOnly) RunStateStore.Write(Path.Combine(dir, recipe + ".json"), layer);
    }
}
