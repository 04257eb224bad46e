using System.Text;
using ModelPipeline.Tests.Support;
using ModelPipeline.Zoo;

namespace ModelPipeline.Tests.Zoo;

/// <summary>The zoo over smart HTTP: real <c>git http-backend</c> behind token auth on 127.0.0.1.</summary>
public sealed class ZooHttpTests : IAsyncLifetime, IDisposable
{
    private readonly TestWorld _world = new();
    private readonly string _primaryToken = "zoo-" + Guid.NewGuid().ToString("N");
    private readonly string _mirrorToken = "mirror-" + Guid.NewGuid().ToString("N");
    private GitHttpServer _primary = null!;
    private GitHttpServer _mirror = null!;

    public async Task InitializeAsync()
    {
        _primary = await GitHttpServer.StartAsync(Path.Combine(_world.Root, "served", "primary"), _primaryToken);
        _mirror = await GitHttpServer.StartAsync(Path.Combine(_world.Root, "served", "mirror"), _mirrorToken);
        await _primary.CreateRepoAsync("zoo.git");
        await _mirror.CreateRepoAsync("zoo.git");
    }

    public async Task DisposeAsync()
    {
        await _primary.DisposeAsync();
        await _mirror.DisposeAsync();
    }

    public void Dispose() => _world.Dispose();

    private string PrimaryBare => Path.Combine(_primary.ProjectRoot, "zoo.git");

    private string MirrorBare => Path.Combine(_mirror.ProjectRoot, "zoo.git");

    private void Configure(string? primaryTokenEnv = "ZOO_TOKEN") => File.WriteAllText(Path.Combine(_world.Root, "pipeline.json"), $$"""
        {
          "zoo": {
            "url": "{{_primary.Url("zoo.git")}}",
            {{(primaryTokenEnv is null ? "" : $"\"tokenEnv\": \"{primaryTokenEnv}\",")}}
            "mirrors": [ { "name": "gitlab", "url": "{{_mirror.Url("zoo.git")}}", "tokenEnv": "MIRROR_TOKEN" } ]
          }
        }
        """);

    private Dictionary<string, string?> Env(string? primary = null, string? mirror = null) => new()
    {
        ["ZOO_TOKEN"] = primary ?? _primaryToken,
        ["MIRROR_TOKEN"] = mirror ?? _mirrorToken,
    };

    [Fact]
    public async Task Publishing_over_smart_http_with_tokens_reaches_the_primary_and_the_mirror()
    {
        var seeded = await _world.SeedPackagedAsync();
        Configure();

        var result = await Modelpipe.RunAsync(_world.Root, ["push"], Env());

        Assert.True(result.ExitCode == 0, result.All);
        var tip = await BareRepo.TipAsync(PrimaryBare);
        Assert.NotNull(tip);
        Assert.Equal(tip, await BareRepo.TipAsync(MirrorBare));
        var record = _world.ReadRun<ZooRecord>("demo", seeded.TrainingKey, "zoo");
        Assert.Equal(1, record.Version);
        Assert.True(record.Mirrors.Single() is { Ok: true, Matches: true });

        var resolved = await Modelpipe.RunAsync(_world.Root, ["models", "resolve", "demo@latest"], Env());
        Assert.StartsWith($"v1\tlocalhost/models/demo@{seeded.Digest}", resolved.StdOut);
    }

    [Theory]
    [InlineData("wrong-token")]
    [InlineData("503")]
    public async Task A_mirror_that_rejects_the_token_or_is_down_is_a_warning_and_the_push_succeeds(string failure)
    {
        var seeded = await _world.SeedPackagedAsync();
        Configure();
        if (failure == "503") _mirror.FailWith = 503;

        var result = await Modelpipe.RunAsync(_world.Root, ["push"], Env(mirror: failure == "503" ? null : "not-the-token"));

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("warning: mirror gitlab", result.StdOut);
        Assert.NotNull(await BareRepo.TipAsync(PrimaryBare));
        Assert.Null(await BareRepo.TipAsync(MirrorBare));
        var mirror = _world.ReadRun<ZooRecord>("demo", seeded.TrainingKey, "zoo").Mirrors.Single();
        Assert.False(mirror.Ok);
        if (failure == "wrong-token") Assert.True(_mirror.Unauthorized > 0);
    }

    [Fact]
    public async Task A_primary_without_the_token_answers_401_and_nothing_is_recorded()
    {
        var seeded = await _world.SeedPackagedAsync();
        Configure(primaryTokenEnv: null);

        var result = await Modelpipe.RunAsync(_world.Root, ["push"], Env());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("could not fetch primary", result.All);
        Assert.True(_primary.Unauthorized > 0);
        Assert.Null(await BareRepo.TipAsync(PrimaryBare));
        Assert.Null(await BareRepo.TipAsync(MirrorBare));
        Assert.False(File.Exists(Path.Combine(_world.ArtifactsDir, "demo", "runs", seeded.TrainingKey, "zoo.json")));
    }

    [Fact]
    public async Task A_wrong_zoo_token_names_the_server_the_status_and_the_variable_not_the_askpass_helper()
    {
        await _world.SeedPackagedAsync();
        Configure();

        var result = await Modelpipe.RunAsync(_world.Root, ["push"], Env(primary: "not-the-zoo-token"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{_primary.Url("zoo.git").Split("/zoo.git")[0]}", result.All);
        Assert.Contains("refused the credentials (HTTP 401", result.All);
        Assert.Contains("check the token in ZOO_TOKEN (named by tokenEnv)", result.All);
        Assert.DoesNotContain("askpass", result.All);
        Assert.DoesNotContain("not-the-zoo-token", result.All);
        Assert.True(_primary.Unauthorized > 0);
    }

    [Fact]
    public async Task A_primary_that_refuses_the_push_fails_at_once_and_nothing_is_recorded()
    {
        var seeded = await _world.SeedPackagedAsync();
        Configure();
        _primary.Fault = r => r.Path.Value!.EndsWith("/git-receive-pack", StringComparison.Ordinal) || r.QueryString.Value == "?service=git-receive-pack" ? 403 : null;

        var result = await Modelpipe.RunAsync(_world.Root, ["push"], Env());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("push to primary", result.All);
        Assert.Contains("failed after 1 attempt(s)", result.All);
        Assert.Contains("Nothing was published", result.All);
        Assert.Null(await BareRepo.TipAsync(PrimaryBare));
        Assert.Null(await BareRepo.TipAsync(MirrorBare));
        Assert.False(File.Exists(Path.Combine(_world.ArtifactsDir, "demo", "runs", seeded.TrainingKey, "zoo.json")));
    }

    [Fact]
    public async Task A_primary_token_variable_that_is_not_set_exits_2_naming_it()
    {
        await _world.SeedPackagedAsync();
        Configure();
        var before = _world.Files();

        var result = await Modelpipe.RunAsync(_world.Root, ["push"], new Dictionary<string, string?> { ["ZOO_TOKEN"] = null, ["MIRROR_TOKEN"] = _mirrorToken });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pipeline.json $.zoo.url: the environment variable ZOO_TOKEN (named by tokenEnv) is not set", result.StdErr);
        Assert.Equal(before, _world.Files());
    }

    [Fact]
    public async Task A_canary_token_never_appears_in_output_files_git_config_urls_or_error_messages()
    {
        var canary = "canary-" + Guid.NewGuid().ToString("N");
        _primary.Token = canary;
        await _world.SeedPackagedAsync();
        Configure();
        var outputs = new List<string>();

        // Success, a mirror failure (its git stderr is reported), consumers, an alias, then a failing primary.
        outputs.Add((await Modelpipe.RunAsync(_world.Root, ["push", "--json"], Env(primary: canary, mirror: "wrong"))).All);
        outputs.Add((await Modelpipe.RunAsync(_world.Root, ["models", "list", "--json"], Env(primary: canary))).All);
        outputs.Add((await Modelpipe.RunAsync(_world.Root, ["models", "alias", "demo", "staging", "v1"], Env(primary: canary))).All);
        await _world.SeedPackagedAsync(variant: 2);
        _primary.FailWith = 500;
        var failed = await Modelpipe.RunAsync(_world.Root, ["push"], Env(primary: canary));
        Assert.Equal(1, failed.ExitCode);
        outputs.Add(failed.All);
        _primary.Token = "something-else";
        _primary.FailWith = null;
        outputs.Add((await Modelpipe.RunAsync(_world.Root, ["push"], Env(primary: canary))).All);

        Assert.NotNull(await BareRepo.TipAsync(PrimaryBare));
        var forms = new[] { canary, Convert.ToBase64String(Encoding.UTF8.GetBytes($"x-access-token:{canary}")) };
        foreach (var output in outputs)
            foreach (var form in forms) Assert.DoesNotContain(form, output);
        var configs = Directory.GetFiles(Path.Combine(_world.Root, ".pipeline", "zoo-clones"), "config", SearchOption.AllDirectories);
        Assert.NotEmpty(configs);
        foreach (var file in Directory.EnumerateFiles(_world.Root, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            var text = Encoding.Latin1.GetString(bytes);
            foreach (var form in forms) Assert.False(text.Contains(form, StringComparison.Ordinal), $"{file} contains the token");
        }
        Assert.DoesNotContain(_primary.Requests, r => r.Contains(canary, StringComparison.Ordinal));
    }
}
