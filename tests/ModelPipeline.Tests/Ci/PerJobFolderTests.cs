using ModelPipeline.Ci;
using ModelPipeline.Tests.SameEverywhere;
using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Ci;

/// <summary>
/// A runner with a build folder per job: each job is a fresh clone in a folder of its own, gets only the
/// run records of the job before it (RunRecords: what the generated CI uploads), and the folder of that
/// job is gone. The plan/fetch job, the model's job (Train -> PushMirrors) and the fan-in (UpdateGitOps,
/// OpenPr, Report) share only the zoo, the GitOps repository and the image store.
/// </summary>
public sealed class PerJobFolderTests
{
    /// <summary>16 MiB of weights: the records must not grow with it.</summary>
    private const string BigTrainer = "head -c 16777216 /dev/zero > \"$MP_OUTPUT_DIR/model.onnx\"\n"
        + "echo '{\"accuracy\": 0.97}' > \"$MP_OUTPUT_DIR/metrics.json\"\n";

    [Fact]
    public async Task Each_step_job_runs_in_another_folder_from_the_job_before_it_on_records_alone()
    {
        using var world = new TestWorld();
        var clones = new Clones(world);
        var zoo = await BareRepo.CreateAsync(clones.Shared("zoo.git"));
        var gitops = await BareRepo.CreateAsync(clones.Shared("gitops.git"));
        var busybox = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes("/bin/busybox")));
        await clones.CreateSourceAsync(new
        {
            zoo = new { url = zoo, mirrors = Array.Empty<object>() },
            modelcar = new
            {
                destination = "oci-layout", layoutDir = clones.Shared("oci"), baseImage = "busybox-static",
                busybox = new { path = "/bin/busybox", sha256 = busybox },
            },
            gitops = new { repository = gitops },
        }, BigTrainer);
        var env = new Dictionary<string, string?> { ["SOURCE_DATE_EPOCH"] = null };

        var fetchJob = await clones.CloneAsync("builds-fetch");
        await Clones.RunAsync(fetchJob, env, "check", "fetch");

        var modelJob = await HandOnAsync(clones, fetchJob, "builds-model-demo");
        await Clones.RunAsync(modelJob, env, "train", "validate", "package", "push");
        var digest = Clones.Run(modelJob, "package").GetProperty("digest").GetString()!;
        var modelRecords = RunRecords.BytesByModel(Path.Combine(modelJob, "artifacts"))["demo"];

        var fanIn = await HandOnAsync(clones, modelJob, "builds-fan-in");
        await Clones.RunAsync(fanIn, env, "gitops", "pr", "report");

        Assert.Contains(digest, await BareRepo.GitAsync(gitops, "show", "main:test/demo/config.yaml"), StringComparison.Ordinal);
        Assert.Contains("models/demo/v1/", await BareRepo.GitAsync(zoo, "ls-tree", "-r", "--name-only", "main"), StringComparison.Ordinal);
        // Records name files relative to the project root or by digest: no job folder's absolute path
        // (the shared zoo and image store are named where they are configured).
        foreach (var record in RunRecords.List(Path.Combine(fanIn, "artifacts")))
        {
            var text = File.ReadAllText(Path.Combine(fanIn, "artifacts", record));
            Assert.False(text.Contains(Path.Combine(world.Root, "builds-"), StringComparison.Ordinal), $"{record} names a job folder:\n{text}");
        }
        Assert.Equal("artifacts/demo/runs/" + Clones.Run(fanIn, "train").GetProperty("trainingKey").GetString() + "/output",
            Clones.Run(fanIn, "train").GetProperty("outputDir").GetString());
        // The budget: KBs per model, while the model is 16 MiB.
        Assert.InRange(modelRecords, 1, RunRecords.BudgetBytesPerModel);
        Assert.True(modelRecords < 64 * 1024, $"the model's records are {modelRecords} bytes");
    }

    /// <summary>A new job: a fresh clone in its own folder with the previous job's records; the previous folder goes away.</summary>
    private static async Task<string> HandOnAsync(Clones clones, string previous, string name)
    {
        var next = await clones.CloneAsync(name);
        RunRecords.Copy(Path.Combine(previous, "artifacts"), Path.Combine(next, "artifacts"));
        Directory.Delete(previous, recursive: true);
        return next;
    }
}
