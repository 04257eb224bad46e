using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelPipeline.Errors;

namespace ModelPipeline.Inference;

/// <summary>Where <see cref="InferenceServer"/> listens and how large a request body may be.</summary>
public sealed record InferenceServerOptions
{
    /// <summary>An IP address or <c>localhost</c>; loopback by default, so nothing outside the machine reaches it.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (see <see cref="InferenceServer.Address"/>).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>A larger body is refused with 413 and <c>{"error": ...}</c> before it is read.</summary>
    public long MaxBodyBytes { get; init; } = 16L * 1024 * 1024;
}

/// <summary>
/// The Open Inference Protocol (KServe V2) REST API for one <see cref="ServedModel"/> or several
/// (<see cref="ServedModels"/>), on Kestrel with ASP.NET Core minimal APIs (<see cref="InferenceRoutes"/>).
/// A request that fails gets its error answer; the server keeps serving. <see cref="DisposeAsync"/> stops it gracefully
/// (requests in flight finish).
/// Spec: https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
/// </summary>
public sealed class InferenceServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InferenceServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The base address it listens on, e.g. <c>http://127.0.0.1:8080/</c>.</summary>
    public Uri Address { get; }

    public static Task<InferenceServer> StartAsync(ServedModel model, InferenceServerOptions options,
        CancellationToken ct) =>
        StartAsync(new ServedModels(model), options, ct, model.Name);

    /// <summary>A server for the models in <paramref name="models"/> at each request (they may come and go).</summary>
    public static async Task<InferenceServer> StartAsync(ServedModels models, InferenceServerOptions options,
        CancellationToken ct, string? model = null)
    {
        var ip = options.Host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(options.Host, out var parsed) ? parsed
            : throw new InvalidInputException($"--host {options.Host}: not an IP address. Fix: pass an address such as 127.0.0.1 (the default) or 0.0.0.0.");
        if (options.Port is < 0 or > 65535)
            throw new InvalidInputException($"--port {options.Port}: not a TCP port. Fix: pass 1-65535 (or 0 for any free port).");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.AddServerHeader = false;
            kestrel.Listen(ip, options.Port);
        });
        var app = builder.Build();
        InferenceRoutes.Map(app, models, options.MaxBodyBytes);
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new OperationFailedException($"cannot listen on {options.Host}:{options.Port} ({ex.Message}). Fix: pass another --port, or stop what uses it.") { Model = model };
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InferenceServer(app, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    /// <summary>Stops accepting requests and lets the ones in flight finish (up to 5 s).</summary>
    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
