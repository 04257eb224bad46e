using System.Text.RegularExpressions;
using ModelPipeline.Errors;

namespace ModelPipeline.Importing;

/// <summary>Where <c>modelpipe import --from</c> reads a model trained elsewhere.</summary>
public enum ImportSourceKind { Path, Http, S3, Oci, OciLayout }

/// <summary>
/// A parsed <c>--from</c>: a local file or folder; <c>http(s)://…</c> (with <c>--sha256</c>);
/// <c>s3://bucket/key</c> (one object) or <c>s3://bucket/prefix</c> (every object under it);
/// <c>oci://registry/repository@sha256:…</c> or <c>oci-layout:DIR@sha256:…</c> (a ModelCar or
/// ModelPack image, read by digest).
/// </summary>
public sealed partial record ImportSource
{
    public const string Supported = "a local file or folder, http(s)://URL (with --sha256), s3://bucket/key, " +
        "oci://registry/repository@sha256:DIGEST or oci-layout:DIR@sha256:DIGEST";

    public required ImportSourceKind Kind { get; init; }

    /// <summary>The full path, URL, S3 URI, image reference or layout folder.</summary>
    public required string Location { get; init; }

    /// <summary>For an image: its manifest digest.</summary>
    public string? Digest { get; init; }

    /// <summary>
    /// The source as records and messages show it: no credentials, and a URL without its query (a
    /// pre-signed URL carries its signature there; the content is pinned by its sha256 instead).
    /// </summary>
    public string Display => Redactor.Redact(Kind switch
    {
        ImportSourceKind.OciLayout => $"oci-layout:{Location}@{Digest}",
        ImportSourceKind.Http => new Uri(Location).GetLeftPart(UriPartial.Path),
        _ => Location,
    });

    /// <summary>Parses <paramref name="from"/>; throws (exit 2) naming the model, the option and the fix.</summary>
    public static ImportSource Parse(string model, string from, string? sha256)
    {
        InvalidInputException Bad(string why) =>
            new($"model '{model}': --from {Shown(from)}: {why}") { Model = model };
        if (sha256 is not null && !Sha256Hex().IsMatch(sha256))
            throw new InvalidInputException(
                $"model '{model}': --sha256 '{sha256}' is not a sha256 digest. Fix: give 64 lowercase hex digits (sha256sum FILE).")
                { Model = model };
        if (string.IsNullOrWhiteSpace(from)) throw Bad($"no source. Fix: pass {Supported}.");
        if (from.StartsWith("oci-layout:", StringComparison.Ordinal))
        {
            var (dir, digest) = SplitDigest(from["oci-layout:".Length..], Bad);
            return new ImportSource { Kind = ImportSourceKind.OciLayout, Location = Path.GetFullPath(dir), Digest = digest };
        }
        var scheme = Scheme().Match(from);
        if (!scheme.Success)
        {
            var full = Path.GetFullPath(from);
            if (!File.Exists(full) && !Directory.Exists(full))
                throw Bad("no such file or folder. Fix: pass an existing path, or " + Supported + ".");
            return new ImportSource { Kind = ImportSourceKind.Path, Location = full };
        }
        switch (scheme.Groups[1].Value.ToLowerInvariant())
        {
            case "http":
            case "https":
                if (!Uri.TryCreate(from, UriKind.Absolute, out var url)) throw Bad("not a valid URL. Fix: correct it.");
                if (url.UserInfo.Length > 0)
                    throw Bad("the URL embeds credentials. Fix: remove them; secrets come only from environment variables.");
                if (sha256 is null)
                    throw Bad("an http(s) source needs --sha256 so the download can be verified. " +
                        "Fix: add --sha256 DIGEST (sha256sum FILE, or the digest the publisher lists).");
                return new ImportSource { Kind = ImportSourceKind.Http, Location = url.AbsoluteUri };
            case "s3":
                if (!Uri.TryCreate(from, UriKind.Absolute, out var s3) || s3.Host.Length == 0)
                    throw Bad("an S3 source is s3://bucket/key or s3://bucket/prefix. Fix: name the bucket.");
                return new ImportSource { Kind = ImportSourceKind.S3, Location = from };
            case "oci":
                var (reference, imageDigest) = SplitDigest(from["oci://".Length..], Bad);
                return new ImportSource { Kind = ImportSourceKind.Oci, Location = reference, Digest = imageDigest };
            default:
                throw Bad($"the scheme '{scheme.Groups[1].Value}://' is not supported. Fix: pass {Supported}.");
        }
    }

    private static string Shown(string from) => Redactor.Redact(
        Uri.TryCreate(from, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url.GetLeftPart(UriPartial.Path) : from);

    private static (string Where, string Digest) SplitDigest(string text, Func<string, InvalidInputException> bad)
    {
        var at = text.LastIndexOf("@sha256:", StringComparison.Ordinal);
        if (at <= 0 || !Sha256Hex().IsMatch(text[(at + 8)..]))
            throw bad("an image is copied by digest. Fix: end the reference with @sha256:<64 hex digits> " +
                "(skopeo inspect --format '{{.Digest}}' shows it).");
        return (text[..at], text[(at + 1)..]);
    }

    [GeneratedRegex("^([A-Za-z][A-Za-z0-9+.-]*)://")]
    private static partial Regex Scheme();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();
}
