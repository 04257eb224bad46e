using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Notifications;

/// <summary>
/// A webhook receiver on 127.0.0.1 (Kestrel) that checks every delivery the way a receiver should, after
/// GitHub's "Validating webhook deliveries": HMAC-SHA256 of the raw body with the shared secret, compared in
/// constant time with <c>X-Hub-Signature-256</c>. <see cref="Answer"/> picks the status of the n-th request.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Delivery(string Event, string Id, string? Signature, bool SignatureValid, byte[] Body)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }

    private readonly LoopbackServer _server;
    private int _count;

    private WebhookReceiver(LoopbackServer server) => _server = server;

    public ConcurrentQueue<Delivery> Received { get; } = new();

    public string? Secret { get; private init; }

    /// <summary>The status for the n-th request (1-based); default 200.</summary>
    public Func<int, int> Answer { get; set; } = _ => 200;

    public string Url => new Uri(_server.Address, "/hooks/modelpipe").ToString();

    public static async Task<WebhookReceiver> StartAsync(string? secret)
    {
        WebhookReceiver? receiver = null;
        var server = await LoopbackServer.StartAsync(async context => await receiver!.HandleAsync(context));
        receiver = new WebhookReceiver(server) { Secret = secret };
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var signature = context.Request.Headers["X-Hub-Signature-256"].FirstOrDefault();
        var valid = Secret is not null && signature is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body))),
            Encoding.ASCII.GetBytes(signature));
        Received.Enqueue(new Delivery(context.Request.Headers["X-Modelpipe-Event"].ToString(),
            context.Request.Headers["X-Modelpipe-Delivery"].ToString(), signature, valid, body));
        context.Response.StatusCode = Secret is not null && !valid ? 401 : Answer(Interlocked.Increment(ref _count));
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
