using ModelPipeline.Tests.Support;

namespace ModelPipeline.Tests.Packaging;

/// <summary>docs/reuse.md: the digest does not depend on where the image is stored or on its tag.</summary>
public sealed class DigestIndependenceTests
{
    [Fact]
    public async Task The_same_validated_files_get_the_same_digest_whatever_the_repository_and_tag_template()
    {
        var digests = new List<string>();
        foreach (var (repository, template) in new[] { ("localhost/modelzoo", "{model}-{key12}"), ("127.0.0.1:5000/ml/other", "{model}-{key}") })
        {
            using var world = new TestWorld();
            ValidatedModel.Configure(world, new { destination = "oci-layout", repository, tagTemplate = template });
            var key = ValidatedModel.Seed(world, "demo", ValidatedModel.SmallFiles());

            var run = await Modelpipe.RunAsync(world.Root, ["package"], ValidatedModel.Env(world));

            Assert.True(run.ExitCode == 0, run.All);
            var record = ValidatedModel.ReadRecord(world, "demo", key);
            Assert.StartsWith(repository + "@", record.Reference, StringComparison.Ordinal);
            digests.Add(record.Digest);
        }
        Assert.Equal(digests[0], digests[1]);
    }
}
