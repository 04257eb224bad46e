using System.Net;
using ModelPipeline.Tests.Forges;
using ModelPipeline.Training.Remote;

namespace ModelPipeline.Tests.RemoteTraining;

/// <summary>What Ctrl-C leaves behind when the remote cancel cannot get through, and what a remote id may be.</summary>
public sealed class RemoteWaitTests
{
    [Fact]
    public async Task A_cancel_that_fails_after_ctrl_c_says_the_remote_run_is_still_running_with_its_id_and_link()
    {
        var reporter = new RecordingReporter();
        using var ctrlC = new CancellationTokenSource();
        var polls = 0;
        var cancels = 0;
        var wait = new RemoteWait(reporter, "tiny", "RunPod", "job-42", "https://api.runpod.ai/v2/ep/status/job-42")
        {
            Poll = _ =>
            {
                if (++polls == 2) ctrlC.Cancel();
                return Task.FromResult(new RemoteStatus("IN_PROGRESS", false, false, null, null));
            },
            Cancel = _ =>
            {
                cancels++;
                throw new RemoteHttpException("RunPod: POST /cancel/job-42 answered HTTP 429: rate limited.", HttpStatusCode.TooManyRequests);
            },
            Timeout = TimeSpan.FromHours(1),
            FirstDelay = TimeSpan.FromMilliseconds(1),
            MaxDelay = TimeSpan.FromMilliseconds(1),
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.RunAsync(ctrlC.Token));

        Assert.Equal(1, cancels);
        var warning = Assert.Single(reporter.Lines, l => l.Contains("STILL RUNNING", StringComparison.Ordinal));
        Assert.Contains("RunPod run job-42 is STILL RUNNING", warning, StringComparison.Ordinal);
        Assert.Contains("HTTP 429", warning, StringComparison.Ordinal);
        Assert.Contains("Cancel it by hand: https://api.runpod.ai/v2/ep/status/job-42", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../../../tmp/victim", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    [InlineData(".hidden", false)]
    [InlineData("c80ffee4-f315-4e25-a146-0f3d98cf024b-u1", true)]
    [InlineData("sync-7d3e_2.a", true)]
    public void Only_plain_ids_from_a_service_are_used(string id, bool allowed)
    {
        if (allowed) Assert.Equal(id, RemoteText.Id(id, "RunPod", "job id", "tiny"));
        else Assert.Throws<ModelPipeline.Errors.OperationFailedException>(() => RemoteText.Id(id, "RunPod", "job id", "tiny"));
    }

    [Fact]
    public void A_quote_of_a_long_answer_is_cut_and_says_how_long_it_was()
    {
        var quote = RemoteText.Quote(new string('x', 1_000_000) + "\n\u001b[31m");

        Assert.True(quote.Length < RemoteText.MaxQuote + 50, $"{quote.Length} characters");
        Assert.EndsWith("characters in all)", quote, StringComparison.Ordinal);
    }
}
