namespace ModelPipeline.Cli.Commands;

/// <summary>
/// Runs rows of a verb concurrently (at most <c>parallel</c> at once). Each row writes to its own
/// buffer, an output of the same kind as the verb's; a finished buffer is written out whole, in the
/// order of the rows, so the log reads as if the rows had run one after the other. With <c>shown</c>,
/// a finished row's buffer is written only when it says so (row index, the buffer's text).
/// </summary>
internal static class RowBuffers
{
    public static async Task RunAsync(CommandContext ctx, int count, int parallel, Func<int, CommandContext, Task> run,
        Func<int, string, bool>? shown = null)
    {
        using var slots = new SemaphoreSlim(parallel);
        var buffers = new StringWriter?[count];
        var done = new bool[count];
        var next = 0;
        var gate = new Lock();
        Exception? stop = null;

        void Flush()
        {
            lock (gate)
            {
                while (next < count && done[next])
                {
                    var text = buffers[next]!.ToString();
                    if (shown is null || shown(next, text)) ctx.Output.WriteRendered(text);
                    buffers[next] = null;
                    next++;
                }
            }
        }

        async Task RowAsync(int i)
        {
            await slots.WaitAsync();
            try
            {
                // Invalid input (or an unexpected error) stops the run: rows not started yet are not started.
                if (Volatile.Read(ref stop) is not null) return;
                var buffer = new StringWriter();
                buffers[i] = buffer;
                try
                {
                    await run(i, ctx.WithOutput(ctx.Output.WithWriter(buffer)));
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref stop, ex, null);
                }
            }
            finally
            {
                buffers[i] ??= new StringWriter();
                lock (gate) done[i] = true;
                slots.Release();
                Flush();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, count).Select(RowAsync));
        if (stop is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(stop).Throw();
    }
}
