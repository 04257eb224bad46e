using System.CommandLine;
using ModelPipeline.Errors;
using ModelPipeline.Trust;
using ModelPipeline.Zoo;

namespace ModelPipeline.Cli.Commands;

/// <summary>
/// <c>modelpipe verify NAME@REF</c>: the signature, SBOM and provenance of a published image, from its digest alone.
/// <c>modelpipe sign NAME@REF</c>: signs a published version (image with its identity, SBOM, provenance)
/// with the key set now.
/// </summary>
internal static class TrustCommands
{
    public static Command Verify()
    {
        var name = new Argument<string>("NAME@REF") { Description = "A model with vN, an alias or sha256:<digest> (default: prod)." };
        var key = new Option<string?>("--key") { Description = "The signers' PEM public key file (default: $.verify.publicKey)." };
        var layout = new Option<string?>("--layout") { Description = "Read from this OCI image layout (default: the registry it was pushed to, or $.modelcar.layoutDir)." };
        var zooOption = new Option<string?>("--zoo") { Description = "Read this zoo (a git URL or a path) instead of the configured primary." };
        var command = new Command("verify", "Verify a published image: its cosign signature, its signed CycloneDX SBOM and its signed SLSA provenance (exit 1 when any is missing or wrong).") { name, key, layout, zooOption };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var (model, reference) = ZooSnapshot.Parse(parse.GetValue(name)!);
            ResolvedVersion resolved;
            using (var zoo = await new ZooRepository(ctx.Config, ctx.Output, parse.GetValue(zooOption)).ReadAsync(ct))
                resolved = ZooCommands.ResolveNoted(zoo, model, reference);
            var layoutDir = parse.GetValue(layout) is { } given ? Path.GetFullPath(given) : null;
            var keyFile = parse.GetValue(key) is { } file ? Path.GetFullPath(file) : null;
            var result = await VersionVerifier.VerifyAsync(ctx.Config, ctx.Output, resolved, layoutDir, keyFile, ct);
            var detail = $"{model} v{resolved.Version.Version} {result.Digest}: verified "
                + $"(signature {result.Signature}, SBOM {result.Sbom}, provenance {result.Provenance})";
            if (ctx.Json) Verb.WriteJson(ctx, "verify", Verb.Item(model, "verify", detail, result));
            else Console.WriteLine(detail);
            return 0;
        }, ct));
        return command;
    }

    public static Command Sign()
    {
        var name = new Argument<string>("NAME@REF")
        {
            Description = "A published model with vN, an alias or sha256:<digest> (default: latest).",
        };
        var zooOption = new Option<string?>("--zoo")
        {
            Description = "Read this zoo (a git URL or a path) instead of the configured primary.",
        };
        var description = "Sign a published version with the key in $MODELPIPE_SIGNING_KEY (signing.keyEnv): its image, " +
            "naming model, version and training key, and its SBOM and provenance; then verify it.";
        var command = new Command("sign", description) { name, zooOption };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var (model, reference) = ZooSnapshot.Parse(parse.GetValue(name)!);
            ResolvedVersion resolved;
            using (var zoo = await new ZooRepository(ctx.Config, ctx.Output, parse.GetValue(zooOption)).ReadAsync(ct))
                resolved = zoo.Resolve(model, reference);
            var outcome = await PublishedSigning.SignAsync(ctx.Config, ctx.Output, resolved, ct);
            var detail = $"{model} v{resolved.Version.Version} {resolved.Manifest.Image.Digest}: " +
                "signed and verified" + (outcome.Written.Count == 0
                    ? " (already signed)"
                    : $" (signed: {string.Join(", ", outcome.Written)})");
            if (ctx.Json)
                Verb.WriteJson(ctx, "sign", Verb.Item(model, "sign", detail, outcome, outcome.Written.Count == 0 ? "skipped" : "ok"));
            else Console.WriteLine(detail);
            return 0;
        }, ct));
        return command;
    }
}
