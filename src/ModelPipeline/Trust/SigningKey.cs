using System.Security.Cryptography;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;

namespace ModelPipeline.Trust;

/// <summary>
/// The ECDSA P-256 private key that signs images and attestations, read only from the environment
/// variable <c>signing.keyEnv</c> (PEM text or the path of a PEM file: <c>PRIVATE KEY</c>,
/// <c>EC PRIVATE KEY</c>, or <c>ENCRYPTED PRIVATE KEY</c> with the passphrase in <c>signing.passwordEnv</c>).
/// The key text and passphrase are registered with the redactor and never written anywhere.
/// </summary>
public sealed class SigningKey : IDisposable
{
    private readonly ECDsa _key;

    private SigningKey(ECDsa key)
    {
        _key = key;
        PublicKeyPem = key.ExportSubjectPublicKeyInfoPem();
    }

    public string PublicKeyPem { get; }

    /// <summary>The key when signing is on (mode <c>auto</c> and the variable set), else null.</summary>
    public static SigningKey? FromEnvironment(SigningSettings settings)
    {
        if (settings.Mode == "never") return null;
        var value = Environment.GetEnvironmentVariable(settings.KeyEnv);
        if (string.IsNullOrWhiteSpace(value)) return null;
        Redactor.Register(value);
        var where = $"the signing key in ${settings.KeyEnv}";
        var pem = value;
        if (!value.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            if (!File.Exists(value))
                throw new InvalidInputException($"{where} is neither PEM text nor the path of an existing file. Fix: set {settings.KeyEnv} to the PEM key or its path.");
            pem = File.ReadAllText(value);
            Redactor.Register(pem);
        }
        var password = Environment.GetEnvironmentVariable(settings.PasswordEnv);
        Redactor.Register(password);
        var key = ECDsa.Create();
        try
        {
            if (pem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
            {
                if (string.IsNullOrEmpty(password))
                    throw new InvalidInputException($"{where} is encrypted and ${settings.PasswordEnv} is not set. Fix: set {settings.PasswordEnv} to its passphrase.");
                key.ImportFromEncryptedPem(pem, password);
            }
            else if (pem.Contains("SIGSTORE PRIVATE KEY", StringComparison.Ordinal))
            {
                throw new InvalidInputException($"{where} is in cosign's own encrypted format, which is not supported. Fix: export it as PKCS#8 PEM (e.g. openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256, optionally encrypted with -aes256).");
            }
            else
            {
                key.ImportFromPem(pem);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new InvalidInputException($"{where} could not be read ({(ex is CryptographicException ? "wrong passphrase or not an EC key" : "no private key in the PEM text")}). Fix: use an ECDSA P-256 private key in PEM, and its passphrase in {settings.PasswordEnv} when encrypted.");
        }
        catch (InvalidInputException)
        {
            key.Dispose();
            throw;
        }
        if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            key.Dispose();
            throw new InvalidInputException($"{where} is not on the P-256 curve (cosign's default). Fix: generate an ECDSA P-256 key.");
        }
        return new SigningKey(key);
    }

    /// <summary>An ASN.1 DER ECDSA signature over SHA-256 of <paramref name="data"/> (cosign's form).</summary>
    public byte[] Sign(byte[] data) => _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose() => _key.Dispose();
}

/// <summary>A public key that verifies signatures (PEM text, or a PEM file).</summary>
public sealed class VerificationKey : IDisposable
{
    private readonly ECDsa _key;

    private VerificationKey(ECDsa key) => _key = key;

    public static VerificationKey FromPem(string pem, string where)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            return new VerificationKey(key);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new InvalidInputException($"{where} is not an ECDSA public key in PEM ({ex.Message}). Fix: pass the PEM 'PUBLIC KEY' that belongs to the signing key.");
        }
    }

    /// <summary>PEM text, or the path of a PEM file (relative paths against <paramref name="root"/>).</summary>
    public static VerificationKey Load(string value, string root, string where)
    {
        if (value.Contains("-----BEGIN", StringComparison.Ordinal)) return FromPem(value, where);
        var path = Path.GetFullPath(Path.Combine(root, value));
        if (!File.Exists(path)) throw new InvalidInputException($"{where}: {path} does not exist. Fix: point it at the signers' PEM public key.");
        return FromPem(File.ReadAllText(path), $"{where} ({path})");
    }

    public bool Verify(byte[] data, byte[] derSignature)
    {
        try
        {
            return _key.VerifyData(data, derSignature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose() => _key.Dispose();
}
