using System.Text;
using System.Text.Json;
using ModelPipeline.Oci;

namespace ModelPipeline.Trust;

/// <summary>
/// Image signatures in cosign's format, which <c>cosign verify --key</c> and the containers tools
/// (skopeo, podman: a <c>sigstoreSigned</c> policy with <c>use-sigstore-attachments</c>) read: a
/// simple-signing payload naming the repository and the manifest digest, signed with ECDSA P-256
/// (ASN.1 DER, base64 in the layer annotation <c>dev.cosignproject.cosign/signature</c>), stored as
/// a layer of an image manifest under the tag <c>sha256-&lt;hex&gt;.sig</c> (one layer per signature).
/// An image signature also names what the image is (<see cref="SignedIdentity"/>) in the payload's
/// <c>optional</c> claims, as string annotations (<c>cosign verify -a dev.modelpipeline.version=1</c>).
/// </summary>
public static class CosignSignature
{
    public const string PayloadMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";
    public const string SignatureAnnotation = "dev.cosignproject.cosign/signature";
    public const string PayloadType = "cosign container image signature";

    public static string Tag(string digest) => $"sha256-{OciDigest.Hex(digest)}.sig";

    /// <summary>The simple-signing payload (compact JSON, cosign's key order).</summary>
    public static byte[] Payload(string repository, string digest, SignedIdentity? identity = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("critical");
            json.WriteStartObject("identity");
            json.WriteString("docker-reference", repository);
            json.WriteEndObject();
            json.WriteStartObject("image");
            json.WriteString("docker-manifest-digest", digest);
            json.WriteEndObject();
            json.WriteString("type", PayloadType);
            json.WriteEndObject();
            if (identity is null) json.WriteNull("optional");
            else
            {
                json.WriteStartObject("optional");
                json.WriteString(SignedIdentity.ModelClaim, identity.Model);
                json.WriteString(SignedIdentity.TrainingKeyClaim, identity.TrainingKey);
                var version = identity.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
                json.WriteString(SignedIdentity.VersionClaim, version);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Signs <paramref name="digest"/> and stores the signature beside it as cosign does: one layer per
    /// signature in the image under <see cref="Tag"/>. A new signature is appended to the layers already
    /// there (another version of the same digest, another signer), so each version's signature stays
    /// verifiable; a layer with the same payload that already verifies with this key means nothing is written.
    /// A layer of this key naming <paramref name="replacing"/> is dropped: the version number a publisher
    /// signed and then lost to a concurrent publish. Returns the signature manifest's digest.
    /// </summary>
    public static async Task<string> SignAsync(IArtifactStore store, string digest, SigningKey key,
        CancellationToken ct, SignedIdentity? identity = null, SignedIdentity? replacing = null)
    {
        var payload = Payload(store.Repository, digest, identity);
        using var verifier = VerificationKey.FromPem(key.PublicKeyPem, "the signing key's public half");
        var layers = new List<Descriptor>();
        if (await store.TryGetManifestAsync(Tag(digest), ct) is { } existing)
            foreach (var layer in OciJson.Deserialize<ImageManifest>(existing, $"signature {Tag(digest)}").Layers)
            {
                var signed = layer.MediaType == PayloadMediaType ? await store.ReadBlobAsync(layer, ct) : null;
                var ours = signed is not null && Verifies(layer, signed, verifier);
                if (ours && signed.AsSpan().SequenceEqual(payload)) return OciDigest.Of(existing);
                if (ours && replacing is not null && SignedIdentity.Read(signed!) == replacing) continue;
                layers.Add(layer);
            }
        var payloadDigest = OciDigest.Of(payload);
        layers.Add(new Descriptor
        {
            MediaType = PayloadMediaType, Digest = payloadDigest, Size = payload.Length,
            Annotations = new Dictionary<string, string>
            {
                [SignatureAnnotation] = Convert.ToBase64String(key.Sign(payload)),
            },
        });
        var config = Config(layers);
        await store.PutBlobAsync(payload, PayloadMediaType, ct);
        await store.PutBlobAsync(config, MediaTypes.OciConfig, ct);
        var manifest = OciJson.Serialize(new ImageManifest
        {
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = OciDigest.Of(config), Size = config.Length },
            Layers = layers,
        });
        await store.PutManifestAsync(manifest, MediaTypes.OciManifest, Tag(digest), ct);
        return OciDigest.Of(manifest);
    }

    /// <summary>The signature image's config as cosign writes it: a diff id and a history entry per layer.</summary>
    private static byte[] Config(IReadOnlyList<Descriptor> layers)
    {
        const string zero = "0001-01-01T00:00:00Z";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("architecture", "");
            json.WriteStartObject("config");
            json.WriteEndObject();
            json.WriteString("created", zero);
            json.WriteStartArray("history");
            foreach (var _ in layers)
            {
                json.WriteStartObject();
                json.WriteString("created", zero);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteString("os", "");
            json.WriteStartObject("rootfs");
            json.WriteString("type", "layers");
            json.WriteStartArray("diff_ids");
            foreach (var layer in layers) json.WriteStringValue(layer.Digest);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static bool Verifies(Descriptor layer, byte[] payload, VerificationKey key)
    {
        var signature = layer.Annotations?.GetValueOrDefault(SignatureAnnotation);
        byte[]? der = null;
        try { der = signature is null ? null : Convert.FromBase64String(signature); } catch (FormatException) { }
        return der is not null && key.Verify(payload, der);
    }

    /// <summary>
    /// Checks the signatures stored for <paramref name="digest"/>: null when one verifies with
    /// <paramref name="key"/> and its payload names this digest and repository (and, when
    /// <paramref name="expected"/> is given, that model, version and training key), else the reason.
    /// </summary>
    public static async Task<string?> VerifyAsync(IArtifactStore store, string digest, VerificationKey key,
        CancellationToken ct, SignedIdentity? expected = null)
    {
        var bytes = await store.TryGetManifestAsync(Tag(digest), ct);
        if (bytes is null) return $"no signature ({Tag(digest)} is not in {store.Describe})";
        var manifest = OciJson.Deserialize<ImageManifest>(bytes, $"signature manifest {Tag(digest)}");
        var reasons = new List<string>();
        foreach (var layer in manifest.Layers.Where(l => l.MediaType == PayloadMediaType))
        {
            var payload = await store.ReadBlobAsync(layer, ct);
            if (!Verifies(layer, payload, key))
            {
                reasons.Add("the signature does not verify with the public key");
                continue;
            }
            var problem = CheckPayload(payload, store.Repository, digest) ?? SignedIdentity.Problem(payload, expected);
            if (problem is null) return null;
            reasons.Add(problem);
        }
        return reasons.Count == 0 ? $"{Tag(digest)} holds no simple-signing layer" : string.Join("; ", reasons.Distinct());
    }

    private static string? CheckPayload(byte[] payload, string repository, string digest)
    {
        try
        {
            var critical = JsonDocument.Parse(payload).RootElement.GetProperty("critical");
            if (critical.GetProperty("type").GetString() != PayloadType) return "the signed payload is not a cosign container image signature";
            var signed = critical.GetProperty("image").GetProperty("docker-manifest-digest").GetString();
            if (signed != digest) return $"the signature is for {signed}, not {digest}";
            var identity = critical.GetProperty("identity").GetProperty("docker-reference").GetString();
            return identity == repository ? null : $"the signature names the repository {identity}, not {repository}";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "the signed payload is not simple-signing JSON";
        }
    }
}
