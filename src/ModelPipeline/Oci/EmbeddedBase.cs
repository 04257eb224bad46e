using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ModelPipeline.Configuration;
using ModelPipeline.Errors;

namespace ModelPipeline.Oci;

/// <summary>
/// The embedded ModelCar base (<c>modelcar.baseImage: "busybox-static"</c>): one layer made on this
/// machine, with no registry and no network, from Debian's static busybox (<c>busybox-static</c>,
/// <c>/bin/busybox</c>) pinned by sha256 in pipeline.json: <c>/bin/busybox</c> (0755) and links
/// <c>sh</c>, <c>ln</c>, <c>sleep</c> (what KServe's modelcar sidecar runs) plus <c>find</c>,
/// <c>sha256sum</c>, <c>cat</c>, <c>ls</c> (the smoke test), and empty <c>/mnt</c>, <c>/tmp</c>.
/// Entries are sorted, owned 0:0, time 0, no user names: the same binary gives the same layer
/// (and base digest) on any machine.
/// </summary>
public static class EmbeddedBase
{
    public const string Name = "busybox-static";

    private static readonly string[] Applets = ["cat", "find", "ln", "ls", "sh", "sha256sum", "sleep"];

    public static bool IsEmbedded(string baseImage) => baseImage == Name;

    /// <summary>Builds the base from the pinned binary; a missing or different binary is a clear error.</summary>
    public static BaseImage Build(BusyboxSettings settings, string where)
    {
        var path = settings.Path;
        if (!File.Exists(path))
            throw new OperationFailedException($"{where}: the embedded base '{Name}' needs {path}, which does not exist. Fix: install Debian's busybox-static (apt-get install busybox-static; ./build.sh Publish does it when run as root), or set modelcar.baseImage to a registry image with a shell.");
        if (string.IsNullOrEmpty(settings.Sha256))
            throw new InvalidInputException($"{where}: the embedded base '{Name}' needs $.modelcar.busybox.sha256, the pinned sha256 of {path}. Fix: set it to the output of 'sha256sum {path}'.");
        var binary = File.ReadAllBytes(path);
        var actual = Convert.ToHexStringLower(SHA256.HashData(binary));
        if (actual != settings.Sha256)
            throw new OperationFailedException($"{where}: {path} has sha256 {actual}, but $.modelcar.busybox.sha256 pins {settings.Sha256}; the base would differ from the one other machines build. Fix: install the busybox-static package the pin was taken from (Debian 12: 1:1.35.0-4+deb12u1), or, to move to this binary on purpose, set the pin to {actual}.");

        var layer = Layer(binary);
        var diffId = OciDigest.Of(layer);
        var descriptor = new Descriptor { MediaType = MediaTypes.OciLayer, Digest = diffId, Size = layer.Length };
        var config = new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject
            {
                ["Env"] = new JsonArray("PATH=/bin"),
                ["Cmd"] = new JsonArray("/bin/sh"),
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId) },
            ["history"] = new JsonArray(new JsonObject
            {
                ["created"] = "1970-01-01T00:00:00Z",
                ["created_by"] = $"modelpipe: {Name} base from {path} (sha256 {actual})",
            }),
        };
        return new BaseImage(Name, null, [descriptor], config, hasShell: true,
            (d, _) => d.Digest == diffId
                ? Task.FromResult<Stream>(new MemoryStream(layer, writable: false))
                : throw new InvalidOperationException($"{Name} has no blob {d.Digest}"));
    }

    /// <summary>The layer's tar bytes (about 2 MB: held in memory).</summary>
    public static byte[] Layer(byte[] busybox)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            const UnixFileMode dirMode = (UnixFileMode)0b111_101_101;
            tar.WriteEntry(Entry(TarEntryType.Directory, "bin/", dirMode));
            tar.WriteEntry(Entry(TarEntryType.RegularFile, "bin/busybox", dirMode, new MemoryStream(busybox, writable: false)));
            foreach (var applet in Applets)
            {
                var link = Entry(TarEntryType.SymbolicLink, "bin/" + applet, (UnixFileMode)0b111_111_111);
                link.LinkName = "busybox";
                tar.WriteEntry(link);
            }
            tar.WriteEntry(Entry(TarEntryType.Directory, "mnt/", dirMode));
            tar.WriteEntry(Entry(TarEntryType.Directory, "tmp/", (UnixFileMode)0b1_111_111_111));
        }
        return buffer.ToArray();
    }

    private static UstarTarEntry Entry(TarEntryType type, string name, UnixFileMode mode, Stream? data = null)
    {
        var entry = new UstarTarEntry(type, name) { Mode = mode, Uid = 0, Gid = 0, ModificationTime = DateTimeOffset.UnixEpoch };
        if (data is not null) entry.DataStream = data;
        return entry;
    }
}
