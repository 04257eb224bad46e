using System.Security.Cryptography;
using System.Text;

namespace ModelPipeline.Tests.Support;

/// <summary>
/// A base image made from Debian's busybox-static (/bin/busybox plus applet links: sh, ls, find,
/// sha256sum, ...) written as an OCI layout with the system tar, pushed with skopeo.
/// </summary>
public static class BusyboxBase
{
    private static readonly string[] Applets = ["sh", "ls", "find", "sha256sum", "cat", "sort", "xargs", "sed", "wc"];

    public static async Task<string> PushAsync(LocalRegistry registry, string repository = "busybox", string tag = "stable", string? credentials = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "mp-busybox", Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var rootfs = Path.Combine(dir, "rootfs");
            Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
            Directory.CreateDirectory(Path.Combine(rootfs, "tmp"));
            File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
            foreach (var applet in Applets) File.CreateSymbolicLink(Path.Combine(rootfs, "bin", applet), "busybox");
            var tar = Path.Combine(dir, "layer.tar");
            await Tools.RunOkAsync("tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-cf", tar, "-C", rootfs, ".");
            var diffId = Sha(await File.ReadAllBytesAsync(tar));
            await Tools.RunOkAsync("gzip", "-n", tar);
            var layer = await File.ReadAllBytesAsync(tar + ".gz");
            var config = Encoding.UTF8.GetBytes($$$"""{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":["{{{diffId}}}"]},"history":[{"created_by":"busybox-static"}]}""");
            var manifest = Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{Sha(config)}}","size":{{config.Length}}},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{Sha(layer)}}","size":{{layer.Length}}}]}""");
            var layout = Path.Combine(dir, "layout");
            var blobs = Path.Combine(layout, "blobs", "sha256");
            Directory.CreateDirectory(blobs);
            foreach (var blob in new[] { layer, config, manifest }) await File.WriteAllBytesAsync(Path.Combine(blobs, Sha(blob)[7..]), blob);
            await File.WriteAllTextAsync(Path.Combine(layout, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
            await File.WriteAllTextAsync(Path.Combine(layout, "index.json"), $$$"""{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{{Sha(manifest)}}}","size":{{{manifest.Length}}},"annotations":{"org.opencontainers.image.ref.name":"{{{tag}}}"}}]}""");
            var args = new List<string> { "copy", "--quiet", "--dest-tls-verify=false", $"oci:{layout}:{tag}", $"docker://{registry.Host}/{repository}:{tag}" };
            if (credentials is not null) args.InsertRange(1, ["--dest-creds", credentials]);
            await Tools.RunOkAsync("skopeo", [.. args]);
            return $"{registry.Host}/{repository}:{tag}";
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static string Sha(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
}
