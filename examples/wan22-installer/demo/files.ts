import { createHash } from 'node:crypto';

/** One synthetic file of the demo mirror, shaped like a WAN2.2 repository file. */
export interface DemoFile {
  readonly model: string;
  readonly path: string;
  readonly data: Buffer;
  readonly sha256: string;
}

/** Models of the demo: the real WAN2.2 layouts, with tiny synthetic contents. */
export const DEMO_MODELS = [
  { id: 'Wan2.2-TI2V-5B', required: true, priority: 10 },
  { id: 'Wan2.2-T2V-A14B', required: true, priority: 5 },
  { id: 'Wan2.2-I2V-A14B', required: false, priority: 0 },
] as const;

/** Deterministic bytes (xorshift32), so every run serves the same files. */
function noise(seed: string, length: number): Buffer {
  let x = createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  const out = Buffer.alloc(length);
  for (let i = 0; i + 4 <= length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  return out;
}

/** A valid safetensors file: u64 header length, JSON header, BF16 tensors of 256 columns. */
function safetensors(seed: string, tensors: number, rows: number): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', demo: 'synthetic' } };
  let offset = 0;
  for (let i = 0; i < tensors; i++) {
    const bytes = rows * 256 * 2;
    header[`blocks.${i}.attn.qkv.weight`] = {
      dtype: 'BF16',
      shape: [rows, 256],
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, Buffer.from(json), noise(seed, offset)]);
}

/** A PyTorch-style checkpoint: zip signature, then synthetic bytes. */
function checkpoint(seed: string, size: number): Buffer {
  const data = noise(seed, size);
  data.write('PK\u0003\u0004', 0, 'latin1');
  return data;
}

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

/** Every demo file; `version` 2 changes a few files (for `update`). */
export function demoFiles(version = 1): DemoFile[] {
  const v = (name: string, changes: boolean) => (changes && version > 1 ? `${name}@v${version}` : name);
  const files: { model: string; path: string; data: Buffer }[] = [];
  const add = (model: string, path: string, data: Buffer) => files.push({ model, path, data });
  const t5 = (m: string) => add(m, 'models_t5_umt5-xxl-enc-bf16.pth', checkpoint(`${m}/t5`, 420_000));
  const tokenizer = (m: string) =>
    add(
      m,
      'google/umt5-xxl/tokenizer_config.json',
      json({ model_max_length: 512, tokenizer_class: 'T5Tokenizer' }),
    );

  const ti2v = 'Wan2.2-TI2V-5B';
  add(
    ti2v,
    'config.json',
    json({ _class_name: 'WanModel', dim: 3072, num_layers: 30, version: v('1', true) }),
  );
  add(
    ti2v,
    'diffusion_pytorch_model-00001-of-00002.safetensors',
    safetensors(v(`${ti2v}/s1`, false), 4, 300),
  );
  add(ti2v, 'diffusion_pytorch_model-00002-of-00002.safetensors', safetensors(v(`${ti2v}/s2`, true), 4, 300));
  add(ti2v, 'diffusion_pytorch_model.safetensors.index.json', json({ metadata: { total_size: 1_228_800 } }));
  add(ti2v, 'Wan2.2_VAE.pth', checkpoint(`${ti2v}/vae`, 380_000));
  t5(ti2v);
  tokenizer(ti2v);
  for (const moe of ['Wan2.2-T2V-A14B', 'Wan2.2-I2V-A14B']) {
    for (const expert of ['high_noise_model', 'low_noise_model']) {
      add(moe, `${expert}/config.json`, json({ _class_name: 'WanModel', dim: 5120, num_layers: 40 }));
      add(
        moe,
        `${expert}/diffusion_pytorch_model-00001-of-00001.safetensors`,
        safetensors(`${moe}/${expert}`, 3, 300),
      );
    }
    add(moe, 'Wan2.1_VAE.pth', checkpoint(`${moe}/vae`, 260_000));
    t5(moe);
  }
  return files.map((f) => ({ ...f, sha256: createHash('sha256').update(f.data).digest('hex') }));
}

/** A stable fake commit id per model and version. */
export function demoRevision(model: string, version = 1): string {
  return createHash('sha1').update(`${model}@demo-v${version}`).digest('hex');
}

/** The manifest of the demo mirror at `base` (mirrors: flaky, corrupt, good — in that order). */
export function demoManifest(base: string, version = 1): Record<string, unknown> {
  const files = demoFiles(version);
  return {
    schemaVersion: 1,
    description: `WAN2.2-shaped demo models (synthetic, version ${version}) served by the local demo mirror`,
    models: DEMO_MODELS.map((m) => ({
      id: m.id,
      displayName: `${m.id} (demo)`,
      revision: demoRevision(m.id, version),
      required: m.required,
      priority: m.priority,
      // As in the real template: without an 80 GB GPU, TI2V-5B is what can run.
      ...(m.id.includes('A14B') ? { alternatives: ['Wan2.2-TI2V-5B'] } : {}),
      mirrors: ['flaky', 'corrupt', 'good'].map(
        (kind) => `${base}/${kind}/Wan-AI/${m.id}/resolve/{revision}/`,
      ),
      files: files
        .filter((f) => f.model === m.id)
        .map((f) => ({ path: f.path, size: f.data.length, sha256: f.sha256 })),
    })),
  };
}
