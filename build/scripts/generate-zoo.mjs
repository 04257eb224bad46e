// Writes a synthetic zoo working tree for benchmark-report.sh: MODELS models with VERSIONS versions
// each, laid out as PushMirrors lays out a zoo (manifest.json, model.json, metrics.json,
// validation.json per version; aliases.json and index.json per model; the top-level index.json).
// usage: node generate-zoo.mjs DIR MODELS VERSIONS
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const [dir, models = '1000', versions = '20'] = process.argv.slice(2);
if (!dir) { console.error('usage: node generate-zoo.mjs DIR MODELS VERSIONS'); process.exit(2); }
const sha = (s) => createHash('sha256').update(s).digest('hex');
const json = (path, value) => writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
const top = [];
for (let m = 0; m < +models; m++) {
  const name = `model-${String(m).padStart(4, '0')}`;
  const owners = [`team-${m % 17}@example.com`];
  const gates = { accuracy: { min: 0.8 }, log_loss: { max: 0.6 } };
  const index = [];
  for (let v = 1; v <= +versions; v++) {
    const vdir = join(dir, 'models', name, `v${v}`);
    mkdirSync(vdir, { recursive: true });
    const key = sha(`${name}/${v}`), digest = `sha256:${sha(`image/${name}/${v}`)}`;
    const reference = `localhost/modelzoo@${digest}`;
    const createdAt = new Date(Date.UTC(2026, 0, 1) + (m * 37 + v) * 3600e3).toISOString();
    json(join(vdir, 'manifest.json'), {
      model: name, version: v, trainingKey: key, description: `Synthetic model ${m}`, owners,
      image: { repository: 'localhost/modelzoo', tag: `${name}-${key.slice(0, 12)}`, digest, reference, storageUri: `oci://${reference}`, destination: 'oci-layout', sizeBytes: 1048576 + v },
      files: [{ path: 'model.onnx', size: 1048576 + v, sha256: sha(`w/${name}/${v}`), inline: false }, { path: 'metrics.json', size: 48, sha256: sha(`m/${name}/${v}`), inline: true }],
      createdAt, sourceCommit: sha(`c/${v}`).slice(0, 40), data: [{ name: 'train', kind: 'url', digest: sha(`d/${name}`) }],
    });
    json(join(vdir, 'model.json'), {
      name, description: `Synthetic model ${m}`, owners, data: [{ name: 'train', url: `https://data.example.com/${name}.csv`, sha256: sha(`d/${name}`) }],
      training: { backend: 'local', command: ['true'], timeoutSeconds: 3600, hyperparameters: { epochs: v }, sources: ['trainer'], options: {} },
      artifacts: { format: 'onnx', files: ['model.onnx', 'metrics.json'], maxTotalBytes: 10737418240 },
      validation: { tolerance: 0.0001, metrics: gates }, serving: { runtime: 'onnx', values: {} },
    });
    const metrics = { accuracy: 0.8 + ((m * 7 + v * 13) % 20) / 100, log_loss: 0.3 + ((m + v * 3) % 10) / 40 };
    json(join(vdir, 'metrics.json'), metrics);
    json(join(vdir, 'validation.json'), {
      gates: { tolerance: 0.0001, metrics: gates },
      report: { model: name, trainingKey: key, passed: true, checks: [{ name: 'metric accuracy', passed: true, detail: `accuracy ${metrics.accuracy}` }], manifest: [], metrics, validatedAt: createdAt },
    });
    index.push({ version: v, status: v === +versions ? 'current' : 'superseded', createdAt, trainingKey: key, digest, reference, storageUri: `oci://${reference}`, aliases: [] });
  }
  const aliases = { latest: +versions, prod: Math.max(1, +versions - 2), test: +versions };
  json(join(dir, 'models', name, 'aliases.json'), aliases);
  json(join(dir, 'models', name, 'index.json'), { model: name, versions: index, aliases });
  top.push({ model: name, description: `Synthetic model ${m}`, latest: +versions, versions: +versions, aliases });
}
json(join(dir, 'index.json'), { models: top });
