using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Zoo;

/// <summary>
/// The zoo over https: real <c>git http-backend</c> behind Kestrel's TLS with a throwaway CA made by the openssl CLI.
/// git trusts that CA only through <c>GIT_SSL_CAINFO</c> in the environment this test gives the CLI.
/// </summary>
public sealed class ZooHttpsTests : IAsyncLifetime, IDisposable
{
    private readonly TestWorld _world = new();
    private readonly string _token = "zoo-" + Guid.NewGuid().ToString("N");
    private GitHttpServer? _zoo;
    private TestTls? _tls;

    public async Task InitializeAsync()
    {
        if (TestTls.Missing() is not null) return;
        _tls = await TestTls.CreateAsync(Path.Combine(_world.Root, "tls"));
        _zoo = await GitHttpServer.StartAsync(Path.Combine(_world.Root, "served"), _token, tls: _tls);
        await _zoo.CreateRepoAsync("zoo.git");
        File.WriteAllText(Path.Combine(_world.Root, "pipeline.json"), $$"""
            { "zoo": { "url": "{{_zoo.Url("zoo.git")}}", "tokenEnv": "ZOO_TOKEN", "mirrors": [] } }
            """);
    }

    public async Task DisposeAsync()
    {
        if (_zoo is not null) await _zoo.DisposeAsync();
    }

    public void Dispose() => _world.Dispose();

    private Dictionary<string, string?> Env(string token) => new()
    {
        ["ZOO_TOKEN"] = token,
        ["GIT_SSL_CAINFO"] = _tls!.CaFile,
    };

    [TlsFact]
    public async Task A_wrong_token_on_an_https_zoo_exits_1_naming_the_variable_and_the_right_token_publishes()
    {
        await _world.SeedPackagedAsync();
        Assert.StartsWith("https://127.0.0.1:", _zoo!.BaseUrl, StringComparison.Ordinal);

        var wrong = await Modelpipe.RunAsync(_world.Root, ["push"], Env("not-the-zoo-token"));

        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains(_zoo.BaseUrl, wrong.All);
        Assert.Contains("refused the credentials (HTTP 401", wrong.All);
        Assert.Contains("check the token in ZOO_TOKEN (named by tokenEnv)", wrong.All);
        Assert.DoesNotContain("askpass", wrong.All);
        Assert.DoesNotContain("not-the-zoo-token", wrong.All);
        Assert.True(_zoo.Unauthorized > 0);
        Assert.Null(await BareRepo.TipAsync(Path.Combine(_zoo.ProjectRoot, "zoo.git")));

        var right = await Modelpipe.RunAsync(_world.Root, ["push"], Env(_token));

        Assert.True(right.ExitCode == 0, right.All);
        Assert.NotNull(await BareRepo.TipAsync(Path.Combine(_zoo.ProjectRoot, "zoo.git")));
    }

    [TlsFact]
    public async Task An_https_zoo_whose_certificate_git_does_not_trust_fails_and_sends_nothing()
    {
        await _world.SeedPackagedAsync();

        var untrusted = await Modelpipe.RunAsync(_world.Root, ["push"], new Dictionary<string, string?>
        {
            ["ZOO_TOKEN"] = _token,
            ["GIT_SSL_CAINFO"] = null,
        });

        Assert.Equal(1, untrusted.ExitCode);
        Assert.Empty(_zoo!.Requests);
        Assert.DoesNotContain(_token, untrusted.All);
    }
}
