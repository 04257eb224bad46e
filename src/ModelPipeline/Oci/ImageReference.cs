using System.Net;
using System.Text.RegularExpressions;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>
/// <c>host[:port]/path[:tag][@sha256:…]</c>. A host is required (no implicit Docker Hub): the
/// registry the credentials go to must be explicit.
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    /// <summary><c>host[:port]/path</c>.</summary>
    public string Name => $"{Registry}/{Repository}";

    public override string ToString() => Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    public static ImageReference Parse(string text, string where)
    {
        var m = Pattern().Match(text);
        if (!m.Success)
            throw new InvalidInputException($"{where}: '{text}' is not an image reference. Fix: use host[:port]/path[:tag][@sha256:<hex>], e.g. 127.0.0.1:5000/busybox:stable.");
        return new ImageReference(m.Groups["host"].Value, m.Groups["path"].Value,
            m.Groups["tag"].Success ? m.Groups["tag"].Value : null, m.Groups["digest"].Success ? m.Groups["digest"].Value : null);
    }

    public static bool IsValidTag(string tag) => TagPattern().IsMatch(tag);

    /// <summary>True for localhost, 127.0.0.0/8 and ::1 (the only hosts plain HTTP is used for by default).</summary>
    public bool IsLoopback
    {
        get
        {
            var host = Registry.StartsWith('[') ? Registry[1..Registry.IndexOf(']', StringComparison.Ordinal)] : Registry.Split(':')[0];
            return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
        }
    }

    [GeneratedRegex(@"^(?<host>[a-zA-Z0-9.-]+(:[0-9]+)?|\[[0-9a-fA-F:]+\](:[0-9]+)?)/(?<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}))?(?:@(?<digest>sha256:[0-9a-f]{64}))?$")]
    private static partial Regex Pattern();

    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$")]
    private static partial Regex TagPattern();
}
