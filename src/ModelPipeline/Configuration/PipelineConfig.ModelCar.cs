namespace ModelPipeline.Configuration;

public sealed partial record PipelineConfig
{
    /// <summary>The <c>modelcar</c> section: how PackageModelCar builds and where it puts the image.</summary>
    public ModelCarSettings ModelCar { get; init; } = new();

    /// <summary>The <c>registry</c> section: credentials (by env var name) and transport.</summary>
    public RegistrySettings Registry { get; init; } = new();
}

public sealed record ModelCarSettings
{
    /// <summary><c>oci-layout</c> (default, no registry needed), <c>registry</c> or <c>tarball</c>.</summary>
    public string Destination { get; init; } = "oci-layout";

    /// <summary>The repository all ModelCars go to (tags tell models apart), e.g. <c>127.0.0.1:5000/modelzoo</c>.</summary>
    public string Repository { get; init; } = "localhost/modelzoo";

    public string LayoutDir { get; init; } = ".pipeline/oci";
    public string TarballDir { get; init; } = ".pipeline/images";

    /// <summary>A registry reference (tag or digest), <c>scratch</c>, or <c>busybox-static</c> (the embedded base built from <see cref="Busybox"/>).</summary>
    public string BaseImage { get; init; } = "scratch";

    /// <summary>The static busybox the embedded base is made from, pinned by sha256.</summary>
    public BusyboxSettings Busybox { get; init; } = new();

    /// <summary>Placeholders: <c>{model}</c>, <c>{key}</c>, <c>{key12}</c>.</summary>
    public string TagTemplate { get; init; } = "{model}-{key12}";

    /// <summary><c>none</c> (weights do not compress) or <c>gzip</c>.</summary>
    public string Compression { get; init; } = "none";

    /// <summary>Files at least this big get a layer of their own, so unchanged weights are reused.</summary>
    public long LayerSplitBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>How a base without <c>/bin/sh</c> is reported: <c>warning</c> or <c>error</c>.</summary>
    public string LintShell { get; init; } = "warning";

    public long MaxImageBytes { get; init; } = 20L * 1024 * 1024 * 1024;

    /// <summary>The <c>org.opencontainers.image.source</c> annotation (omitted when empty).</summary>
    public string SourceUrl { get; init; } = "";
}

public sealed record BusyboxSettings
{
    public string Path { get; init; } = "/bin/busybox";

    /// <summary>The sha256 (hex) the binary must have; required with <c>baseImage: busybox-static</c>.</summary>
    public string Sha256 { get; init; } = "";
}

public sealed record RegistrySettings
{
    public string UsernameEnv { get; init; } = "MODELPIPE_REGISTRY_USERNAME";
    public string PasswordEnv { get; init; } = "MODELPIPE_REGISTRY_PASSWORD";

    /// <summary>Also read <c>auths</c> from <c>$DOCKER_CONFIG/config.json</c> or <c>~/.docker/config.json</c>.</summary>
    public bool DockerConfig { get; init; } = true;

    /// <summary><c>loopback</c> (plain HTTP only for localhost/127.0.0.0/8/::1), <c>always</c> or <c>never</c>.</summary>
    public string PlainHttp { get; init; } = "loopback";

    public int Retries { get; init; } = 4;
    public int TimeoutSeconds { get; init; } = 600;
}
