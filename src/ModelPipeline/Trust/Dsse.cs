using System.Text;

namespace ModelPipeline.Trust;

/// <summary>A DSSE envelope (<c>application/vnd.dsse.envelope.v1+json</c>): a payload and signatures over its PAE.</summary>
public sealed record DsseEnvelope
{
    public const string MediaType = "application/vnd.dsse.envelope.v1+json";
    public const string InTotoPayloadType = "application/vnd.in-toto+json";

    public required string PayloadType { get; init; }

    /// <summary>The payload, base64.</summary>
    public required string Payload { get; init; }

    public required IReadOnlyList<DsseSignature> Signatures { get; init; }

    public static DsseEnvelope Sign(string payloadType, byte[] payload, SigningKey? key) => new()
    {
        PayloadType = payloadType,
        Payload = Convert.ToBase64String(payload),
        Signatures = key is null ? [] : [new DsseSignature { Keyid = "", Sig = Convert.ToBase64String(key.Sign(Pae(payloadType, payload))) }],
    };

    /// <summary>The pre-authentication encoding: <c>DSSEv1 &lt;len&gt; &lt;type&gt; &lt;len&gt; &lt;body&gt;</c>.</summary>
    public static byte[] Pae(string payloadType, byte[] payload)
    {
        var type = Encoding.UTF8.GetBytes(payloadType);
        return [.. Encoding.UTF8.GetBytes($"DSSEv1 {type.Length} "), .. type, .. Encoding.UTF8.GetBytes($" {payload.Length} "), .. payload];
    }

    /// <summary>True when at least one signature verifies with <paramref name="key"/>.</summary>
    public bool VerifiedBy(VerificationKey key)
    {
        byte[] payload;
        try
        {
            payload = Convert.FromBase64String(Payload);
        }
        catch (FormatException)
        {
            return false;
        }
        var pae = Pae(PayloadType, payload);
        return Signatures.Any(s => TryBase64(s.Sig) is { } sig && key.Verify(pae, sig));
    }

    private static byte[]? TryBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

public sealed record DsseSignature
{
    public string Keyid { get; init; } = "";
    public required string Sig { get; init; }
}
