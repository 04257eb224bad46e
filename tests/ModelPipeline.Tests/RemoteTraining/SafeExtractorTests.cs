using System.Formats.Tar;
using ModelPipeline.Errors;
using ModelPipeline.Tests.Support;
using ModelPipeline.Training.Archives;

namespace ModelPipeline.Tests.RemoteTraining;

public sealed class SafeExtractorTests : IDisposable
{
    private readonly TestWorld _world = new();
    private readonly ExtractionLimits _limits = new() { MaxTotalBytes = 1L << 30, MaxEntryBytes = 1L << 30, MaxEntries = 10_000, MaxCompressionRatio = 100 };

    private string Archive(string name) => Path.Combine(_world.Root, name);

    private string Output => Path.Combine(_world.Root, "out", "output");

    private void AssertRefused(string archive, string expected, ExtractionLimits? limits = null)
    {
        var ex = Assert.Throws<OperationFailedException>(() => SafeExtractor.Extract(archive, "models/", Output, limits ?? _limits, "m"));
        Assert.Contains("the output archive was refused", ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.Contains("Nothing was extracted", ex.Message);
        Assert.False(Directory.Exists(Output), "the destination must not exist after a refusal");
        Assert.Empty(Directory.Exists(Path.Combine(_world.Root, "out")) ? Directory.EnumerateFileSystemEntries(Path.Combine(_world.Root, "out")) : []);
    }

    [Fact]
    public void A_tar_gz_extracts_only_the_model_folder_and_copies_links_that_stay_inside()
    {
        var path = Archive("good.tar.gz");
        ArchiveCorpus.TarGz(path, tar =>
        {
            ArchiveCorpus.Entry(tar, "README.txt", "not a model file");
            ArchiveCorpus.Entry(tar, "./models/model.onnx", "onnx");
            ArchiveCorpus.Entry(tar, "models/sub/metrics.json", "{}");
            ArchiveCorpus.Link(tar, TarEntryType.SymbolicLink, "models/alias.onnx", "model.onnx");
            ArchiveCorpus.Link(tar, TarEntryType.HardLink, "models/sub/hard.onnx", "models/model.onnx");
        });
        Assert.Equal(4, SafeExtractor.Extract(path, "models/", Output, _limits, "m"));
        Assert.Equal(["alias.onnx", "model.onnx", "sub/hard.onnx", "sub/metrics.json"],
            Directory.EnumerateFiles(Output, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Output, f)).Order());
        Assert.Null(new FileInfo(Path.Combine(Output, "alias.onnx")).LinkTarget);
        Assert.Equal("onnx", File.ReadAllText(Path.Combine(Output, "sub", "hard.onnx")));
    }

    [Fact]
    public void A_zip_extracts_the_model_folder()
    {
        var path = Archive("good.zip");
        ArchiveCorpus.Zip(path, ("models/model.onnx", "onnx", 0), ("other.txt", "x", 0));
        Assert.Equal(1, SafeExtractor.Extract(path, "models", Output, _limits, "m"));
        Assert.Equal("onnx", File.ReadAllText(Path.Combine(Output, "model.onnx")));
    }

    [Fact]
    public void A_zip_slip_entry_is_refused()
    {
        var path = Archive("slip.zip");
        ArchiveCorpus.Zip(path, ("models/model.onnx", "onnx", 0), ("models/../../evil.sh", "boom", 0));
        AssertRefused(path, "entry 'models/../../evil.sh' contains '..'");
        Assert.False(File.Exists(Path.Combine(_world.Root, "evil.sh")));
    }

    [Fact]
    public void A_zip_symlink_pointing_outside_is_refused()
    {
        var path = Archive("zlink.zip");
        ArchiveCorpus.Zip(path, ("models/model.onnx", "onnx", 0), ("models/passwd", "/etc/passwd", 0xA1FF));
        AssertRefused(path, "link 'models/passwd' points outside the extracted folder");
    }

    [Fact]
    public void A_tar_symlink_escaping_the_folder_is_refused()
    {
        var path = Archive("symlink.tar.gz");
        ArchiveCorpus.TarGz(path, tar =>
        {
            ArchiveCorpus.Entry(tar, "models/model.onnx", "onnx");
            ArchiveCorpus.Link(tar, TarEntryType.SymbolicLink, "models/escape", "../../../../etc/passwd");
        });
        AssertRefused(path, "link 'models/escape' points outside the extracted folder");
    }

    [Fact]
    public void A_tar_hardlink_escaping_the_folder_is_refused()
    {
        var path = Archive("hardlink.tar.gz");
        ArchiveCorpus.TarGz(path, tar =>
        {
            ArchiveCorpus.Entry(tar, "models/model.onnx", "onnx");
            ArchiveCorpus.Link(tar, TarEntryType.HardLink, "models/shadow", "/etc/shadow");
        });
        AssertRefused(path, "link 'models/shadow' points outside the extracted folder");
    }

    [Theory]
    [InlineData("/tmp/models/x.onnx", "is an absolute path")]
    [InlineData("models\\..\\x.onnx", "contains a backslash")]
    [InlineData("C:/models/x.onnx", "starts with a drive letter")]
    public void Unsafe_entry_names_are_refused(string name, string why)
    {
        var path = Archive("names.tar.gz");
        ArchiveCorpus.TarGz(path, tar =>
        {
            ArchiveCorpus.Entry(tar, "models/model.onnx", "onnx");
            ArchiveCorpus.Entry(tar, name, "x");
        });
        AssertRefused(path, why);
    }

    [Fact]
    public void A_device_file_is_refused()
    {
        var path = Archive("device.tar.gz");
        ArchiveCorpus.TarGz(path, tar => tar.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "models/null") { DeviceMajor = 1, DeviceMinor = 3 }));
        AssertRefused(path, "entry 'models/null' is a CharacterDevice entry");
    }

    [Fact]
    public void A_gzip_bomb_is_refused_by_the_compression_ratio_cap()
    {
        var path = Archive("bomb.tar.gz");
        ArchiveCorpus.GzipBomb(path, 256L << 20);
        Assert.True(new FileInfo(path).Length < 1 << 20);
        AssertRefused(path, "a decompression bomb");
    }

    [Fact]
    public void An_entry_larger_than_the_per_file_cap_is_refused_before_it_is_read()
    {
        var path = Archive("big.tar.gz");
        ArchiveCorpus.GzipBomb(path, 8L << 20);
        AssertRefused(path, "is larger than 1048576 bytes", _limits with { MaxEntryBytes = 1 << 20, MaxCompressionRatio = 1e9 });
    }

    [Fact]
    public void A_total_past_the_size_cap_is_refused()
    {
        var path = Archive("total.tar.gz");
        ArchiveCorpus.TarGz(path, tar =>
        {
            for (var i = 0; i < 3; i++) ArchiveCorpus.Entry(tar, $"models/f{i}.bin", new string('a', 600));
        });
        AssertRefused(path, "add up to more than 1000 bytes", _limits with { MaxTotalBytes = 1000 });
    }

    [Fact]
    public void An_archive_of_100k_entries_is_refused_by_the_entry_cap()
    {
        var path = Archive("many.tar.gz");
        ArchiveCorpus.TarGz(path, tar =>
        {
            for (var i = 0; i < 100_000; i++) tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, $"models/f{i}"));
        });
        AssertRefused(path, "more than 10000 entries (maxEntries)");
    }

    [Fact]
    public void A_file_that_is_no_archive_is_refused()
    {
        var path = Archive("plain.bin");
        File.WriteAllText(path, "just text");
        var ex = Assert.Throws<OperationFailedException>(() => SafeExtractor.Extract(path, "models/", Output, _limits, "m"));
        Assert.Contains("neither a zip nor a tar.gz", ex.Message);
        Assert.False(Directory.Exists(Output));
    }

    [Fact]
    public void A_tar_with_the_same_file_twice_is_refused_like_any_other_hostile_entry()
    {
        var path = Archive("dup.tar.gz");
        ArchiveCorpus.TarGz(path, tar =>
        {
            ArchiveCorpus.Entry(tar, "models/model.onnx", "first");
            ArchiveCorpus.Entry(tar, "./models/model.onnx", "second: would replace what was checked");
        });
        AssertRefused(path, "entry './models/model.onnx' names 'model.onnx' a second time");
    }

    [Fact]
    public void A_zip_entry_whose_crc_disagrees_with_its_data_is_refused()
    {
        var path = Archive("crc.zip");
        ArchiveCorpus.Zip(path, ("models/model.onnx", "onnx weights", 0));
        ArchiveCorpus.LieInZip(path, crc: 0xDEADBEEF, size: null);
        AssertRefused(path, "entry 'models/model.onnx' does not match its CRC-32");
    }

    [Fact]
    public void A_zip_entry_whose_size_disagrees_with_its_data_is_refused_not_truncated()
    {
        var path = Archive("size.zip");
        ArchiveCorpus.Zip(path, ("models/model.onnx", "onnx weights, twenty-six", 0));
        ArchiveCorpus.LieInZip(path, crc: null, size: 4);
        AssertRefused(path, "entry 'models/model.onnx'");
    }

    public void Dispose() => _world.Dispose();
}
