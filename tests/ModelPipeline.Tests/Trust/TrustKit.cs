using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Trust;

/// <summary>Keys, a signed published model, and independent checks (skopeo fetches, openssl verifies).</summary>
internal static class TrustKit
{
    public sealed record KeyPair(string PrivatePem, string PublicPem, string PublicPath);

    public static KeyPair NewKey(TestWorld world, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var dir = Path.Combine(world.Root, "keys");
        Directory.CreateDirectory(dir);
        var publicPath = Path.Combine(dir, name + ".pub.pem");
        File.WriteAllText(publicPath, key.ExportSubjectPublicKeyInfoPem());
        return new KeyPair(key.ExportPkcs8PrivateKeyPem(), key.ExportSubjectPublicKeyInfoPem(), publicPath);
    }

    /// <summary>Packages (signing with <paramref name="key"/> when given) and publishes "demo" as v1; returns the image digest.</summary>
    public static async Task<string> PublishAsync(TestWorld world, object modelcar, KeyPair? key, IReadOnlyDictionary<string, byte[]> files)
    {
        ValidatedModel.Configure(world, modelcar);
        var seeded = ValidatedModel.Seed(world, "demo", files);
        // What Fetch records and a trainer source, so the SBOM and provenance have data and sources to list.
        File.WriteAllText(Path.Combine(world.Root, "models", "demo", "train.sh"), "echo training\n");
        new ModelPipeline.RunState.RunStateStore(world.ArtifactsDir).WriteModel("demo", "fetch", new ModelPipeline.Fetching.FetchRecord
        {
            Model = "demo",
            Sources = [new ModelPipeline.Fetching.FetchedSource { Name = "d", Kind = "file", Digest = new string('d', 64), Path = "models/demo/model.json" }],
        });
        var env = Env(world, key);
        var package = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"], env);
        Assert.True(package.ExitCode == 0, package.All);
        var push = await Modelpipe.RunAsync(world.Root, ["push", "--model", "demo"], env);
        Assert.True(push.ExitCode == 0, push.All);
        if (key is not null) Assert.DoesNotContain(Body(key.PrivatePem), package.All + push.All, StringComparison.Ordinal);
        return ValidatedModel.ReadRecord(world, "demo", seeded).Digest;
    }

    public static Dictionary<string, string?> Env(TestWorld world, KeyPair? key) =>
        ValidatedModel.Env(world, ("MODELPIPE_SIGNING_KEY", key?.PrivatePem));

    /// <summary>The base64 body of a PEM (what a leak would show).</summary>
    public static string Body(string pem) => string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))[..40];

    /// <summary>
    /// Independent check of a cosign signature in a registry: skopeo copies the <c>sha256-&lt;hex&gt;.sig</c>
    /// image into an OCI layout, and openssl verifies each simple-signing payload against its
    /// annotation with the public key. Returns the payload of the first that verifies, else null.
    /// </summary>
    public static async Task<JsonNode?> OpensslVerifiedPayloadAsync(string repository, string digest, string publicKeyPath)
    {
        var source = $"docker://{repository}:sha256-{digest[7..]}.sig";
        var verified = await OpensslVerifiedPayloadsAsync(source, publicKeyPath);
        return verified.Count > 0 ? verified[0] : null;
    }

    /// <summary>
    /// Every simple-signing payload of the signature image <paramref name="source"/> (a skopeo reference:
    /// <c>docker://REPO:sha256-&lt;hex&gt;.sig</c> or <c>oci:DIR:sha256-&lt;hex&gt;.sig</c>) whose annotation
    /// openssl verifies with the public key, in layer order.
    /// </summary>
    public static async Task<IReadOnlyList<JsonNode>> OpensslVerifiedPayloadsAsync(string source, string publicKeyPath)
    {
        var dir = Path.Combine(Path.GetTempPath(), "mp-sig", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        try
        {
            await Tools.RunOkAsync("skopeo", "copy", "--quiet", "--src-tls-verify=false", source, $"oci:{dir}:sig");
            var index = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "index.json")))!;
            var manifest = JsonNode.Parse(File.ReadAllText(Blob(dir, index["manifests"]![0]!["digest"]!.GetValue<string>())))!;
            var verified = new List<JsonNode>();
            foreach (var layer in manifest["layers"]!.AsArray())
            {
                Assert.Equal("application/vnd.dev.cosign.simplesigning.v1+json", layer!["mediaType"]!.GetValue<string>());
                var payload = Blob(dir, layer["digest"]!.GetValue<string>());
                var sig = Path.Combine(dir, "sig.der");
                File.WriteAllBytes(sig, Convert.FromBase64String(layer["annotations"]!["dev.cosignproject.cosign/signature"]!.GetValue<string>()));
                var (exit, output) = Tools.Run("openssl", "dgst", "-sha256", "-verify", publicKeyPath, "-signature", sig, payload);
                if (exit == 0 && output.Contains("Verified OK", StringComparison.Ordinal))
                    verified.Add(JsonNode.Parse(File.ReadAllText(payload))!);
            }
            return verified;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static string Blob(string layout, string digest) => Path.Combine(layout, "blobs", "sha256", digest[7..]);

    /// <summary>Replaces the signature annotation of <c>sha256-&lt;hex&gt;.sig</c> with a signature of other bytes (a tampered signature), over the registry API.</summary>
    public static async Task TamperSignatureAsync(string registryHost, string repositoryPath, string digest, KeyPair otherKey)
    {
        using var http = new HttpClient();
        var url = new Uri($"http://{registryHost}/v2/{repositoryPath}/manifests/sha256-{digest[7..]}.sig");
        using var get = new HttpRequestMessage(HttpMethod.Get, url);
        get.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        var manifest = JsonNode.Parse(await (await http.SendAsync(get)).Content.ReadAsStringAsync())!;
        using var key = ECDsa.Create();
        key.ImportFromPem(otherKey.PrivatePem);
        manifest["layers"]![0]!["annotations"]!["dev.cosignproject.cosign/signature"] =
            Convert.ToBase64String(key.SignData("tampered"u8.ToArray(), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        var content = new StringContent(manifest.ToJsonString());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.oci.image.manifest.v1+json");
        using var put = await http.PutAsync(url, content);
        Assert.True(put.IsSuccessStatusCode, $"PUT {url}: {put.StatusCode}");
    }
}

/// <summary>A test that checks signatures with openssl (and, with <c>Registry = true</c>, needs the registry tools); skipped with the reason otherwise.</summary>
public sealed class OpensslFactAttribute : FactAttribute
{
    public OpensslFactAttribute(bool registry = false)
    {
        if (!Tools.Has("openssl")) Skip = "openssl is not installed (run build/scripts/test-deps.sh as root)";
        else if (registry && Tools.MissingForRegistry() is { } reason) Skip = reason;
    }
}
