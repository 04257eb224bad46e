namespace ModelPipeline.Inference;

/// <summary>
/// One loopback <see cref="InferenceServer"/> for the serving checks of a run, started at the first check
/// that needs it: each check adds its model to <see cref="Models"/>, probes it and removes it. Starting
/// Kestrel once, not once per model, is what keeps ServeCheck over many models linear in their own work.
/// </summary>
public sealed class SharedInferenceServer : IAsyncDisposable
{
    private readonly SemaphoreSlim _starting = new(1, 1);
    private InferenceServer? _server;

    public ServedModels Models { get; } = new();

    /// <summary>The server's base address, starting it on first use (a free port on 127.0.0.1).</summary>
    public async Task<Uri> AddressAsync(CancellationToken ct)
    {
        await _starting.WaitAsync(ct);
        try
        {
            _server ??= await InferenceServer.StartAsync(Models, new InferenceServerOptions { Port = 0 }, ct);
            return _server.Address;
        }
        finally
        {
            _starting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _starting.Dispose();
    }
}
