using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.Errors;
using ModelPipeline.Inference;
using ModelPipeline.Zoo;

namespace ModelPipeline.Cli.Commands;

/// <summary>
/// <c>serve NAME@REF</c> (a published model over the Open Inference Protocol, until SIGINT/SIGTERM)
/// and <c>serve-check</c> (the ServeCheck step: the packaged image answers the test vectors over HTTP).
/// </summary>
internal static class ServeCommands
{
    public static Command Serve()
    {
        var name = new Argument<string>("NAME@REF") { Description = "A model with vN, an alias or sha256:<digest> (default: latest)." };
        var host = new Option<string>("--host") { Description = "The address to listen on (default 127.0.0.1: this machine only).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "The TCP port (default 8080; 0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Refuse a request body over this size with 413 (default 16 MiB).", DefaultValueFactory = _ => 16L * 1024 * 1024 };
        var layout = new Option<string?>("--layout") { Description = "Read the image from this OCI image layout (default: where it was published)." };
        var zooOption = new Option<string?>("--zoo") { Description = "Read this zoo (a git URL or a path) instead of the configured primary." };
        var allowYanked = ZooCommands.AllowYanked();
        var command = new Command("serve", "Pull a published model by digest (verified as pull does) and serve it over the Open Inference Protocol (KServe V2 REST) with ONNX Runtime until SIGINT/SIGTERM.")
            { name, host, port, maxBody, layout, zooOption, allowYanked };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            if (parse.GetValue(maxBody) < 1) throw new InvalidInputException("--max-body-bytes: must be at least 1. Fix: pass a size in bytes, e.g. 16777216.");
            var (model, reference) = ZooSnapshot.Parse(parse.GetValue(name)!);
            var options = new InferenceServerOptions { Host = parse.GetValue(host)!, Port = parse.GetValue(port), MaxBodyBytes = parse.GetValue(maxBody) };
            var layoutDir = parse.GetValue(layout) is { } given ? Path.GetFullPath(given) : null;
            ServingSession session;
            using (var zoo = await new ZooRepository(ctx.Config, ctx.Output, parse.GetValue(zooOption)).ReadAsync(ct))
            {
                var resolved = ZooCommands.ResolveNoted(zoo, model, reference, parse.GetValue(allowYanked));
                session = await ServingSession.StartAsync(ctx.Config, ctx.Output, zoo.Root, resolved, layoutDir, options, ct);
            }
            await using (session)
            {
                var url = new Uri(session.Server.Address, $"v2/models/{session.Model.Name}");
                var detail = $"serving {session.Model.Name} {session.Model.Version} at {url} (Open Inference Protocol)";
                // With --json, the envelope is printed once serving starts (exit 0): a script waits for it.
                var serving = new { model = session.Model.Name, version = session.Model.Version, address = session.Server.Address, url };
                if (ctx.Json) Verb.WriteJson(ctx, "serve", Verb.Item(session.Model.Name, "serve", detail, serving));
                else Console.WriteLine($"{detail}; SIGINT or SIGTERM stops it");
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    Console.Error.WriteLine("stopping: requests in flight finish, then the pulled files are deleted");
                }
            }
            return 0;
        }, ct));
        return command;
    }

    /// <summary>The ServeCheck step over the selected models, all served by one loopback server in turn.</summary>
    public static Command ServeCheck()
    {
        var option = CommonOptions.Model();
        var command = new Command("serve-check", "The serving check before the test pin: serve each packaged image "
            + "over the Open Inference Protocol on a loopback port and send it the test vectors.") { option };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            await using var server = new SharedInferenceServer();
            var models = await ctx.ChainModelsAsync(parse, option, "serve-check", ct);
            return await Verb.RunRowsAsync(ctx, "serve-check", models, m => m.Name, m => m.Name,
                (model, rowCtx) => CheckAsync(rowCtx, model, server, ct), ctx.Parallel);
        }, ct));
        return command;
    }

    private static async Task<StepResult> CheckAsync(CommandContext ctx, Models.ModelDefinition model,
        SharedInferenceServer server, CancellationToken ct)
    {
        var step = new ServingCheckStep(ctx.Config, ctx.State, ctx.Output) { Server = server };
        var record = await step.RunAsync(model, ct);
        return new StepResult
        {
            Model = model.Name,
            Step = "serve-check",
            Result = record.Status == ServingCheckRecord.PassedStatus && record.From is null ? "ok" : "skipped",
            Detail = record.From is null
                ? $"{record.Status}: {record.Detail}"
                : $"{record.Status} ({record.From}): {record.Detail}",
            Data = record,
        };
    }
}
