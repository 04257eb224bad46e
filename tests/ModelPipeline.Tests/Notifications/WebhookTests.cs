using System.Text;
using ModelPipeline.Notifications;
using ModelPipeline.Tests.Serving;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Notifications;

/// <summary>Webhooks of the pipeline, through the real modelpipe process and a receiver on 127.0.0.1 that checks signatures.</summary>
public sealed class WebhookTests : IDisposable
{
    private const string Secret = "webhook-secret-9f3c1e7a55d2";
    private static readonly string[] AliasMoved = ["alias.moved"];
    private static readonly string[] GateFailed = ["gate.failed"];
    private static readonly string[] Misspelt = ["version.pubilshed"];
    private readonly ServingWorld _w = new();

    public WebhookTests() => _w.Env[WebhookWorld.SecretVariable] = Secret;

    public void Dispose() => _w.Dispose();

    [Fact]
    public void The_signature_is_the_HMAC_SHA256_of_the_body_as_GitHub_documents_it()
    {
        // The example of GitHub's "Validating webhook deliveries" page.
        var signature = WebhookSender.Sign(Encoding.UTF8.GetBytes("Hello, World!"), "It's a Secret to Everybody");
        Assert.Equal("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", signature);
    }

    [Fact]
    public async Task Publishing_and_moving_an_alias_deliver_signed_events_of_the_published_schema_and_no_secret_is_written()
    {
        await using var json = await WebhookReceiver.StartAsync(Secret);
        await using var slack = await WebhookReceiver.StartAsync(secret: null);
        WebhookWorld.Configure(_w,
            new { name = "ops", url = json.Url, secretEnv = WebhookWorld.SecretVariable },
            new { name = "chat", url = slack.Url, format = "slack", events = AliasMoved });

        var seeded = await _w.PublishAsync(1);
        await _w.AliasAsync("prod", 1);
        var unchanged = await Modelpipe.RunAsync(_w.Root, ["models", "alias", "demo", "prod", "v1"], _w.Env);
        Assert.Equal(0, unchanged.ExitCode);

        var got = json.Received.ToList();
        Assert.Equal(["version.published", "alias.moved"], got.Select(d => d.Event));
        foreach (var d in got)
        {
            Assert.True(d.SignatureValid, $"{d.Event}: signature {d.Signature}");
            Assert.Equal(d.Id, d.Json.GetProperty("id").GetString());
            await WebhookWorld.AssertMatchesSchemaAsync(d.Body);
        }
        Assert.NotEqual(got[0].Id, got[1].Id);
        Assert.Equal(seeded.Digest, got[0].Json.GetProperty("digest").GetString());
        Assert.Equal(1, got[0].Json.GetProperty("version").GetInt32());
        Assert.Equal("prod", got[1].Json.GetProperty("alias").GetString());

        var text = Assert.Single(slack.Received);
        Assert.Null(text.Signature);
        Assert.Equal("demo: alias prod now points to v1", text.Json.GetProperty("text").GetString());
        Assert.Single(text.Json.EnumerateObject());

        var log = WebhookWorld.Log(WebhookWorld.PipelineLog(_w));
        Assert.Equal(3, log.Count);
        Assert.All(log, r => Assert.Equal("delivered", r.Result));
        Assert.Equal(got.Select(d => d.Id).Append(text.Id).Order(), log.Select(r => r.Id).Order());
        Assert.Equal(new Uri(json.Url).GetLeftPart(UriPartial.Authority), log[0].Target);
        foreach (var file in Directory.EnumerateFiles(_w.Root, "*", SearchOption.AllDirectories))
            Assert.DoesNotContain(Secret, File.ReadAllText(file, Encoding.Latin1));
    }

    [Fact]
    public async Task A_receiver_that_answers_500_first_gets_the_same_delivery_again_and_the_log_records_it_delivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        receiver.Answer = n => n == 1 ? 500 : 200;
        WebhookWorld.Configure(_w, new { url = receiver.Url, secretEnv = WebhookWorld.SecretVariable, attempts = 3 });

        await _w.PublishAsync(1);

        var got = receiver.Received.ToList();
        Assert.Equal(2, got.Count);
        Assert.Equal(got[0].Id, got[1].Id);
        Assert.Equal(got[0].Body, got[1].Body);
        Assert.All(got, d => Assert.True(d.SignatureValid));
        var record = Assert.Single(WebhookWorld.Log(WebhookWorld.PipelineLog(_w)));
        Assert.Equal(("delivered", 2, (int?)200, got[0].Id), (record.Result, record.Attempts, record.Status, record.Id));
    }

    [Fact]
    public async Task A_receiver_that_is_down_fails_the_delivery_with_a_warning_while_the_step_succeeds_and_the_report_lists_it()
    {
        var closed = $"http://127.0.0.1:{FreePort.Get()}/hook";
        WebhookWorld.Configure(_w, new { name = "down", url = closed, secretEnv = WebhookWorld.SecretVariable, attempts = 2, budgetSeconds = 20 });
        await _w.World.SeedPackagedAsync(variant: 1);

        var push = await Modelpipe.RunAsync(_w.Root, ["push"], _w.Env);

        Assert.True(push.ExitCode == 0, push.All);
        Assert.Contains("webhook down: version.published was not delivered after 2 attempt(s)", push.All);
        var record = Assert.Single(WebhookWorld.Log(WebhookWorld.PipelineLog(_w)));
        Assert.Equal(("failed", 2, "version.published", "demo"), (record.Result, record.Attempts, record.Event, record.Model));
        Assert.NotNull(record.Error);

        var report = await Modelpipe.RunAsync(_w.Root, ["report"], _w.Env);
        Assert.True(report.ExitCode == 0, report.All);
        var index = await File.ReadAllTextAsync(Path.Combine(_w.Root, "artifacts", "report", "index.html"));
        Assert.Contains("0 delivered, 1 failed", index);
        Assert.Contains("<table id=\"failed-deliveries\">", index);
        Assert.Contains(record.Id, index);
    }

    [Fact]
    public async Task A_failed_validation_gate_is_notified_with_the_failing_checks()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        WebhookWorld.Configure(_w, new { url = receiver.Url, secretEnv = WebhookWorld.SecretVariable, events = GateFailed });
        var seeded = await _w.World.SeedPackagedAsync(variant: 1); // its model.onnx is not an ONNX graph: the gate refuses it
        var state = new ModelPipeline.RunState.RunStateStore(_w.World.ArtifactsDir);
        state.WriteRun("demo", seeded.TrainingKey, "train", new ModelPipeline.Training.TrainingRecord
        {
            Model = "demo", TrainingKey = seeded.TrainingKey, Backend = "local", RunId = "local-1",
            OutputDir = state.Relative(state.OutputDir("demo", seeded.TrainingKey)),
        });

        var validate = await Modelpipe.RunAsync(_w.Root, ["validate"], _w.Env);

        Assert.True(validate.ExitCode == 1, validate.All);
        Assert.True(receiver.Received.Count == 1, validate.All);
        var d = Assert.Single(receiver.Received);
        Assert.Equal(("gate.failed", "validate", "demo"), (d.Event, d.Json.GetProperty("step").GetString(), d.Json.GetProperty("model").GetString()));
        Assert.Contains("failed the validation gate", d.Json.GetProperty("detail").GetString());
        await WebhookWorld.AssertMatchesSchemaAsync(d.Body);
    }

    [Fact]
    public async Task Check_names_the_file_and_field_of_each_bad_webhook_and_exits_2()
    {
        await _w.World.SeedPackagedAsync(variant: 1);
        WebhookWorld.Configure(_w,
            new { url = "https://user:pw@hooks.example.com/x" },
            new { name = "both", url = "https://hooks.example.com/y", urlEnv = "HOOK_URL" });

        var check = await Modelpipe.RunAsync(_w.Root, ["check"], _w.Env);

        Assert.Equal(2, check.ExitCode);
        Assert.Contains("pipeline.json: $.notifications.webhooks[0].url: the URL embeds credentials", check.All);
        Assert.Contains("pipeline.json: $.notifications.webhooks[1]: give exactly one of url and urlEnv", check.All);
        Assert.DoesNotContain(":pw@", check.All);

        WebhookWorld.Configure(_w, new { url = "https://hooks.example.com/z", events = Misspelt });
        var schema = await Modelpipe.RunAsync(_w.Root, ["check"], _w.Env);
        Assert.Equal(2, schema.ExitCode);
        Assert.True(schema.All.Contains("notifications.webhooks[0].events[0]", StringComparison.Ordinal), schema.All);
    }
}
