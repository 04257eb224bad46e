using System.Text.Json;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Packaging;

/// <summary>Bearer-token auth: docker-registry with <c>auth.token</c> and a token service in the test.</summary>
public sealed class RegistryTokenAuthTests
{
    [RegistryFact]
    public async Task A_bearer_challenge_is_answered_with_a_token_from_the_announced_realm_and_the_registry_never_sees_the_password()
    {
        await using var tokens = await TokenServer.StartAsync("robot", "token-pass-77");
        await using var registry = await LocalRegistry.StartAsync(tokens: tokens);
        await using var proxy = await FaultProxy.StartAsync(registry.Host);
        var baseImage = (await BusyboxBase.PushAsync(registry, credentials: "robot:token-pass-77")).Replace(registry.Host, proxy.Host, StringComparison.Ordinal);
        using var world = new TestWorld();
        ValidatedModel.Configure(world, new { destination = "registry", repository = $"{proxy.Host}/modelzoo", baseImage });
        var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());

        var wrong = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"],
            ValidatedModel.Env(world, ("MODELPIPE_REGISTRY_USERNAME", "robot"), ("MODELPIPE_REGISTRY_PASSWORD", "nope-nope-1")));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("refused the credentials", wrong.All, StringComparison.Ordinal);
        Assert.DoesNotContain("nope-nope-1", wrong.All, StringComparison.Ordinal);

        var run = await Modelpipe.RunAsync(world.Root, ["package", "--model", "demo"],
            ValidatedModel.Env(world, ("MODELPIPE_REGISTRY_USERNAME", "robot"), ("MODELPIPE_REGISTRY_PASSWORD", "token-pass-77")));

        Assert.True(run.ExitCode == 0, run.All);
        Assert.All(tokens.Requests, scheme => Assert.Equal("Basic", scheme));
        Assert.True(proxy.Log.Count > 0);
        Assert.DoesNotContain(proxy.Authorizations, a => a.StartsWith("Basic", StringComparison.Ordinal));
        Assert.Contains(proxy.Authorizations, a => a.StartsWith("Bearer", StringComparison.Ordinal));
        // The base layer was mounted with a token for both repositories (push here, pull there).
        Assert.Contains(proxy.Log, l => l.StartsWith("POST /v2/modelzoo/blobs/uploads/?mount=", StringComparison.Ordinal));
        var record = ValidatedModel.ReadRecord(world, "demo", key);
        var raw = JsonDocument.Parse(await Tools.RunOkAsync("skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", "robot:token-pass-77", $"docker://{registry.Host}/modelzoo:{record.Tag}")).RootElement;
        var expected = raw.GetProperty("config").GetProperty("size").GetInt64() + raw.GetProperty("layers").EnumerateArray().Skip(1).Sum(l => l.GetProperty("size").GetInt64());
        // Plus the SBOM and provenance beside it (their content blobs and the shared empty config "{}").
        foreach (var artifact in new[] { record.Attestations!.Sbom, record.Attestations.Provenance })
            expected += JsonDocument.Parse(await Tools.RunOkAsync("skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", "robot:token-pass-77", $"docker://{registry.Host}/modelzoo@{artifact}")).RootElement
                .GetProperty("layers")[0].GetProperty("size").GetInt64();
        Assert.Equal(expected + 2, proxy.UploadedBlobBytes);
        Assert.Equal($"oci://{proxy.Host}/modelzoo@{record.Digest}", record.StorageUri);
    }
}
