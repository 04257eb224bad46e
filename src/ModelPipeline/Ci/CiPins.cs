namespace ModelPipeline.Ci;

/// <summary>A third-party action or image pinned by commit or digest, with its readable tag.</summary>
public sealed record Pin(string Name, string Ref, string Tag)
{
    /// <summary><c>owner/repo@commit</c> (action) or <c>image@sha256:…</c> (image), commented with the tag.</summary>
    public Commented Use => new($"{Name}@{Ref}", Tag);
}

/// <summary>
/// Every third-party action and image the generated CI files use, pinned. The commits are the
/// release tags' commits in the actions' own repositories; bump them here and run ./build.sh GenerateCi.
/// </summary>
public static class CiPins
{
    public static readonly Pin Checkout = new("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1");
    public static readonly Pin SetupDotnet = new("actions/setup-dotnet", "a98b56852c35b8e3190ac28c8c2271da59106c68", "v6.0.0");
    public static readonly Pin Cache = new("actions/cache", "27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5");
    public static readonly Pin UploadArtifact = new("actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0");
    public static readonly Pin DownloadArtifact = new("actions/download-artifact", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1");
    public static readonly Pin UploadPagesArtifact = new("actions/upload-pages-artifact", "fc324d3547104276b827a68afc52ff2a11cc49c9", "v5.0.0");
    public static readonly Pin DeployPages = new("actions/deploy-pages", "cd2ce8fcbc39b97be8ca5fce6e763baed58fa128", "v5.0.0");
    public static readonly Pin JunitReport = new("mikepenz/action-junit-report", "d9f48fc87bc235f7e214acf696ca5abc0a986f16", "v6.4.2");

    /// <summary>The .NET SDK image for GitLab jobs and Tekton steps (multi-arch index digest of the tag).</summary>
    public static readonly Pin DotnetSdkImage = new("mcr.microsoft.com/dotnet/sdk", "sha256:e1ffd2a92ae84c1291bc1b6887501f8af98e6331e7af6d4c8d37168c5e87a64c", "10.0");

    public static IReadOnlyList<Pin> Actions => [Checkout, SetupDotnet, Cache, UploadArtifact, DownloadArtifact, UploadPagesArtifact, DeployPages, JunitReport];
}
