import { mkdir, open, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partialPathFor, WORK_DIR_NAME } from '../../src/downloads/partialPath.js';
import type { Hasher, HashPool } from '../../src/integrity/hashPool.js';
import { ModelIntegrityChecker } from '../../src/integrity/ModelIntegrityChecker.js';
import { parseManifest } from '../../src/integrity/manifest.js';
import { WORK_DIR } from '../../src/integrity/paths.js';
import { STAT_CACHE_FILE } from '../../src/integrity/statCache.js';
import type { IntegrityReport } from '../../src/integrity/types.js';
import { content, type FixtureFile, install, startIntegrityEnv } from '../support/integrityFixtures.js';

const MODELS: Record<string, FixtureFile[]> = {
  'Wan2.2-TI2V-5B': [
    { path: 'Wan2.2_VAE.pth', data: content(1, 300_000) },
    { path: 'config.json', data: Buffer.from('{"model":"ti2v"}') },
    { path: 'google/umt5-xxl/spiece.model', data: content(2, 70_000) },
    { path: 'dir with space/weights #1.safetensors', data: content(3, 128_000) },
  ],
  'Wan2.2-T2V-A14B': [
    { path: 'high_noise_model/diffusion_pytorch_model.safetensors', data: content(4, 200_000) },
    { path: 'low_noise_model/diffusion_pytorch_model.safetensors', data: content(5, 200_001) },
    { path: 'empty.txt', data: Buffer.alloc(0) },
  ],
};
const TOTAL = Object.values(MODELS)
  .flat()
  .reduce((sum, f) => sum + f.data.length, 0);
const FILES = Object.values(MODELS).flat().length;

/** Counts real hashing (timing-independent evidence that a quick verify used the cache). */
class CountingHasher implements Hasher {
  readonly paths: string[] = [];
  constructor(private readonly inner: Hasher) {}
  hash(file: string, options?: Parameters<Hasher['hash']>[1]) {
    this.paths.push(file);
    return this.inner.hash(file, options);
  }
}

const statusOf = (report: IntegrityReport, model: string, file: string) =>
  report.models.find((m) => m.id === model)?.files.find((f) => f.path === file);
const statuses = (report: IntegrityReport) =>
  report.models.flatMap((m) =>
    m.files.filter((f) => f.status !== 'ok').map((f) => `${m.id}/${f.path}:${f.status}`),
  );

let root: string;
let stop: () => Promise<void>;
let pool: HashPool;
let hasher: CountingHasher;
let manifest: ReturnType<typeof parseManifest>;

beforeEach(async () => {
  ({ root, manifest, pool, stop } = await startIntegrityEnv(MODELS));
  hasher = new CountingHasher(pool);
});

afterEach(() => stop());

const checker = (extra: Partial<ConstructorParameters<typeof ModelIntegrityChecker>[0]> = {}) =>
  new ModelIntegrityChecker({ root, manifest, hasher, ...extra });

describe('ModelIntegrityChecker.verify', () => {
  it('on an empty root: every file missing, bytesToDownload = sum of sizes (deep)', async () => {
    const report = await checker().verify({ deep: true });
    expect(report.ok).toBe(false);
    expect(report.deep).toBe(true);
    expect(report.models.flatMap((m) => m.files.map((f) => f.status))).toEqual(
      new Array(FILES).fill('missing'),
    );
    expect(report.bytesToDownload).toBe(TOTAL);
    expect(report.stats.hashedFiles).toBe(0);
    expect(statusOf(report, 'Wan2.2-TI2V-5B', 'config.json')?.expected).toEqual({
      size: MODELS['Wan2.2-TI2V-5B']?.[1]?.data.length,
      sha256: manifest.models[0]?.files[1]?.sha256,
    });
  });

  it('reports ok for a correct install, and a quick re-verify reads no file (stat cache)', async () => {
    await install(root, MODELS);
    const first = await checker().verify();
    expect(statuses(first)).toEqual([]);
    expect(first.ok).toBe(true);
    expect(first.bytesToDownload).toBe(0);
    expect(first.stats.hashedFiles).toBe(FILES);
    expect(hasher.paths).toHaveLength(FILES);

    hasher.paths.length = 0;
    // A new checker (a new process, say) trusts the persisted cache.
    const second = await checker().verify();
    expect(second.ok).toBe(true);
    expect(hasher.paths).toEqual([]);
    expect(second.stats).toMatchObject({ hashedFiles: 0, cachedFiles: FILES });

    // Deep re-hashes everything.
    const deep = await checker().verify({ deep: true });
    expect(deep.ok).toBe(true);
    expect(hasher.paths).toHaveLength(FILES);
  });

  it('re-hashes only a file whose stat changed (mtime touched, same bytes)', async () => {
    await install(root, MODELS);
    await checker().verify();
    hasher.paths.length = 0;
    const touched = path.join(root, 'Wan2.2-TI2V-5B', 'Wan2.2_VAE.pth');
    await utimes(touched, new Date(2020, 1, 1), new Date(2020, 1, 1));
    const report = await checker().verify();
    expect(report.ok).toBe(true);
    expect(hasher.paths).toEqual([touched]);
  });

  it('ignores a corrupt stat cache (re-hashes, never crashes) and rewrites it', async () => {
    await install(root, MODELS);
    await checker().verify();
    const cacheFile = path.join(root, WORK_DIR, STAT_CACHE_FILE);
    for (const garbage of [
      '{"format":',
      '[]',
      'null',
      '{"format":"wan-reliability/integrity-cache","version":1,"entries":{"x":{"size":"1"}}}',
    ]) {
      await writeFile(cacheFile, garbage);
      hasher.paths.length = 0;
      const report = await checker().verify();
      expect(report.ok).toBe(true);
      expect(hasher.paths).toHaveLength(FILES);
    }
    expect(JSON.parse(await readFile(cacheFile, 'utf8')).format).toBe('wan-reliability/integrity-cache');
  });

  it('finds a byte flipped on disk (deep and quick), a truncated file and a deleted file', async () => {
    await install(root, MODELS);
    await checker().verify();
    const vae = path.join(root, 'Wan2.2-TI2V-5B', 'Wan2.2_VAE.pth');
    const handle = await open(vae, 'r+');
    const before = await stat(vae);
    await handle.write(Buffer.from([0xff ^ (MODELS['Wan2.2-TI2V-5B']?.[0]?.data[1000] ?? 0)]), 0, 1, 1000);
    await handle.close();
    // Even with the mtime put back, ctime betrays the write.
    await utimes(vae, before.atime, before.mtime);
    await writeFile(
      path.join(root, 'Wan2.2-T2V-A14B', 'high_noise_model', 'diffusion_pytorch_model.safetensors'),
      'short',
    );
    await rm(path.join(root, 'Wan2.2-TI2V-5B', 'config.json'));

    for (const deep of [true, false]) {
      const report = await checker().verify({ deep });
      expect(statuses(report).sort()).toEqual([
        'Wan2.2-T2V-A14B/high_noise_model/diffusion_pytorch_model.safetensors:size_mismatch',
        'Wan2.2-TI2V-5B/Wan2.2_VAE.pth:corrupt',
        'Wan2.2-TI2V-5B/config.json:missing',
      ]);
      const corrupt = statusOf(report, 'Wan2.2-TI2V-5B', 'Wan2.2_VAE.pth');
      expect(corrupt?.actual?.size).toBe(300_000);
      expect(corrupt?.actual?.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(corrupt?.actual?.sha256).not.toBe(corrupt?.expected.sha256);
      expect(
        statusOf(report, 'Wan2.2-T2V-A14B', 'high_noise_model/diffusion_pytorch_model.safetensors')?.actual,
      ).toEqual({
        size: 5,
      });
      expect(report.bytesToDownload).toBe(300_000 + 200_000 + MODELS['Wan2.2-TI2V-5B']![1]!.data.length);
      expect(report.models.find((m) => m.id === 'Wan2.2-TI2V-5B')?.ok).toBe(false);
    }
  });

  it('finds a file moved elsewhere in its model folder as misplaced (only same-size files are hashed)', async () => {
    await install(root, MODELS);
    const model = path.join(root, 'Wan2.2-TI2V-5B');
    await mkdir(path.join(model, 'old', 'place'), { recursive: true });
    await rename(
      path.join(model, 'google', 'umt5-xxl', 'spiece.model'),
      path.join(model, 'old', 'place', 'spiece.model'),
    );
    await writeFile(path.join(model, 'unrelated.bin'), content(9, 1234));
    // A same-named file in the work folder is never a candidate.
    await mkdir(path.join(model, WORK_DIR), { recursive: true });
    await writeFile(path.join(model, WORK_DIR, 'x'), MODELS['Wan2.2-TI2V-5B']![2]!.data);
    const report = await checker().verify({ deep: true });
    expect(statuses(report)).toEqual(['Wan2.2-TI2V-5B/google/umt5-xxl/spiece.model:misplaced']);
    const file = statusOf(report, 'Wan2.2-TI2V-5B', 'google/umt5-xxl/spiece.model');
    expect(file?.foundAt).toBe('old/place/spiece.model');
    expect(report.bytesToDownload).toBe(0);
    expect(hasher.paths.some((p) => p.endsWith('unrelated.bin'))).toBe(false);
    expect(hasher.paths.some((p) => p.includes(WORK_DIR))).toBe(false);
  });

  it("reports a resumable partial download (the Downloader's partial location) as partial", async () => {
    const dest = path.join(root, 'Wan2.2-TI2V-5B', 'Wan2.2_VAE.pth');
    const partial = partialPathFor(dest, 'writer-1', { root });
    await mkdir(path.dirname(partial), { recursive: true });
    await writeFile(partial, MODELS['Wan2.2-TI2V-5B']![0]!.data.subarray(0, 100_000));
    const report = await checker().verify();
    const file = statusOf(report, 'Wan2.2-TI2V-5B', 'Wan2.2_VAE.pth');
    expect(file).toMatchObject({ status: 'partial', partialBytes: 100_000 });
    expect(report.bytesToDownload).toBe(TOTAL - 100_000);
  });

  it('reports a folder occupying a file path as missing, with a note', async () => {
    await install(root, MODELS);
    await rm(path.join(root, 'Wan2.2-TI2V-5B', 'config.json'));
    await mkdir(path.join(root, 'Wan2.2-TI2V-5B', 'config.json'));
    const report = await checker().verify();
    expect(statusOf(report, 'Wan2.2-TI2V-5B', 'config.json')).toMatchObject({
      status: 'missing',
      note: expect.stringMatching(/folder/),
    });
  });

  it('checks only the selected models and rejects unknown ids', async () => {
    const report = await checker().verify({ models: ['Wan2.2-T2V-A14B'] });
    expect(report.models.map((m) => m.id)).toEqual(['Wan2.2-T2V-A14B']);
    await expect(checker().verify({ models: ['nope'] })).rejects.toMatchObject({ category: 'configuration' });
  });

  it('emits integrity:file, integrity:hash and integrity:verified, and reports progress', async () => {
    await install(root, MODELS);
    const c = checker();
    const files: string[] = [];
    const hashed: string[] = [];
    let verified: unknown;
    c.on('integrity:file', (e) => files.push(`${e.model}/${e.path}:${e.status}:${e.cached}`));
    c.on('integrity:hash', (e) => hashed.push(e.path));
    c.on('integrity:verified', (e) => {
      verified = e;
    });
    const phases = new Set<string>();
    await c.verify({ onProgress: (p) => phases.add(p.phase) });
    expect(files).toHaveLength(FILES);
    expect(files.every((f) => f.endsWith(':ok:false'))).toBe(true);
    expect(hashed).toHaveLength(FILES);
    expect(verified).toMatchObject({ ok: true, hashedFiles: FILES, cachedFiles: 0 });
    expect(phases.has('stat')).toBe(true);
    files.length = 0;
    await c.verify();
    expect(files.every((f) => f.endsWith(':ok:true'))).toBe(true);
  });

  it('honours an AbortSignal: already aborted, and during hashing of a large file', async () => {
    await expect(checker().verify({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      category: 'cancelled',
    });
    const big = Buffer.alloc(64 * 1024 * 1024, 7);
    const { createHash } = await import('node:crypto');
    const bigManifest = parseManifest({
      schemaVersion: 1,
      models: [
        {
          id: 'big',
          revision: 'r',
          mirrors: ['http://127.0.0.1:9/'],
          files: [
            { path: 'big.bin', size: big.length, sha256: createHash('sha256').update(big).digest('hex') },
          ],
        },
      ],
    });
    await install(root, { big: [{ path: 'big.bin', data: big }] });
    const controller = new AbortController();
    const c = new ModelIntegrityChecker({ root, manifest: bigManifest, hasher: pool });
    const running = c.verify({
      signal: controller.signal,
      onProgress: (p) => p.phase === 'hash' && controller.abort(),
    });
    setTimeout(() => controller.abort(), 5);
    await expect(running).rejects.toMatchObject({ category: 'cancelled' });
    // The pool is still usable afterwards.
    expect((await c.verify()).ok).toBe(true);
  });

  it('validates its options', () => {
    expect(() => new ModelIntegrityChecker({ root: '', manifest })).toThrow(/root/);
    expect(
      () => new ModelIntegrityChecker({ root, manifest: { schemaVersion: 1, models: [] } as never }),
    ).toThrow(/manifest/i);
    expect(() => new ModelIntegrityChecker({ root, manifest, downloader: {} as never })).toThrow(
      /downloader/,
    );
    expect(WORK_DIR).toBe(WORK_DIR_NAME);
  });
});
