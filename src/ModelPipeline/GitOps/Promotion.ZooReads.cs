using ModelPipeline.Configuration;
using ModelPipeline.Progress;
using ModelPipeline.Zoo;

namespace ModelPipeline.GitOps;

public sealed partial class Promotion
{
    /// <summary>
    /// The zoo as one OpenPr/Promote run reads it: synced and checked once (<see cref="ZooRepository.ReadAsync"/>) at
    /// first use, then every model's verdict and metrics are read from that snapshot. It holds the zoo clone's lock
    /// until released or disposed; a step that reads the zoo itself (the prod registry copy) releases it first.
    /// </summary>
    private sealed class ZooReads(PipelineConfig config, IPipelineReporter reporter) : IDisposable
    {
        private readonly ZooRepository _zoo = new(config, reporter);
        private ZooSnapshot? _snapshot;

        public async Task<ZooSnapshot> GetAsync(CancellationToken ct) => _snapshot ??= await _zoo.ReadAsync(ct);

        /// <summary>Version <paramref name="version"/> of <paramref name="model"/>, checked against its ledger line;
        /// null when the zoo has no such version (as <see cref="ZooRepository.FindVersionAsync"/>).</summary>
        public async Task<PublishedVersion?> FindVersionAsync(string model, int version, CancellationToken ct)
        {
            var zoo = await GetAsync(ct);
            if (!File.Exists(ZooLayout.ManifestPath(zoo.Root, model, version))) return null;
            ZooRepository.CheckLedger(zoo.Root, model, version, zoo.Commit, _zoo.History);
            return ZooRepository.Load(zoo.Root, model, version, zoo.Commit);
        }

        public void Release()
        {
            _snapshot?.Dispose();
            _snapshot = null;
        }

        public void Dispose() => Release();
    }
}
