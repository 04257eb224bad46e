namespace ModelPipeline.Configuration;

public sealed partial record PipelineConfig
{
    /// <summary>The <c>signing</c> section: cosign-format signatures and signed attestations of every packaged image.</summary>
    public SigningSettings Signing { get; init; } = new();

    /// <summary>The <c>verify</c> section: what consumers (<c>verify</c>, <c>pull</c>) check.</summary>
    public VerifySettings Verify { get; init; } = new();
}

public sealed record SigningSettings
{
    /// <summary>The environment variable holding the ECDSA P-256 private key: PEM text or the path of a PEM file.</summary>
    public string KeyEnv { get; init; } = "MODELPIPE_SIGNING_KEY";

    /// <summary>The environment variable holding the passphrase of an encrypted key.</summary>
    public string PasswordEnv { get; init; } = "MODELPIPE_SIGNING_PASSWORD";

    /// <summary><c>auto</c>: sign when the key variable is set; <c>never</c>.</summary>
    public string Mode { get; init; } = "auto";

    /// <summary>UpdateGitOps refuses to pin an image that was not signed.</summary>
    public bool Required { get; init; }
}

public sealed record VerifySettings
{
    /// <summary>The public key (PEM text, or a PEM file path relative to the repository root); set: <c>pull</c> verifies too.</summary>
    public string PublicKey { get; init; } = "";
}
